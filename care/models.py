"""包联 care: the registry of people who need looking after (独居老人, 留守儿童, 残疾人, 低保 …), the
categories a city configures, the rules that give each person a risk level, the people responsible for
them (包联人), their visits, and the link from a visit to the demand it filed in appeals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField, Masked


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High (高)")
    MEDIUM = "medium", _("Medium (中)")
    LOW = "low", _("Low (低)")


# Higher is riskier: "highest wins" among the rules, and the due list sorts by it.
RISK_RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CareCategory(models.Model):
    """A kind of person the community looks after (独居老人, 困境儿童 …), with the fields a membership
    of it records and how often its people are visited at each risk level. Configuration a city edits
    in the admin; the usual ones are seeded by a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    # [{"name": "adl", "label": "自理能力", "type": "choice", "choices": ["自理", "半失能", "失能"]}, …]
    fields = models.JSONField(_("fields"), default=list, blank=True,
                              help_text=_("The category's own fields, as a list of objects with name, label, "
                                          "type (text, number, date or choice) and, for a choice, choices."))
    # Extra checklist items a visit to this category's people asks about, e.g. [{"name": "adl", "label": "…"}].
    checklist = models.JSONField(_("extra checklist items"), default=list, blank=True,
                                 help_text=_("Items a visit asks about besides the common ones, as a list of "
                                             "objects with name and label."))
    visit_days_high = models.PositiveSmallIntegerField(_("visit every (days) at high risk"), default=7)
    visit_days_medium = models.PositiveSmallIntegerField(_("visit every (days) at medium risk"), default=14)
    visit_days_low = models.PositiveSmallIntegerField(_("visit every (days) at low risk"), default=30)
    order = models.PositiveSmallIntegerField(_("order"), default=50)
    is_active = models.BooleanField(_("active"), default=True)
    # The department types (orgs.DepartmentKind values) that serve this category's people: their staff see
    # those people (and only this category of them) in the registry of their department's area.
    served_by = models.JSONField(_("served by department types"), default=list, blank=True,
                                 help_text=_("The types of department whose staff see this category's people, "
                                             "e.g. the disabled persons' federation for 残疾人."))

    class Meta:
        verbose_name = _("care category")
        verbose_name_plural = _("care categories")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(visit_days_high__gte=1, visit_days_medium__gte=1, visit_days_low__gte=1),
                                   name="care_category_visit_days_positive"),
        ]

    def __str__(self):
        return self.name

    def visit_days(self, level: str) -> int:
        return {RiskLevel.HIGH: self.visit_days_high, RiskLevel.MEDIUM: self.visit_days_medium}.get(
            level, self.visit_days_low)


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class EndReason(models.TextChoices):
    MOVED_AWAY = "moved_away", _("Moved away (迁出)")
    DIED = "died", _("Died (死亡)")
    OTHER = "other", _("Other (其他)")


class Person(models.Model):
    """Someone in the registry. The ID number and phone are personal data: stored encrypted, found
    through keyed hashes (core.crypto.blind_index), masked on every page."""

    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedTextField(_("ID number (身份证号)"))
    id_index = models.CharField(max_length=64, unique=True, editable=False)
    PERSONAL_INDEXES = {"id_index": "id_number", "phone_index": "phone"}  # see manage.py personal_data_rekey
    # Both read from the ID number, never typed.
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    # Indexed in Meta (one plain index: it is only ever compared whole, never with LIKE).
    phone_index = models.CharField(max_length=64, blank=True, default="", editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The village or community (村/社区) the person lives in, and their grid (网格) when known.
    # Not indexed alone: the indexes (unit, risk_level) and (grid, next_visit_due) lead with them, and every
    # index more is written on each of the nightly run's million updates.
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("village / community"), on_delete=models.PROTECT,
                             related_name="+", db_index=False)
    grid = models.ForeignKey("orgs.Unit", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", db_index=False)
    # The level the rules give (care.risk), the override a person set with a reason, and the one in force.
    risk_computed = models.CharField(_("risk by the rules"), max_length=8, choices=RiskLevel.choices,
                                     default=RiskLevel.LOW, editable=False)
    risk_override = models.CharField(_("risk set by hand"), max_length=8, choices=RiskLevel.choices, blank=True,
                                     editable=False)
    risk_override_reason = models.CharField(_("reason for the risk set by hand"), max_length=200, blank=True,
                                            editable=False)
    risk_level = models.CharField(_("risk"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW,
                                  editable=False)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True, editable=False)
    # A record is ended (moved away, died), never deleted: it leaves the due lists and the figures, its
    # history stays and it can still be found.
    ended_on = models.DateField(_("record ended on"), null=True, blank=True, editable=False)
    end_reason = models.CharField(_("why the record ended"), max_length=16, choices=EndReason.choices, blank=True,
                                  editable=False)
    end_note = models.CharField(_("note on the end"), max_length=200, blank=True, editable=False)
    next_visit_due = models.DateField(_("next visit due"), null=True, blank=True, editable=False)
    # Where an overdue visit has been escalated to (care.escalation): the village's queue, then the
    # township's. Set by the nightly sweep alone; cleared when the person is visited.
    escalation = models.CharField(_("escalated to"), max_length=8, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("person in care")
        verbose_name_plural = _("people in care")
        ordering = ["unit_id", "name", "pk"]
        indexes = [
            models.Index(fields=["unit", "risk_level"], name="care_person_unit_risk"),
            models.Index(fields=["grid", "next_visit_due"], name="care_person_grid_due"),
            models.Index(fields=["risk_level", "last_visit_at"], name="care_person_risk_last"),
            models.Index(fields=["unit", "escalation"], name="care_person_unit_escalation",
                         condition=~Q(escalation="")),
            models.Index(fields=["next_visit_due"], name="care_person_due"),
            models.Index(fields=["phone_index"], name="care_person_phone_index"),
            # The unit page's "high risk, not seen longest" has its own index on PostgreSQL alone (SQLite
            # cannot index NULLS FIRST): migration 0010, care_person_high_unvisited.
        ]
        constraints = [
            models.CheckConstraint(condition=Q(risk_override="") | ~Q(risk_override_reason=""),
                                   name="care_person_override_has_reason"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True, end_reason="")
                                   | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                                   name="care_person_ended_has_reason"),
        ]

    masked_name = Masked("name")
    masked_id_number = Masked("id_number")
    masked_phone = Masked("phone")

    def __str__(self):
        return self.masked_name

    @property
    def is_ended(self) -> bool:
        return self.ended_on is not None

    @property
    def place(self):
        """Where the person's demands are filed: their grid when known, else their village/community."""
        return self.grid or self.unit


class Source(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs list (民政名单)")
    VISIT = "visit", _("Found on a visit (走访)")
    SELF_REPORT = "self_report", _("Self-reported (本人申报)")


class CareMembership(models.Model):
    """A person's belonging to a category, from ``since`` until ``until`` (open while they belong),
    with the category's own field values. Ended, never deleted: the history stays."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships")
    category = models.ForeignKey(CareCategory, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="memberships")
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    values = models.JSONField(_("field values"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("care category membership")
        verbose_name_plural = _("care category memberships")
        ordering = ["person_id", "category__order", "since"]
        constraints = [
            models.UniqueConstraint(fields=["person", "category"], condition=Q(until__isnull=True),
                                    name="care_membership_one_open_per_category"),
            models.CheckConstraint(condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                                   name="care_membership_until_after_since"),
        ]

    def __str__(self):
        return f"{self.person} · {self.category}"


class RiskSubject(models.TextChoices):
    FIELD = "field", _("A field of the category")
    AGE = "age", _("Age in years")
    DAYS_SINCE_VISIT = "days_since_visit", _("Days since the last visit")


class RiskOperator(models.TextChoices):
    EQUALS = "eq", _("is")
    IN = "in", _("is one of (comma-separated)")
    AT_LEAST = "gte", _("is at least")
    AT_MOST = "lte", _("is at most")


class RiskRule(models.Model):
    """One rule an administrator reads and edits: "a member of <category> whose <subject> <operator>
    <value> is at <level> risk". care.risk evaluates every active rule; the highest level wins."""

    category = models.ForeignKey(CareCategory, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="risk_rules",
                                 help_text=_("Empty: the rule applies to everyone in the registry."))
    subject = models.CharField(_("condition on"), max_length=20, choices=RiskSubject.choices)
    field_name = models.CharField(_("field"), max_length=40, blank=True,
                                  help_text=_("The name of the category's field, when the condition is on a field."))
    operator = models.CharField(_("operator"), max_length=4, choices=RiskOperator.choices)
    value = models.CharField(_("value"), max_length=200)
    level = models.CharField(_("resulting risk"), max_length=8, choices=RiskLevel.choices)
    note = models.CharField(_("why"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        ordering = ["category__order", "pk"]

    def __str__(self):
        from care.risk import rule_text

        return rule_text(self)


class CarerRole(models.TextChoices):
    GRID_WORKER = "grid_worker", _("Grid worker (网格员)")
    VILLAGE_CADRE = "village_cadre", _("Village cadre (村干部)")
    SOCIAL_WORKER = "social_worker", _("Social worker (社工)")
    VOLUNTEER = "volunteer", _("Volunteer (志愿者)")
    VILLAGE_DOCTOR = "village_doctor", _("Village doctor (村医)")


class CareAssignment(models.Model):
    """包联关系: a staff member responsible for a person, in a role, from ``since`` until ended."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="assignments")
    carer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("responsible person"), on_delete=models.PROTECT,
                              related_name="care_assignments")
    role = models.CharField(_("role"), max_length=16, choices=CarerRole.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("care assignment")
        verbose_name_plural = _("care assignments")
        ordering = ["person_id", "since"]
        constraints = [
            models.UniqueConstraint(fields=["person", "carer"], condition=Q(until__isnull=True),
                                    name="care_assignment_one_open_per_carer"),
        ]
        indexes = [models.Index(fields=["carer", "until"], name="care_assignment_carer"),
                   # A carer's due list: their open assignments only.
                   models.Index(fields=["carer", "person"], name="care_assignment_carer_open",
                                condition=Q(until__isnull=True))]

    def __str__(self):
        return f"{self.person} · {self.carer} ({self.get_role_display()})"


class Visit(models.Model):
    """A visit in the person's home, recorded on a phone. ``token`` is made by the form when it is
    shown, so a form sent twice (a poor connection, a double tap) records one visit."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visited by"), on_delete=models.PROTECT,
                                related_name="care_visits")
    visited_at = models.DateTimeField(_("visited at"))
    # {"health": "ok" | "concern", …}: the common items and the person's categories' own.
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # When the visit was due, and whether it was made by then: the "visits on time" figure.
    due_on = models.DateField(_("was due on"), null=True, blank=True)
    on_time = models.BooleanField(_("on time"), default=True)
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-pk"]
        indexes = [models.Index(fields=["person", "-visited_at"], name="care_visit_person_time"),
                   # Visits on time: those that fell due in a window (the unit dashboard).
                   models.Index(fields=["due_on", "person"], name="care_visit_due_on")]

    def __str__(self):
        return f"{self.person} · {self.visited_at:%Y-%m-%d}"


class VisitNeed(models.Model):
    """The link from a visit to the demand it filed (appeals keeps the demand; care keeps the link)."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="needs")
    appeal = models.OneToOneField("appeals.Appeal", verbose_name=_("demand"), on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("need found on a visit")
        verbose_name_plural = _("needs found on visits")

    def __str__(self):
        return f"{self.visit} → {self.appeal_id}"


class PersonNeed(models.Model):
    """A need a responsible person filed from the person's record, outside a visit (a 村干部 or volunteer
    hears of it): the link from the person to the demand appeals keeps."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="needs")
    appeal = models.OneToOneField("appeals.Appeal", verbose_name=_("demand"), on_delete=models.PROTECT,
                                  related_name="+")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("need filed for a person")
        verbose_name_plural = _("needs filed for people")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.person} → {self.appeal_id}"
class SeasonalCheck(models.Model):
    """A check made once in a season for the people of some categories (冬季取暖 for the elderly from
    mid-November, 夏季防暑 in July and August): their carers see it as due while its window is open and
    no visit in the window has made it; the visit form asks its own items then."""

    name = models.CharField(_("name"), max_length=50)
    categories = models.ManyToManyField(CareCategory, verbose_name=_("categories"), related_name="seasonal_checks")
    start_month = models.PositiveSmallIntegerField(_("from month"))
    start_day = models.PositiveSmallIntegerField(_("from day"))
    end_month = models.PositiveSmallIntegerField(_("until month"))
    end_day = models.PositiveSmallIntegerField(_("until day"))
    # [{"name": "heating_stove", "label": "煤炉、烟道是否通畅"}, …]
    checklist = models.JSONField(_("checklist items"), default=list, blank=True,
                                 help_text=_("The check's items, as a list of objects with name and label."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("seasonal check")
        verbose_name_plural = _("seasonal checks")
        ordering = ["start_month", "start_day", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(start_month__gte=1, start_month__lte=12, end_month__gte=1,
                                               end_month__lte=12, start_day__gte=1, start_day__lte=31,
                                               end_day__gte=1, end_day__lte=31),
                                   name="care_seasonal_check_dates"),
        ]

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        """The prefix of its items in a visit's checklist."""
        return f"season{self.pk}"

    def window_containing(self, day):
        """(first, last) day of the window that contains ``day``, or None. A window may run over the
        new year (15 November to 15 March)."""
        from datetime import date

        def on(year, month, dom):
            while True:
                try:
                    return date(year, month, dom)
                except ValueError:  # 31 April, 29 February: the month's last day
                    dom -= 1

        start, end = (self.start_month, self.start_day), (self.end_month, self.end_day)
        here = (day.month, day.day)
        if start <= end:
            if start <= here <= end:
                return on(day.year, *start), on(day.year, *end)
            return None
        if here >= start:
            return on(day.year, *start), on(day.year + 1, *end)
        if here <= end:
            return on(day.year - 1, *start), on(day.year, *end)
        return None


class EscalationSettings(models.Model):
    """One row: after how many days overdue a visit shows in the village's queue, and after how many
    more in the township's."""

    village_after_days = models.PositiveSmallIntegerField(_("to the village after (days overdue)"), default=7)
    township_after_days = models.PositiveSmallIntegerField(_("then to the township after (more days)"), default=14)

    class Meta:
        verbose_name = _("escalation of overdue visits")
        verbose_name_plural = _("escalation of overdue visits")
        constraints = [models.CheckConstraint(condition=Q(village_after_days__gte=1, township_after_days__gte=1),
                                              name="care_escalation_days_positive")]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "EscalationSettings":
        return cls.objects.order_by("pk").first() or cls()


class EscalationLevel(models.TextChoices):
    VILLAGE = "village", _("Village or community (村/社区)")
    TOWNSHIP = "township", _("Township or street (乡镇/街道)")


class Escalation(models.Model):
    """One escalation of an overdue visit (the sweep writes it when the person moves up a level): the
    record of who was told, and the outbox of the in-site message to the unit's staff, claimed with a
    conditional UPDATE so it is sent once."""

    # Found through the unique (person, level, due_on), which leads with it.
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="escalations",
                               db_index=False)
    level = models.CharField(_("escalated to"), max_length=8, choices=EscalationLevel.choices)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("visit was due on"))
    created_at = models.DateTimeField(_("escalated at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("staff told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalated overdue visit")
        verbose_name_plural = _("escalated overdue visits")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["person", "level", "due_on"],
                                               name="care_escalation_once_per_due")]
        indexes = [models.Index(fields=["notified_at"], name="care_escalation_outbox",
                                condition=Q(notified_at__isnull=True))]

    def __str__(self):
        return f"{self.person} → {self.get_level_display()}"


class VisitPhoto(models.Model):
    """A photo taken on a visit; checked to be a real image within size and pixel limits
    (core.images), served only to those who may see the person."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="care/visits/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["pk"]

    def __str__(self):
        return self.image.name


class PlaceSummary(models.Model):
    """The unit pages' counts for one place people live in (a village or community, and their grid when
    they have one), per category (category empty: everyone of the place), as care.summary last counted
    them in one set-based pass (nightly after care_refresh, or ``manage.py care_summarize``). The pages
    sum these rows over a subtree instead of counting a million people live; a page falls back to the
    live count when there is no summary or it is more than a day old. Rows of one pass share
    ``computed_at``; the pass replaces all of them."""

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    grid = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(CareCategory, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # the "today" the figures were counted for (overdue, the 90-day window)
    computed_at = models.DateTimeField()
    people = models.PositiveIntegerField(default=0)  # with a category: the place's people in it
    covered = models.PositiveIntegerField(default=0)
    gaps = models.PositiveIntegerField(default=0)
    overdue_window = models.PositiveIntegerField(default=0)
    overdue_now = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    open_needs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("summary of a place's care figures")
        verbose_name_plural = _("summaries of the places' care figures")
        indexes = [models.Index(fields=["unit", "grid"], name="care_placesummary_place"),
                   models.Index(fields=["grid"], name="care_placesummary_grid")]

    def __str__(self):
        return f"{self.unit_id}/{self.grid_id}/{self.category_id}"
