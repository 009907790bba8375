"""Residents' demands (诉求) and everything that happens to them.

An appeal moves through the states below by the transitions in ``appeals.lifecycle``; every move
writes an ``AppealEvent`` in the same transaction. Events are the timeline, the audit trail and
the notification outbox at once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField


class AppealType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint (投诉)")
    HELP = "help", _("Request for help (求助)")
    INQUIRY = "inquiry", _("Inquiry (咨询)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")
    PRAISE = "praise", _("Praise (表扬)")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    API = "api", _("API")
    HOTLINE = "hotline", _("12345 hotline")
    PHONE = "phone", _("Phone call taken by staff")
    GRID_VISIT = "grid_visit", _("Grid worker's visit")
    IMPORT = "import", _("Hotline export import")
    OPEN311 = "open311", _("Open311")


class State(models.TextChoices):
    TO_DISPATCH = "to_dispatch", _("To dispatch (待派单)")
    TO_ACCEPT = "to_accept", _("Awaiting acceptance (待签收)")
    HANDLING = "handling", _("In handling (办理中)")
    REPLIED = "replied", _("Replied (已答复)")
    CLOSED = "closed", _("Closed (已办结)")
    REJECTED = "rejected", _("Not accepted (不予受理)")
    MERGED = "merged", _("Merged (已合并)")
    WITHDRAWN = "withdrawn", _("Withdrawn (已撤回)")


OPEN_STATES = (State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING, State.REPLIED)
FINAL_STATES = (State.CLOSED, State.REJECTED, State.MERGED, State.WITHDRAWN)
ASSIGNED_STATES = (State.TO_ACCEPT, State.HANDLING)


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency (紧急)")
    UTILITIES = "utilities", _("Water, power, gas, heating (水电气暖)")
    ORDINARY = "ordinary", _("Ordinary (一般)")
    COMPLEX = "complex", _("Complex (复杂)")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied (满意)")
    BASIC = "basic", _("Basically satisfied (基本满意)")
    UNSATISFIED = "unsatisfied", _("Unsatisfied (不满意)")


class Category(models.Model):
    """A deployment's own category of matters (e.g. 供暖, 物业, 医疗服务), with its default urgency
    and, optionally, the department that usually handles it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    urgency = models.CharField(_("default urgency"), max_length=16, choices=Urgency.choices,
                               default=Urgency.ORDINARY)
    default_department_kind = models.CharField(_("usual department type"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self):
        return self.name


class DurationUnit(models.TextChoices):
    NATURAL_HOURS = "natural_hours", _("hours (calendar time)")
    WORKING_HOURS = "working_hours", _("working hours")
    WORKING_DAYS = "working_days", _("working days")


class DeadlineRule(models.Model):
    """How long handling may take. The most specific rule wins: type+category, category, type, urgency."""

    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices)
    appeal_type = models.CharField(_("type"), max_length=16, choices=AppealType.choices, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.CASCADE)
    handle_amount = models.PositiveIntegerField(_("handling time"))
    handle_unit = models.CharField(_("handling time unit"), max_length=16, choices=DurationUnit.choices)
    accept_working_hours = models.PositiveIntegerField(_("acceptance within (working hours)"), default=2)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            # Two partial constraints rather than nulls_distinct=False, which SQLite cannot enforce.
            models.UniqueConstraint(fields=["urgency", "appeal_type", "category"], name="deadline_rule_unique",
                                    condition=Q(category__isnull=False)),
            models.UniqueConstraint(fields=["urgency", "appeal_type"], name="deadline_rule_unique_without_category",
                                    condition=Q(category__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_urgency_display()} {self.handle_amount} {self.get_handle_unit_display()}"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a public holiday, or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        WORKDAY = "workday", _("Make-up working day (调休上班)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class Appeal(models.Model):
    code = models.CharField(_("tracking code"), max_length=16, unique=True)
    appeal_type = models.CharField(_("type"), max_length=16, choices=AppealType.choices)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.ORDINARY)
    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=4000)
    # Normalised simplified text of title + description: what search and analysis read.
    search_text = models.TextField(editable=False, default="")
    # The place the demand concerns; the whole city when the resident could not say.
    place = models.ForeignKey("orgs.Unit", verbose_name=_("place"), on_delete=models.PROTECT,
                              related_name="appeals")
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("external reference"), max_length=64, blank=True, db_index=True)

    # Who raised it. Personal data is encrypted at rest and masked on staff pages.
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident account"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="appeals")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    contact_name = EncryptedTextField(_("name"), blank=True, default="")
    contact_phone = EncryptedTextField(_("phone"), blank=True, default="")
    contact_phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True,
                                           editable=False)
    PERSONAL_INDEXES = {"contact_phone_index": "contact_phone"}  # recomputed by manage.py personal_data_rekey
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    anonymous = models.BooleanField(_("anonymous toward handlers"), default=False)

    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.TO_DISPATCH,
                             db_index=True)
    assigned_department = models.ForeignKey("orgs.Department", verbose_name=_("handling department"),
                                            null=True, blank=True, on_delete=models.PROTECT,
                                            related_name="appeals")
    assigned_unit = models.ForeignKey("orgs.Unit", verbose_name=_("handling unit"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="assigned_appeals")
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="duplicates")

    created_at = models.DateTimeField(_("received"), db_index=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("urged"), default=0)
    is_overdue = models.BooleanField(_("overdue"), default=False, db_index=True)
    accepted_on_time = models.BooleanField(_("accepted on time"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)

    reply = models.TextField(_("reply"), blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("resolved, in the resident's words"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True, max_length=1000)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    close_reason = models.CharField(_("closing note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[State.TO_ACCEPT, State.HANDLING])
                | Q(assigned_department__isnull=False, assigned_unit__isnull=True)
                | Q(assigned_department__isnull=True, assigned_unit__isnull=False),
                name="appeal_assigned_when_with_handler",
            ),
            models.CheckConstraint(condition=~Q(state=State.MERGED) | Q(merged_into__isnull=False),
                                   name="appeal_merged_has_main"),
        ]
        indexes = [
            models.Index(fields=["assigned_department", "state"], name="appeal_dept_state_idx"),
            models.Index(fields=["assigned_unit", "state"], name="appeal_unit_state_idx"),
            models.Index(fields=["place", "created_at"], name="appeal_place_created_idx"),
            # 三率 KPIs (appeals.kpis): each side of the figures is a range scan that reads only its index.
            models.Index(fields=["dispatched_at", "assigned_department", "assigned_unit", "accepted_on_time", "state",
                                 "accept_due_at"], name="appeal_kpi_dispatch_idx",
                         condition=Q(dispatched_at__isnull=False)),
            models.Index(fields=["closed_at", "assigned_department", "assigned_unit", "satisfaction", "resolved",
                                 "closed_on_time"], name="appeal_kpi_closed_idx", condition=Q(state="closed")),
            # The daily rollup (appeals.kpi_rollup) finds what changed since its last run, and what still
            # waits to be accepted, without reading the whole table.
            models.Index(fields=["updated_at"], name="appeal_updated_idx"),
            models.Index(fields=["dispatched_at", "assigned_department", "assigned_unit", "accept_due_at"],
                         name="appeal_kpi_waiting_idx",
                         condition=Q(state=State.TO_ACCEPT, accepted_on_time__isnull=True)),
            # "Overdue now" (the KPI headline, the leader's home, the overdue queue's count): the open
            # appeals with a handler, a few percent of the table, read from the index alone: it holds every
            # column the viewer's scope and their own recorded demands (created_by) filter on.
            models.Index(fields=["due_at", "is_overdue", "place", "assigned_department", "assigned_unit", "created_by"],
                         name="appeal_open_due_idx", condition=Q(state__in=[State.TO_ACCEPT, State.HANDLING])),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def assignee(self):
        return self.assigned_department or self.assigned_unit

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Action(models.TextChoices):
    """What an event records. The lifecycle table says which are allowed from which state."""

    CREATE = "create", _("Received (受理登记)")
    DISPATCH = "dispatch", _("Dispatched (派单)")
    ACCEPT = "accept", _("Accepted (签收)")
    RETURN = "return", _("Returned (退单)")
    REASSIGN = "reassign", _("Reassigned (改派)")
    TRANSFER = "transfer", _("Passed down (转办)")
    REQUEST_EXTENSION = "request_extension", _("Extension requested (申请延期)")
    APPROVE_EXTENSION = "approve_extension", _("Extension approved (延期批准)")
    DENY_EXTENSION = "deny_extension", _("Extension denied (延期驳回)")
    URGE = "urge", _("Urged (督办)")
    REPLY = "reply", _("Replied (答复)")
    RATE = "rate", _("Rated (评价)")
    REOPEN = "reopen", _("Reopened (重办)")
    CLOSE = "close", _("Closed (办结)")
    MERGE = "merge", _("Merged (合并)")
    REJECT = "reject", _("Not accepted (不予受理)")
    WITHDRAW = "withdraw", _("Withdrawn (撤回)")
    ADD_INFO = "add_info", _("Information added (补充信息)")
    OVERDUE = "overdue", _("Overdue (超期)")
    UNMASK = "unmask", _("Personal data viewed (查看个人信息)")
    ANSWER_URGE = "answer_urge", _("Urging answered (督办反馈)")
    URGE_OVERDUE = "urge_overdue", _("Urging unanswered past its deadline (督办超期)")
    PROGRESS = "progress", _("Progress note (进展记录)")
    EXTENSION_LAPSED = "extension_lapsed", _("Extension request lapsed (延期申请已失效)")


class AppealEvent(models.Model):
    """One step in an appeal's life. Append-only; also the notification outbox."""

    class Delivery(models.TextChoices):
        NONE = "none", _("nothing to send")
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        FAILED = "failed", _("gave up")

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    # An integrating organisation's API key that acted (it filed the demand): no person, so no actor.
    api_key = models.ForeignKey("accounts.ApiKey", verbose_name=_("API key"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    # "auto" for the classifier, "system" for sweeps and timeouts; empty when a person or a key acted.
    actor_label = models.CharField(_("actor (system)"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=Action.choices)
    from_state = models.CharField(_("from"), max_length=16, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=16, choices=State.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Visible to the resident on the public timeline?
    public = models.BooleanField(_("shown to the resident"), default=True)

    delivery = models.CharField(_("notification"), max_length=8, choices=Delivery.choices, default=Delivery.NONE,
                                db_index=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    delivery_due_at = models.DateTimeField(null=True, blank=True)
    delivery_claimed_until = models.DateTimeField(null=True, blank=True)
    delivery_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("appeal event")
        verbose_name_plural = _("appeal events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["action", "created_at"], name="appeal_event_action_idx"),
            models.Index(fields=["delivery", "delivery_due_at"], name="appeal_event_outbox_idx",
                         condition=Q(delivery="pending")),
        ]

    def __str__(self):
        return f"{self.appeal.code} {self.get_action_display()}"


class Photo(models.Model):
    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("image"), upload_to="appeals/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self):
        return self.image.name


class ExtensionRequest(models.Model):
    """延期: a handler asks for more time; a supervisor decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")
        # The appeal left handling (replied, returned, passed on, merged, withdrawn) before a decision.
        LAPSED = "lapsed", _("Lapsed (已失效)")

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE,
                               related_name="extension_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_due_at = models.DateTimeField(_("new deadline asked for"))
    reason = models.TextField(_("reason"), max_length=1000)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(fields=["appeal"], condition=Q(status="pending"),
                                    name="one_pending_extension_per_appeal"),
        ]

    def __str__(self):
        return f"{self.appeal.code} → {self.requested_due_at:%Y-%m-%d}"


class Urge(models.Model):
    """督办: a supervisor's formal urging of an appeal, with the time by which the handler must answer
    it (反馈期限) and the answer (督办反馈). One row per urging; the sweep flags one left unanswered past
    its deadline (``overdue_at``), which puts the appeal in the supervisors' urged-overdue queue."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.CASCADE, related_name="urges")
    urged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("urged by"), on_delete=models.PROTECT,
                                 related_name="+")
    note = models.TextField(_("urging note"), max_length=500)
    created_at = models.DateTimeField(_("urged"))
    answer_due_at = models.DateTimeField(_("answer by (反馈期限)"))
    answer = models.TextField(_("answer (督办反馈)"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("flagged unanswered"), null=True, blank=True)

    class Meta:
        verbose_name = _("urging (督办)")
        verbose_name_plural = _("urgings (督办)")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                                   name="urge_answered_has_answer"),
        ]
        indexes = [
            # The sweep's look-up: unanswered urgings not yet flagged, by deadline.
            models.Index(fields=["answer_due_at"], name="urge_unanswered_idx",
                         condition=Q(answered_at__isnull=True, overdue_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.appeal.code} {self.created_at:%Y-%m-%d}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class IdempotencyKey(models.Model):
    """A retried API create returns the appeal the first request made."""

    key = models.CharField(max_length=128)
    client = models.CharField(max_length=64)  # who sent it: an API key's id or a user's id
    request_hash = models.CharField(max_length=64)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_unique_key")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]  # the sweep's expiry

    def __str__(self):
        return self.key


class ReplyTemplate(models.Model):
    name = models.CharField(_("name"), max_length=60)
    body = models.TextField(_("text"))
    department_kind = models.CharField(_("for department type"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Message(models.Model):
    """An in-site message (站内信) to a staff member or resident."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:40]


class KpiSettings(models.Model):
    """三率 weights, editable by an administrator; one row."""

    response_weight = models.DecimalField(_("weight of 响应率"), max_digits=4, decimal_places=3, default=0.1)
    resolution_weight = models.DecimalField(_("weight of 解决率"), max_digits=4, decimal_places=3, default=0.5)
    satisfaction_weight = models.DecimalField(_("weight of 满意率"), max_digits=4, decimal_places=3, default=0.4)
    basic_satisfied_value = models.DecimalField(_("value of 基本满意"), max_digits=4, decimal_places=3,
                                                default=0.9)
    max_returns = models.PositiveSmallIntegerField(_("returns allowed per appeal"), default=2)
    rating_days = models.PositiveSmallIntegerField(_("days a resident has to rate"), default=7)
    # A department or unit with fewer demands in the period than this is shown but not ranked (样本不足):
    # one or two cases make a 100 % that says nothing.
    min_sample = models.PositiveSmallIntegerField(
        _("demands needed to be ranked"), default=10,
        help_text=_("On the 三率 page a row is ranked only when at least this many of its demands were "
                    "dispatched, or closed, in the period; below it the row shows 样本不足."))

    class Meta:
        verbose_name = _("appeal settings")
        verbose_name_plural = _("appeal settings")

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "KpiSettings":
        return cls.objects.order_by("pk").first() or cls()


class KpiDaySummary(models.Model):
    """The 三率 counts of one day for one holder (department or unit), written by
    ``appeals.kpi_rollup`` so the KPI page sums a few rows per day instead of reading every appeal.
    The dispatch side counts the appeals dispatched that day, the closure side those closed that
    day (days in the site's time zone). Appeals still waiting for acceptance are not here: whether
    they count depends on the time one looks, so the page counts them live."""

    day = models.DateField(_("day"))
    department = models.ForeignKey("orgs.Department", null=True, blank=True, on_delete=models.CASCADE,
                                   db_index=False, related_name="+")
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.CASCADE, db_index=False,
                             related_name="+")
    accepted = models.PositiveIntegerField(_("accepted (on time or late)"), default=0)
    accepted_on_time = models.PositiveIntegerField(_("accepted on time"), default=0)
    closed = models.PositiveIntegerField(_("closed"), default=0)
    closed_on_time = models.PositiveIntegerField(_("closed on time"), default=0)
    rated = models.PositiveIntegerField(_("rated"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basic = models.PositiveIntegerField(_("basically satisfied"), default=0)

    class Meta:
        verbose_name = _("KPI day summary")
        verbose_name_plural = _("KPI day summaries")
        indexes = [models.Index(fields=["day", "department", "unit"], name="appeal_kpi_day_idx")]

    def __str__(self):
        return f"{self.day} {self.department_id or ''}{self.unit_id or ''}"


class ReceivedKey(models.Model):
    """One combination of place and holder that appeals have had: a few thousand rows however many
    appeals there are. The viewer's scope filter (it reads exactly these three columns, as on the
    appeal) runs over these, and the "received" summary is summed for the keys it admits."""

    place = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    assigned_department = models.ForeignKey("orgs.Department", null=True, blank=True, on_delete=models.CASCADE,
                                            related_name="+")
    assigned_unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("place and holder")
        verbose_name_plural = _("places and holders")
        # Keys are added only by the rollup, which runs one at a time and looks them all up first.
        constraints = [models.UniqueConstraint(fields=["place", "assigned_department", "assigned_unit"],
                                               name="appeal_received_key_unique")]

    def __str__(self):
        return f"{self.place_id or ''}/{self.assigned_department_id or ''}/{self.assigned_unit_id or ''}"


class ReceivedDaySummary(models.Model):
    """The appeals recorded on one past day per place and current holder (``ReceivedKey``): the KPI
    page's and the leader home's "received" figure sums these for the keys the viewer's scope admits,
    instead of counting a year of appeals. Written with ``KpiDaySummary`` by ``appeals.kpi_rollup``;
    a day an appeal changed on since counts live, as there."""

    day = models.DateField(_("day"))
    key = models.ForeignKey(ReceivedKey, on_delete=models.CASCADE, db_index=False, related_name="+")
    received = models.PositiveIntegerField(_("appeals received"), default=0)

    class Meta:
        verbose_name = _("received day summary")
        verbose_name_plural = _("received day summaries")
        # All three columns in the key (not INCLUDE, which SQLite lacks): the sum reads the index alone.
        # By day for a viewer who sees everything (no key filter); by key, then day, for everyone else:
        # the sum then reads each admitted key's own days, whatever plan the database picks (with the
        # day first, a nested loop over a thousand keys read the whole period's index once per key).
        indexes = [models.Index(fields=["day", "key", "received"], name="appeal_received_sum_idx"),
                   models.Index(fields=["key", "day", "received"], name="appeal_received_key_idx")]

    def __str__(self):
        return f"{self.day} {self.key_id}: {self.received}"


class KpiRollupState(models.Model):
    """One row: how far ``KpiDaySummary`` goes. Days up to ``covered_until`` are summarised as the
    appeals were at ``watermark``; an appeal updated after it makes its days count live again."""

    covered_until = models.DateField(_("summarised up to"), null=True, blank=True)
    watermark = models.DateTimeField(_("appeals as of"), null=True, blank=True)
    finished_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("KPI rollup state")
        verbose_name_plural = _("KPI rollup state")

    def __str__(self):
        return f"{self.covered_until}"
