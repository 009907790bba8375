"""志愿服务 volunteers and social workers: the organisations they belong to (a social work agency or a
volunteer team), their profiles (skills, availability, the unit they serve; consent and ID checked
once), activities made from a need with time slots and capacity, sign-ups with on-site check-in and
check-out, the service-hours ledger (append-only: a mistake is corrected by a new row with a reason),
certificates of hours with a code anyone can verify, and invitations sent when matching."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField, Masked


class Skill(models.Model):
    """A skill a volunteer offers and an activity asks for (陪伴聊天, 课业辅导, 理发 …): configured in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=50)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    AGENCY = "agency", _("Social work agency (社工机构)")
    TEAM = "team", _("Volunteer team (志愿服务队)")


class Organisation(models.Model):
    """A social work agency or a volunteer team, based in a unit. Its 统一社会信用代码 (USCC), when given,
    is checked with python-stdnum; a neighbourhood team often has none."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=OrganisationKind.choices)
    credit_code = models.CharField(_("unified social credit code (统一社会信用代码)"), max_length=18, blank=True)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("based in"), on_delete=models.PROTECT, related_name="+")
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer organisation")
        verbose_name_plural = _("volunteer organisations")
        ordering = ["unit_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~Q(credit_code=""),
                                    name="volunteers_organisation_credit_code_unique"),
        ]

    def __str__(self):
        return self.name


class VolunteerKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer (志愿者)")
    SOCIAL_WORKER = "social_worker", _("Social worker (社工)")


class VolunteerStatus(models.TextChoices):
    APPLIED = "applied", _("Applied (待审核)")
    APPROVED = "approved", _("Approved (已通过)")
    REFUSED = "refused", _("Refused (未通过)")
    SUSPENDED = "suspended", _("Suspended (已暂停)")


# Time bands of a day, for availability and matching.
BANDS = {"morning": (6, 12), "afternoon": (12, 18), "evening": (18, 22)}


class Band(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


class Volunteer(models.Model):
    """A volunteer's or social worker's profile, one per account. The ID number is personal data:
    encrypted, found through a keyed hash, masked on every page; checked once by staff on approval."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.PROTECT,
                                related_name="volunteer_profile")
    kind = models.CharField(_("kind"), max_length=16, choices=VolunteerKind.choices, default=VolunteerKind.VOLUNTEER)
    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedTextField(_("ID number (身份证号)"))
    id_index = models.CharField(max_length=64, unique=True, editable=False)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("serves in"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, verbose_name=_("team or agency"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="members")
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="+")
    # {"0": ["morning", "evening"], …}: weekday (Monday 0) → bands of the day.
    availability = models.JSONField(_("availability"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=VolunteerStatus.choices,
                              default=VolunteerStatus.APPLIED, editable=False)
    consent_at = models.DateTimeField(_("consent given at"), editable=False)
    id_checked_at = models.DateTimeField(_("ID checked at"), null=True, blank=True, editable=False)
    id_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ID checked by"), null=True,
                                      blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    decision_note = models.CharField(_("note on the decision"), max_length=200, blank=True, editable=False)
    # What the volunteer's own QR code carries: an organiser scans it to check them in.
    code = models.CharField(max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["unit_id", "name", "pk"]
        indexes = [models.Index(fields=["unit", "status"], name="volunteers_vol_unit_status")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="approved") | Q(id_checked_at__isnull=False),
                                   name="volunteers_approved_id_checked"),
        ]

    masked_name = Masked("name")
    masked_id_number = Masked("id_number")

    def __str__(self):
        return self.masked_name


class NeedSource(models.TextChoices):
    CARE = "care", _("A person in care (包联对象)")
    COMMUNITY = "community", _("The community (社区)")
    FACILITY = "facility", _("A facility (设施)")
    OTHER = "other", _("Other")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("Open for sign-up")
    CANCELLED = "cancelled", _("Cancelled")


class Activity(models.Model):
    """A need made into something volunteers do. Where the need came from is a free link (a care
    person's id, a facility's id, a text), never a foreign key into a peer app."""

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organised by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="activities")
    place = models.CharField(_("place"), max_length=200)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills needed"), blank=True, related_name="+")
    need_source = models.CharField(_("need from"), max_length=12, choices=NeedSource.choices,
                                   default=NeedSource.COMMUNITY)
    need_ref = models.CharField(_("need reference"), max_length=100, blank=True,
                                help_text=_("A facility's id, a visit's id, or a few words."))
    care_person_id = models.PositiveIntegerField(_("person in care (id)"), null=True, blank=True, db_index=True)
    # Volunteers may withdraw until this many hours before their slot starts.
    withdraw_cutoff_hours = models.PositiveSmallIntegerField(_("withdraw until (hours before)"), default=12)
    status = models.CharField(_("status"), max_length=12, choices=ActivityStatus.choices,
                              default=ActivityStatus.OPEN, editable=False)
    # What the activity's QR code carries: a volunteer scans it on site to check in and out.
    checkin_code = models.CharField(max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
                                   related_name="+", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class Slot(models.Model):
    """A time slot of an activity with its capacity. ``taken`` counts the active sign-ups and is moved
    only by conditional UPDATEs, so concurrent sign-ups never pass the capacity."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"))
    taken = models.PositiveSmallIntegerField(_("places taken"), default=0, editable=False)

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"], name="volunteers_slot_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="volunteers_slot_ends_after"),
            models.CheckConstraint(condition=Q(taken__lte=models.F("capacity")), name="volunteers_slot_within_capacity"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="volunteers_slot_capacity_positive"),
        ]

    def __str__(self):
        return f"{self.activity} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.taken)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SignupStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("Signed up")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Signup(models.Model):
    """A volunteer's place in a slot, and their check-in and check-out on site."""

    slot = models.ForeignKey(Slot, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="signups")
    status = models.CharField(_("status"), max_length=12, choices=SignupStatus.choices,
                              default=SignupStatus.SIGNED_UP, editable=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True, editable=False)
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["slot__starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "volunteer"], condition=Q(status="signed_up"),
                                    name="volunteers_signup_one_active"),
            models.CheckConstraint(condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                                   name="volunteers_signup_out_after_in"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.slot}"


class EntryKind(models.TextChoices):
    SERVICE = "service", _("Service (服务)")
    CORRECTION = "correction", _("Correction (更正)")


class HoursEntry(models.Model):
    """One row of the service-hours ledger. Rows are only ever added: a check-out adds the minutes
    served, a correction adds the difference with its reason, pointing at the row it corrects."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="hours")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    minutes = models.IntegerField(_("minutes"))
    signup = models.OneToOneField(Signup, verbose_name=_("sign-up"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="hours_entry")
    activity = models.ForeignKey(Activity, verbose_name=_("activity"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="hours")
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    served_on = models.DateField(_("served on"))
    corrects = models.ForeignKey("self", verbose_name=_("corrects"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="corrections")
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service hours entry")
        verbose_name_plural = _("service hours ledger")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "served_on"], name="volunteers_hours_unit_day"),
            models.Index(fields=["volunteer", "served_on"], name="volunteers_hours_vol_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind="service") | (~Q(reason="") & Q(corrects__isnull=False)),
                                   name="volunteers_correction_has_reason"),
        ]

    def __str__(self):
        return f"{self.volunteer} · {self.minutes} min"


class Certificate(models.Model):
    """A certificate of hours as printed: the total at that moment, and a code anyone can verify on the
    public page."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT,
                                  related_name="certificates")
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    minutes = models.IntegerField(_("minutes"))
    activities = models.PositiveIntegerField(_("activities"))
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate of hours")
        verbose_name_plural = _("certificates of hours")
        ordering = ["-issued_at"]

    def __str__(self):
        return self.code


class Invitation(models.Model):
    """An invitation to an activity, sent when matching. The volunteer sees it on their page; the
    outbox (``notified_at``) is claimed with a conditional UPDATE by the SMS sender."""

    activity = models.ForeignKey(Activity, verbose_name=_("activity"), on_delete=models.CASCADE,
                                 related_name="invitations")
    volunteer = models.ForeignKey(Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE,
                                  related_name="invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.PROTECT,
                                   related_name="+")
    # Why the volunteer was suggested, as core.notes parts so each reader reads it in their language.
    reasons = models.JSONField(_("why"), default=list, blank=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)
    created_at = models.DateTimeField(_("invited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="volunteers_invitation_once"),
        ]

    def __str__(self):
        return f"{self.activity} → {self.volunteer}"
