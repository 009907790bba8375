"""Reads of the registry, always limited to what the actor may see (care.permissions, the scope rule)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from care.models import RISK_RANK, CareAssignment, CareCategory, CareMembership, Person, RiskLevel, Visit, VisitNeed
from care.permissions import SEE_ROLES, unit_scope
from core.crypto import blind_index
from orgs.models import Role
from orgs.selectors import Scope

RISK_ORDER = Case(*[When(risk_level=level, then=Value(rank)) for level, rank in RISK_RANK.items()],
                  default=Value(0), output_field=IntegerField())


def _scope_q(scope: Scope) -> Q:
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(unit__path__startswith=path) | Q(grid__path__startswith=path)
    return q


def people_visible_to(user) -> QuerySet[Person]:
    """The people of the user's scope, and those assigned to them."""
    qs = Person.objects.select_related("unit", "grid")
    scope = unit_scope(user, SEE_ROLES)
    if not scope.everything and not scope.unit_paths:
        if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", True):
            return qs.none()
        return qs.filter(assignments__carer=user, assignments__until__isnull=True).distinct()
    mine = Q(pk__in=CareAssignment.objects.filter(carer=user, until__isnull=True).values("person_id"))
    return qs.filter(_scope_q(scope) | mine)


def person_by_id_number(number: str) -> Person | None:
    """Unscoped, for the services and the importer: the registered person with this ID number."""
    return Person.objects.filter(id_index=blind_index(number)).first() if number else None


def people_search(qs: QuerySet[Person], *, query: str = "", category: CareCategory | None = None,
                  risk: str = "") -> QuerySet[Person]:
    """A whole ID number or phone finds by its blind index (exactly: part of one finds nothing); other
    text searches names and addresses."""
    query = (query or "").strip()
    if query:
        compact = query.replace(" ", "").upper()
        if compact[:17].isdigit() and len(compact) == 18:
            qs = qs.filter(id_index=blind_index(compact))
        elif compact.isdigit() and len(compact) >= 7:
            qs = qs.filter(phone_index=blind_index(compact))
        else:
            qs = qs.filter(Q(name__contains=query) | Q(address__contains=query))
    if category is not None:
        qs = qs.filter(memberships__category=category, memberships__until__isnull=True).distinct()
    if risk in RiskLevel.values:
        qs = qs.filter(risk_level=risk)
    return qs


def open_memberships(person) -> list[CareMembership]:
    return list(person.memberships.filter(until__isnull=True).select_related("category"))


def with_open_memberships(qs: QuerySet[Person]) -> QuerySet[Person]:
    return qs.prefetch_related(Prefetch(
        "memberships", queryset=CareMembership.objects.filter(until__isnull=True).select_related("category"),
        to_attr="open_memberships"))


# --- a responsible person's list -----------------------------------------------------------------------

DUE_SOON_DAYS = 3


def due_list(user, *, today: date | None = None) -> QuerySet[Person]:
    """The people assigned to ``user`` that are overdue or due within DUE_SOON_DAYS: overdue first, then
    the highest risk, then the earliest due. Annotated with ``overdue`` (1 or 0)."""
    today = today or timezone.localdate()
    # "pk in (their open assignments)" rather than a join: no DISTINCT over whole rows, and the plan is
    # the assignments' partial index then the people by primary key, however big the registry.
    return (Person.objects.filter(pk__in=_assigned_to(user),
                                  next_visit_due__lte=today + timedelta(days=DUE_SOON_DAYS))
            .select_related("unit", "grid")
            .annotate(overdue=Case(When(next_visit_due__lt=today, then=Value(1)), default=Value(0),
                                   output_field=IntegerField()),
                      risk_rank=RISK_ORDER)
            .order_by("-overdue", "-risk_rank", "next_visit_due", "pk"))


def _assigned_to(user):
    return CareAssignment.objects.filter(carer=user, until__isnull=True).values("person_id")


def later_list(user, *, today: date | None = None) -> QuerySet[Person]:
    """The rest of ``user``'s people, by the date they are next due."""
    today = today or timezone.localdate()
    return (Person.objects.filter(pk__in=_assigned_to(user))
            .filter(Q(next_visit_due__gt=today + timedelta(days=DUE_SOON_DAYS)) | Q(next_visit_due__isnull=True))
            .select_related("unit", "grid").annotate(risk_rank=RISK_ORDER)
            .order_by("next_visit_due", "-risk_rank", "pk"))


@dataclass
class SeasonalDue:
    check: object  # care.models.SeasonalCheck
    window: tuple[date, date]
    people: list[Person]


def seasonal_due(user, *, today: date | None = None, limit: int = 200) -> list[SeasonalDue]:
    """For each seasonal check open today, the people assigned to ``user`` in its categories for whom
    no visit since its window opened recorded the check's items: due for it until the window closes."""
    from care.models import SeasonalCheck

    today = today or timezone.localdate()
    checks = [(check, check.window_containing(today))
              for check in SeasonalCheck.objects.filter(is_active=True).prefetch_related("categories")]
    checks = [(check, window) for check, window in checks if window is not None]
    if not checks:
        return []
    mine = list(CareAssignment.objects.filter(carer=user, until__isnull=True).values_list("person_id", flat=True))
    out = []
    for check, window in checks:
        start = timezone.make_aware(datetime.combine(window[0], time.min))
        candidates = set(CareMembership.objects.filter(
            person_id__in=mine, until__isnull=True, category__in=[c.pk for c in check.categories.all()])
            .values_list("person_id", flat=True))
        items = [item["name"] for item in check.checklist or [] if item.get("name")]
        made = Visit.objects.filter(person_id__in=candidates, visited_at__gte=start)
        if items:
            made = made.filter(checklist__has_key=f"{check.key}_{items[0]}")
        candidates -= set(made.values_list("person_id", flat=True))
        people = list(Person.objects.filter(pk__in=candidates).select_related("unit", "grid")
                      .annotate(risk_rank=RISK_ORDER).order_by("-risk_rank", "next_visit_due", "pk")[:limit])
        if people:
            out.append(SeasonalDue(check=check, window=window, people=people))
    return out


# --- overdue visits escalated to the village and the township --------------------------------------------

ESCALATED_ROLES = [Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN]


def escalated_visible_to(user, level: str) -> QuerySet[Person]:
    """The people whose overdue visit has been escalated to ``level`` or beyond, in the units the user
    keeps (village, township, county staff: handlers, supervisors, leaders, administrators). A village
    keeps seeing those that went on to the township: they are still its people to visit."""
    from care.models import EscalationLevel

    scope = unit_scope(user, ESCALATED_ROLES)
    if not scope.everything and not scope.unit_paths:
        return Person.objects.none()
    levels = [EscalationLevel.TOWNSHIP] if level == EscalationLevel.TOWNSHIP else [EscalationLevel.VILLAGE,
                                                                                   EscalationLevel.TOWNSHIP]
    return (Person.objects.filter(_scope_q(scope), escalation__in=levels).select_related("unit__parent", "grid")
            .prefetch_related(Prefetch("assignments", queryset=CareAssignment.objects.filter(until__isnull=True)
                                       .select_related("carer"), to_attr="open_assignments"))
            .annotate(risk_rank=RISK_ORDER).order_by("next_visit_due", "-risk_rank", "pk"))


def escalation_levels_for(user) -> list[str]:
    """The queues the user's units keep: a village's staff the village queue; a township's (or
    anyone above) both, the township's first."""
    from care.models import EscalationLevel
    from orgs.models import Level

    scope = unit_scope(user, ESCALATED_ROLES)
    if scope.everything:
        return [EscalationLevel.TOWNSHIP, EscalationLevel.VILLAGE]
    if not scope.unit_paths:
        return []
    from orgs.models import Unit

    levels = set(Unit.objects.filter(path__in=scope.unit_paths).values_list("level", flat=True))
    if levels & {Level.CITY, Level.COUNTY, Level.TOWNSHIP}:
        return [EscalationLevel.TOWNSHIP, EscalationLevel.VILLAGE]
    return [EscalationLevel.VILLAGE]


def person_visits(person) -> QuerySet[Visit]:
    return person.visits.select_related("visitor").prefetch_related(
        Prefetch("needs", queryset=VisitNeed.objects.order_by("pk")), "photos")


def visit_visible_to(user, pk) -> Visit | None:
    """A visit to someone the user may see."""
    return (Visit.objects.filter(pk=pk, person__in=people_visible_to(user)).select_related("person__unit", "visitor")
            .prefetch_related(Prefetch("needs", queryset=VisitNeed.objects.order_by("pk")), "photos").first())


def needs_with_state(user, visits) -> dict[int, list[dict]]:
    """For each visit, its demands: code and state as appeals shows them to ``user``; a demand the user
    may not see (passed to another county, say) shows only that it exists."""
    from appeals.selectors import appeals_visible_to

    links = [need for visit in visits for need in visit.needs.all()]
    visible = {appeal.pk: appeal for appeal in appeals_visible_to(user).filter(pk__in=[n.appeal_id for n in links])}
    out: dict[int, list[dict]] = {}
    for need in links:
        appeal = visible.get(need.appeal_id)
        out.setdefault(need.visit_id, []).append({
            "appeal": appeal,
            "code": appeal.code if appeal else "",
            "state": appeal.get_state_display() if appeal else "",
            "state_key": appeal.state if appeal else "",
        })
    return out


def visit_for_appeal(appeal) -> Visit | None:
    """The visit that filed ``appeal`` (the way back from appeals to care), or None."""
    need = VisitNeed.objects.filter(appeal_id=appeal.pk).select_related("visit__person", "visit__visitor").first()
    return need.visit if need else None


def carers_of(person) -> QuerySet[CareAssignment]:
    return person.assignments.filter(until__isnull=True).select_related("carer")


# --- the unit page ------------------------------------------------------------------------------------

ON_TIME_WINDOW_DAYS = 90


@dataclass
class UnitFigures:
    people: int
    by_category: list[tuple[CareCategory, int]]
    covered: int
    coverage: float | None  # % with an open assignment
    visits_on_time: int
    visits_due: int
    on_time_rate: float | None  # % of due visits done on time, over the window
    overdue_now: int
    longest_unvisited: list[Person]


def unit_figures(user, unit, *, today: date | None = None) -> UnitFigures:
    """The registry of ``unit`` and below it, as ``user`` may see it. "Visits on time": of the visits that
    fell due in the last ON_TIME_WINDOW_DAYS days (those made, and those overdue now), the share made by
    their due date."""
    today = today or timezone.localdate()
    people = people_visible_to(user).filter(Q(unit__path__startswith=unit.path) | Q(grid__path__startswith=unit.path))
    total = people.count()
    counts = dict(CareMembership.objects.filter(person__in=people, until__isnull=True).values_list("category")
                  .annotate(n=Count("person", distinct=True)).order_by())
    categories = [(category, counts.get(category.pk, 0)) for category in CareCategory.objects.filter(is_active=True)]
    covered = people.filter(pk__in=CareAssignment.objects.filter(until__isnull=True).values("person_id")).count()
    since = today - timedelta(days=ON_TIME_WINDOW_DAYS)
    visits = Visit.objects.filter(person__in=people, due_on__gte=since, due_on__lte=today).aggregate(
        done=Count("pk"), on_time=Count("pk", filter=Q(on_time=True)))
    overdue_now = people.filter(next_visit_due__lt=today, next_visit_due__gte=since).count()
    due = visits["done"] + overdue_now
    longest = list(people.filter(risk_level=RiskLevel.HIGH)
                   .order_by(F("last_visit_at").asc(nulls_first=True), "created_at", "pk")[:10])
    return UnitFigures(
        people=total, by_category=categories, covered=covered,
        coverage=round(100 * covered / total, 1) if total else None,
        visits_on_time=visits["on_time"], visits_due=due,
        on_time_rate=round(100 * visits["on_time"] / due, 1) if due else None,
        overdue_now=people.filter(next_visit_due__lt=today).count(),
        longest_unvisited=longest,
    )


def units_for_dashboard(user):
    """The units whose page ``user`` may open: those of their scope (villages and above)."""
    from orgs.models import Level
    from orgs.selectors import units_visible_to

    scope = unit_scope(user, SEE_ROLES)
    units = units_visible_to(user, roles=SEE_ROLES)
    if not scope.everything:
        units = units.filter(_paths_q(scope.unit_paths))
    return units.exclude(level=Level.GRID).order_by("path")


def _paths_q(paths) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return q
