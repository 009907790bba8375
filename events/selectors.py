"""Every read of events: what a resident sees (the events of their village or community and of the units
above it), what staff see (the scope rule), a resident's sign-ups, an event's sign-ups and results, and
what the 民生实事 indicators count."""

from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from events import permissions
from events.models import PUBLIC_STATES, Event, EventState, Signup, SignupState, TeamMember
from orgs.selectors import scope_for, scope_q


def resident_place(user):
    """The village or community the resident lives in (their residency, declared once for the whole
    platform through deliberation), or None."""
    if not permissions.is_resident(user):
        return None
    from deliberation.permissions import residency_of

    residency = residency_of(user)
    return residency.unit if residency is not None else None


def ancestor_paths(unit) -> list[str]:
    """The paths of ``unit`` and every unit above it ("a/", "a/b/", "a/b/c/")."""
    codes = [code for code in unit.path.split("/") if code]
    return ["".join(f"{code}/" for code in codes[:n]) for n in range(1, len(codes) + 1)]


def sees(place, event) -> bool:
    return place is not None and place.path.startswith(event.unit_path)


def events_for_place(place) -> QuerySet[Event]:
    """Events a resident of ``place`` sees: published (or closed, cancelled, finished) by its unit or a
    unit above it."""
    if place is None:
        return Event.objects.none()
    return (Event.objects.filter(state__in=PUBLIC_STATES, unit_path__in=ancestor_paths(place))
            .select_related("unit", "department"))


def events_for_resident(user) -> QuerySet[Event]:
    return events_for_place(resident_place(user))


def upcoming_and_past(qs, *, now: datetime | None = None) -> tuple[list[Event], list[Event]]:
    """Upcoming first (soonest first, what is on now included), then the past (latest first)."""
    now = now or timezone.now()
    upcoming = list(qs.filter(ends_at__gte=now).exclude(state=EventState.CANCELLED).order_by("starts_at", "pk")[:100])
    past = list(qs.filter(Q(ends_at__lt=now) | Q(state=EventState.CANCELLED)).order_by("-starts_at", "-pk")[:30])
    return upcoming, past


def events_visible_to(user) -> QuerySet[Event]:
    """Staff: the events of their scope (units and everything below them; a department's own events and
    those of its kind below it). Nobody else."""
    if not permissions.active_staff(user):
        return Event.objects.none()
    scope = scope_for(user, roles=permissions.SEE_ROLES)
    qs = Event.objects.select_related("unit", "department__unit")
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(unit_path__startswith=path)
    return qs.filter(q | scope_q(scope, department="department"))


def event_for(user, pk) -> Event | None:
    """The event ``pk`` if ``user`` may open its page: staff in scope, or a resident who sees it."""
    if permissions.active_staff(user):
        return events_visible_to(user).filter(pk=pk).first()
    if permissions.is_resident(user):
        return events_for_resident(user).filter(pk=pk).first()
    return None


def signups_of(user) -> QuerySet[Signup]:
    """我的活动: the resident's sign-ups, newest event first."""
    return (Signup.objects.filter(resident=user).select_related("event__unit")
            .prefetch_related("members").order_by("-event__starts_at", "-pk"))


def live_signup(user, event) -> Signup | None:
    if not permissions.is_resident(user):
        return None
    return (Signup.objects.filter(event=event, resident=user,
                                  state__in=[SignupState.CONFIRMED, SignupState.WAITING, SignupState.CHECKED_IN])
            .prefetch_related("members").first())


def event_signups(event) -> QuerySet[Signup]:
    """The staff's list: confirmed and checked in first, then the waiting list in order, then the rest."""
    return (Signup.objects.filter(event=event)
            .prefetch_related(Prefetch("members", queryset=TeamMember.objects.order_by("position")))
            .order_by("created_at", "pk"))


def signup_counts(event) -> dict[str, int]:
    counts = {state: 0 for state in SignupState.values}
    people = 0
    for state, n in Signup.objects.filter(event=event).values_list("state", "people"):
        counts[state] += 1
        if state == SignupState.CHECKED_IN:
            people += n
    counts["people_checked_in"] = people
    return counts


def facility_choice(facility_id):
    """The facility (through facilities' own selector: a peer's rows are never read directly)."""
    if not facility_id:
        return None
    from facilities.selectors import public_facility

    return public_facility(facility_id)
