"""服务: community events (文化活动, 群众性赛事): an event a unit or a 文旅/体育 department organises, with a
place, a capacity and a sign-up window; residents' sign-ups (alone, or a team with its members) with a
waiting list; check-in by QR code; and, afterwards, the results and photos published on its page."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField, Masked, mask_name


class EventKind(models.TextChoices):
    PERFORMANCE = "performance", _("Performance (文艺演出)")
    SPORTS = "sports", _("Sports contest (体育赛事)")
    HERITAGE = "heritage", _("Intangible heritage show (非遗展示)")
    LECTURE = "lecture", _("Talk (讲座)")
    OTHER = "other", _("Other activity (其他活动)")


class EventState(models.TextChoices):
    DRAFT = "draft", _("Draft (草稿)")
    PUBLISHED = "published", _("Published (报名中)")
    CLOSED = "closed", _("Sign-up closed (报名截止)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")
    FINISHED = "finished", _("Finished (已结束)")


# The states residents see (a draft is the organisers' own).
PUBLIC_STATES = [EventState.PUBLISHED, EventState.CLOSED, EventState.CANCELLED, EventState.FINISHED]


class Event(models.Model):
    """One event. Its unit decides who sees it: the unit and everything below it (a county's chess
    tournament is seen by its townships' and villages' residents, a community's show by that community).
    ``confirmed`` counts the confirmed sign-ups (people, or teams when it takes teams) and is only moved by
    a conditional UPDATE (services.signup_create), so it never passes ``capacity``."""

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("organising unit"), on_delete=models.PROTECT,
                             related_name="+")
    # The unit's materialised path, copied: "events a resident of this village sees" is a lookup by prefix.
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    department = models.ForeignKey("orgs.Department", verbose_name=_("organising department"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("where"), max_length=200)
    # A facility of the facilities app (a peer: looked up through facilities.selectors, never its models).
    facility_id = models.PositiveIntegerField(_("facility"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    signup_opens_at = models.DateTimeField(_("sign-up opens"))
    # Signing up and cancelling both close then.
    signup_closes_at = models.DateTimeField(_("sign-up closes"))
    capacity = models.PositiveIntegerField(_("places"))
    confirmed = models.PositiveIntegerField(_("confirmed"), default=0, editable=False)
    takes_teams = models.BooleanField(_("teams sign up"), default=False)
    team_min = models.PositiveSmallIntegerField(_("smallest team"), null=True, blank=True)
    team_max = models.PositiveSmallIntegerField(_("largest team"), null=True, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=EventState.choices, default=EventState.DRAFT,
                             editable=False)
    results_note = models.TextField(_("results"), blank=True)
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("community event")
        verbose_name_plural = _("community events")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["state", "unit_path", "starts_at"], name="events_state_path_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="events_ends_after_start"),
            models.CheckConstraint(condition=Q(signup_closes_at__gt=F("signup_opens_at")),
                                   name="events_signup_closes_after_opens"),
            models.CheckConstraint(condition=Q(confirmed__lte=F("capacity")), name="events_within_capacity"),
            models.CheckConstraint(
                condition=Q(takes_teams=False) | (Q(team_min__gte=1) & Q(team_max__gte=F("team_min"))),
                name="events_team_sizes"),
        ]

    def __str__(self):
        return self.title

    @property
    def free(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def has_results(self) -> bool:
        return self.results_published_at is not None


class SignupState(models.TextChoices):
    CONFIRMED = "confirmed", _("Signed up (已报名)")
    WAITING = "waiting", _("On the waiting list (候补)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")
    CHECKED_IN = "checked_in", _("Checked in (已签到)")
    NO_SHOW = "no_show", _("Did not come (未到)")


LIVE_STATES = [SignupState.CONFIRMED, SignupState.WAITING, SignupState.CHECKED_IN]


def new_signup_code() -> str:
    return secrets.token_hex(6).upper()


class Signup(models.Model):
    """A resident's sign-up: for themselves (``name``), or as the captain of a team (``name`` is the
    team's, its members are TeamMember rows). ``code`` is what the QR code carries for check-in."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="signups")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed up by"),
                                 on_delete=models.PROTECT, related_name="event_signups")
    name = models.CharField(_("name or team"), max_length=50)
    is_team = models.BooleanField(_("team"), default=False)
    people = models.PositiveSmallIntegerField(_("people"), default=1)
    state = models.CharField(_("state"), max_length=12, choices=SignupState.choices)
    code = models.CharField(_("check-in code"), max_length=16, unique=True, default=new_signup_code,
                            editable=False)
    created_at = models.DateTimeField(_("signed up at"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked in by"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["event_id", "created_at", "pk"]
        indexes = [
            models.Index(fields=["event", "state", "created_at"], name="events_signup_event_state"),
            models.Index(fields=["resident", "state"], name="events_signup_resident"),
        ]
        constraints = [
            # One live sign-up per resident and event: a double tap signs up once.
            models.UniqueConstraint(fields=["event", "resident"],
                                    condition=Q(state__in=["confirmed", "waiting", "checked_in"]),
                                    name="events_one_live_signup"),
        ]

    def __str__(self):
        return self.code

    @property
    def shown_name(self) -> str:
        """A team's name as given; a person's masked (张**)."""
        return self.name if self.is_team else mask_name(self.name)


class TeamMember(models.Model):
    """A member of a team, by name and (optionally) mobile phone, kept encrypted with its blind index."""

    signup = models.ForeignKey(Signup, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=30)
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", editable=False, db_index=True)
    PERSONAL_INDEXES = {"phone_index": "phone"}

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["signup_id", "position"]

    masked_name = Masked("name")
    masked_phone = Masked("phone")

    def __str__(self):
        return self.masked_name


class SignupEvent(models.Model):
    """A sign-up's timeline: signed up, promoted from the waiting list, cancelled, checked in, no-show."""

    signup = models.ForeignKey(Signup, verbose_name=_("sign-up"), on_delete=models.CASCADE, related_name="events")
    verb = models.CharField(_("what"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("sign-up event")
        verbose_name_plural = _("sign-up events")
        ordering = ["signup_id", "at", "pk"]

    def __str__(self):
        return f"{self.signup_id} {self.verb}"


class Result(models.Model):
    """A line of the results: a rank and/or an award, for a team or a person (linked to the sign-up when
    it was one), in the order given."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="results")
    position = models.PositiveSmallIntegerField(_("order"))
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    award = models.CharField(_("award"), max_length=50, blank=True)
    winner = models.CharField(_("team or person"), max_length=50)
    signup = models.ForeignKey(Signup, verbose_name=_("sign-up"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["event_id", "position"]

    def __str__(self):
        return f"{self.rank or ''} {self.award} {self.winner}".strip()


def photo_path(instance, filename):
    return f"events/{instance.event_id}/{secrets.token_hex(8)}"


class EventPhoto(models.Model):
    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_path)
    content_type = models.CharField(max_length=20, editable=False)
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("event photo")
        verbose_name_plural = _("event photos")
        ordering = ["event_id", "pk"]

    def __str__(self):
        return self.caption or self.image.name
