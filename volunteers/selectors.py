"""Every read in 志愿服务: querysets limited to what the actor may see (the scope rule through unit
memberships, volunteers.permissions), a volunteer's own activities and hours, matching volunteers to an
activity with the reasons, the link back to a person in care, and the indicators the targets app reads
(service hours, active volunteers, activities held in a unit and period)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_noop

from core.notes import note, phrase
from volunteers.models import (
    BANDS,
    Activity,
    ActivityStatus,
    Band,
    Certificate,
    EntryKind,
    HoursEntry,
    Invitation,
    Signup,
    SignupStatus,
    Slot,
    Volunteer,
    VolunteerStatus,
)
from volunteers.permissions import SEE_ROLES, unit_scope


def _paths_q(lookup: str, paths) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__path__startswith": path})
    return q


def _scoped(qs: QuerySet, user, lookup: str = "unit") -> QuerySet:
    scope = unit_scope(user, SEE_ROLES)
    if scope.everything:
        return qs
    if not scope.unit_paths:
        return qs.none()
    return qs.filter(_paths_q(lookup, scope.unit_paths))


def volunteers_visible_to(user) -> QuerySet[Volunteer]:
    return _scoped(Volunteer.objects.select_related("unit", "organisation", "user"), user)


def activities_visible_to(user) -> QuerySet[Activity]:
    return _scoped(Activity.objects.select_related("unit", "organisation"), user)


def hours_visible_to(user) -> QuerySet[HoursEntry]:
    return _scoped(HoursEntry.objects.select_related("volunteer", "activity", "unit", "recorded_by"), user)


def volunteer_of(user) -> Volunteer | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Volunteer.objects.select_related("unit", "organisation").filter(user=user).first()


def with_places(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    return qs.annotate(places=Sum("slots__capacity"), taken=Sum("slots__taken"))


def open_activities(*, volunteer: Volunteer | None = None, now: datetime | None = None) -> QuerySet[Activity]:
    """Activities open for sign-up with a slot still to come; the volunteer's own county first."""
    now = now or timezone.now()
    qs = (Activity.objects.filter(status=ActivityStatus.OPEN, slots__starts_at__gt=now).distinct()
          .select_related("unit", "organisation"))
    if volunteer is not None:
        county = "/".join(volunteer.unit.path.split("/")[:2]) + "/"
        qs = qs.filter(unit__path__startswith=county)
    return qs.order_by("pk")


def future_slots(activity: Activity, *, now: datetime | None = None) -> QuerySet[Slot]:
    return activity.slots.filter(ends_at__gt=now or timezone.now()).order_by("starts_at")


def my_signups(volunteer: Volunteer) -> QuerySet[Signup]:
    return (Signup.objects.filter(volunteer=volunteer, status=SignupStatus.SIGNED_UP)
            .select_related("slot__activity__unit"))


def upcoming_signups(volunteer: Volunteer, *, now: datetime | None = None) -> QuerySet[Signup]:
    """Sign-ups still to serve: the slot has not ended, or the volunteer is checked in and not out."""
    now = now or timezone.now()
    return my_signups(volunteer).filter(
        Q(slot__ends_at__gt=now, checked_out_at__isnull=True)
        | Q(checked_in_at__isnull=False, checked_out_at__isnull=True)).order_by("slot__starts_at")


def ledger(volunteer: Volunteer) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(volunteer=volunteer).select_related("activity", "corrects", "recorded_by")


def total_minutes(volunteer: Volunteer) -> int:
    return HoursEntry.objects.filter(volunteer=volunteer).aggregate(n=Sum("minutes"))["n"] or 0


def invitations_for(volunteer: Volunteer, *, now: datetime | None = None) -> QuerySet[Invitation]:
    """Invitations to activities with a slot to come that the volunteer has not signed up for."""
    now = now or timezone.now()
    signed = Signup.objects.filter(volunteer=volunteer, status=SignupStatus.SIGNED_UP,
                                   slot__activity=OuterRef("activity"))
    return (Invitation.objects.filter(volunteer=volunteer, activity__status=ActivityStatus.OPEN,
                                      activity__slots__starts_at__gt=now)
            .exclude(Exists(signed)).select_related("activity").distinct())


def certificate_by_code(code: str) -> Certificate | None:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 16:
        return None
    return Certificate.objects.select_related("volunteer__unit", "volunteer__organisation").filter(code=code).first()


def activity_by_checkin_code(code: str) -> Activity | None:
    return Activity.objects.select_related("unit").filter(checkin_code=code).first() if code else None


def volunteer_by_code(code: str) -> Volunteer | None:
    return Volunteer.objects.select_related("unit").filter(code=code).first() if code else None


def roster(activity: Activity) -> QuerySet[Signup]:
    return (Signup.objects.filter(slot__activity=activity, status=SignupStatus.SIGNED_UP)
            .select_related("volunteer", "slot").order_by("slot__starts_at", "volunteer__name"))


# --- matching ------------------------------------------------------------------------------------------

@dataclass
class Suggestion:
    volunteer: Volunteer
    score: int
    reasons: list = field(default_factory=list)  # core.notes parts, rendered for each reader
    invited: bool = False


def tree_distance(a, b) -> int:
    """Steps between two units in the org tree (0: the same unit; 2: two villages of one township)."""
    pa, pb = a.ancestors_and_self_codes(), b.ancestors_and_self_codes()
    common = 0
    for x, y in zip(pa, pb, strict=False):
        if x != y:
            break
        common += 1
    return (len(pa) - common) + (len(pb) - common)


def band_of(moment: datetime) -> str | None:
    hour = timezone.localtime(moment).hour
    return next((band for band, (start, end) in BANDS.items() if start <= hour < end), None)


MAX_CANDIDATES = 300


def suggestions(user, activity: Activity, *, limit: int = 20, now: datetime | None = None) -> list[Suggestion]:
    """Approved volunteers of the activity's county, best first: shared skills, nearness in the org tree,
    free at the time of a slot. Each suggestion says why. Only for ``user`` who keeps the activity (a
    volunteer of the neighbouring community is worth inviting too, shown by their masked name); anyone
    else gets none."""
    from volunteers.permissions import may_manage_unit

    if not may_manage_unit(user, activity.unit):
        return []
    now = now or timezone.now()
    county = "/".join(activity.unit.path.split("/")[:2]) + "/"
    taken = Signup.objects.filter(slot__activity=activity, status=SignupStatus.SIGNED_UP).values("volunteer_id")
    wanted = {skill.pk: skill for skill in activity.skills.all()}
    township = "/".join(activity.unit.path.split("/")[:3]) + "/"
    # The database keeps the likeliest (shared skills, then the same township) so that a county of
    # thousands of volunteers is scored in Python only for its best few hundred.
    candidates = list(Volunteer.objects.select_related("unit").filter(status=VolunteerStatus.APPROVED,
                                                                     unit__path__startswith=county)
                      .exclude(pk__in=taken)
                      .annotate(shared=Coalesce(Subquery(
                                    Volunteer.skills.through.objects.filter(volunteer_id=OuterRef("pk"),
                                                                            skill_id__in=list(wanted))
                                    .values("volunteer_id").annotate(n=Count("pk")).values("n"),
                                    output_field=IntegerField()), Value(0)),
                                near=Case(When(unit__path__startswith=township, then=Value(1)), default=Value(0),
                                          output_field=IntegerField()))
                      .order_by("-shared", "-near", "pk").prefetch_related("skills")[:MAX_CANDIDATES])
    times = [(timezone.localtime(slot.starts_at).weekday(), band_of(slot.starts_at))
             for slot in activity.slots.filter(starts_at__gt=now)]
    invited = set(activity.invitations.values_list("volunteer_id", flat=True))
    out = []
    for volunteer in candidates:
        score, reasons = 0, []
        shared = [wanted[s.pk].name for s in volunteer.skills.all() if s.pk in wanted]
        if shared:
            score += 10 * len(shared)
            reasons.append(note(gettext_noop("Skills: %(skills)s"), skills="、".join(shared)))
        elif wanted:
            reasons.append(note(gettext_noop("None of the skills asked for")))
        distance = tree_distance(volunteer.unit, activity.unit)
        score += max(0, 8 - 2 * distance)
        if distance == 0:
            reasons.append(note(gettext_noop("Serves in the same unit")))
        else:
            reasons.append(note(gettext_noop("%(n)s steps apart in the org tree"), n=distance))
        free = [(day, band) for day, band in times if band and band in volunteer.availability.get(str(day), [])]
        if free:
            score += 6
            day, band = free[0]
            reasons.append(note(gettext_noop("Free on %(day)s %(band)s"), day=phrase(WEEKDAYS[day]), band=phrase(Band(band).label)))
        elif times:
            reasons.append(note(gettext_noop("Not known to be free then")))
        out.append(Suggestion(volunteer=volunteer, score=score, reasons=reasons, invited=volunteer.pk in invited))
    out.sort(key=lambda s: (-s.score, s.volunteer.name, s.volunteer.pk))
    return out[:limit]


# --- care link -----------------------------------------------------------------------------------------

def activities_for_person(person_id: int) -> QuerySet[Activity]:
    """The activities serving a person in care (care's person page shows them through the snippet
    volunteers/_person_activities.html), latest first, with their slots and how many served."""
    served = HoursEntry.objects.filter(activity=OuterRef("pk"), kind=EntryKind.SERVICE)
    return (Activity.objects.filter(care_person_id=person_id).select_related("unit", "organisation")
            .prefetch_related("slots").annotate(served=Exists(served),
                                                 signed=Count("slots__signups", filter=Q(
                                                     slots__signups__status=SignupStatus.SIGNED_UP)))
            .order_by("-created_at", "-pk"))


# --- indicators for targets (民生实事) -------------------------------------------------------------------

def _period(unit, start: date, end: date) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(unit__path__startswith=unit.path, served_on__gte=start, served_on__lte=end)


def service_hours(unit, start: date, end: date) -> float:
    """Service hours served in ``unit`` and below, ``start`` to ``end`` inclusive, corrections included."""
    minutes = _period(unit, start, end).aggregate(n=Sum("minutes"))["n"] or 0
    return round(minutes / 60, 1)


def active_volunteers(unit, start: date, end: date) -> int:
    """Volunteers who served (a check-out with minutes) in ``unit`` and below in the period."""
    return (_period(unit, start, end).filter(kind=EntryKind.SERVICE, minutes__gt=0)
            .values("volunteer").distinct().count())


def activities_held(unit, start: date, end: date) -> int:
    """Activities in ``unit`` and below with someone served in the period."""
    return (_period(unit, start, end).filter(kind=EntryKind.SERVICE, activity__isnull=False)
            .values("activity").distinct().count())


def volunteers_registered(unit) -> int:
    """Approved volunteers and social workers serving in ``unit`` and below."""
    return Volunteer.objects.filter(unit__path__startswith=unit.path, status=VolunteerStatus.APPROVED).count()


# --- the resident's home page (web) ----------------------------------------------------------------------

def home_summary(user) -> dict:
    """What a resident's home shows of 志愿服务 (volunteers/_home_panel.html): their upcoming activities
    and hours once they volunteer, or the way to apply."""
    volunteer = volunteer_of(user)
    if volunteer is None:
        return {"volunteer": None}
    return {"volunteer": volunteer, "approved": volunteer.status == VolunteerStatus.APPROVED,
            "upcoming": list(upcoming_signups(volunteer)[:5]),
            "hours": round(total_minutes(volunteer) / 60, 1)}
