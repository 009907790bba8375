"""Reads of the registry, always limited to what the actor may see (care.permissions, the scope rule)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import itemgetter, or_
from typing import NamedTuple

from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from care.models import (
    RISK_RANK,
    CareAssignment,
    CareCategory,
    CareMembership,
    Person,
    PersonNeed,
    RiskLevel,
    Visit,
    VisitNeed,
)
from care.permissions import SEE_ROLES, department_reach, unit_scope, visible_category_ids
from core.crypto import blind_index, mask_name
from orgs.models import Role
from orgs.selectors import Scope

RISK_ORDER = Case(*[When(risk_level=level, then=Value(rank)) for level, rank in RISK_RANK.items()],
                  default=Value(0), output_field=IntegerField())


def _under_q(path: str) -> Q:
    """People whose village or grid lies at or below ``path``: the units found first (a few thousand at
    most), then the people by their unit and grid columns, through their indexes and with no join."""
    from orgs.models import Unit

    units = Unit.objects.filter(path__startswith=path).values("pk")
    return Q(unit_id__in=units) | Q(grid_id__in=units)


def _scope_q(scope: Scope) -> Q:
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= _under_q(path)
    return q


def _departments_q(reach) -> Q:
    """The people a department's staff reach: in its area, with an open membership of a category it serves."""
    q = Q(pk__in=[])
    for path, category_ids in reach:
        q |= Q(unit__path__startswith=path, pk__in=CareMembership.objects.filter(
            category_id__in=category_ids, until__isnull=True).values("person_id"))
    return q


def people_visible_to(user) -> QuerySet[Person]:
    """The people of the user's scope, those assigned to them, and for department staff the people of the
    categories their department serves in its area. Ended records included (they stay findable)."""
    qs = Person.objects.select_related("unit", "grid")
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", True):
        return qs.none()
    scope = unit_scope(user, SEE_ROLES)
    if scope.everything:
        return qs
    mine = Q(pk__in=CareAssignment.objects.filter(carer=user, until__isnull=True).values("person_id"))
    return qs.filter(_scope_q(scope) | mine | _departments_q(department_reach(user)))


def person_by_id_number(number: str) -> Person | None:
    """Unscoped, for the services and the importer: the registered person with this ID number."""
    return Person.objects.filter(id_index=blind_index(number)).first() if number else None


class RecordStatus:
    """Which records a list shows: the current ones by default; ended ones stay findable."""

    CURRENT = "current"
    ENDED = "ended"
    ALL = "all"


def people_search(qs: QuerySet[Person], *, query: str = "", category: CareCategory | None = None,
                  risk: str = "", status: str = RecordStatus.CURRENT) -> QuerySet[Person]:
    """A whole ID number or phone finds by its blind index (exactly: part of one finds nothing); other
    text searches names and addresses. A whole ID number finds an ended record whatever ``status`` says."""
    query = (query or "").strip()
    whole_id = query.replace(" ", "").upper()
    if len(whole_id) == 18 and whole_id[:17].isdigit():
        status = RecordStatus.ALL
    if status == RecordStatus.CURRENT:
        qs = qs.filter(ended_on__isnull=True)
    elif status == RecordStatus.ENDED:
        qs = qs.filter(ended_on__isnull=False)
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


def open_memberships(person, user=None) -> list[CareMembership]:
    """The person's open memberships; with ``user``, only the categories that user may see of them."""
    qs = person.memberships.filter(until__isnull=True).select_related("category")
    ids = visible_category_ids(user, person) if user is not None else None
    return list(qs if ids is None else qs.filter(category_id__in=ids))


def ended_memberships(person, user=None) -> list[CareMembership]:
    qs = person.memberships.filter(until__isnull=False).select_related("category").order_by("-until", "-pk")
    ids = visible_category_ids(user, person) if user is not None else None
    return list(qs if ids is None else qs.filter(category_id__in=ids))


def with_open_memberships(qs: QuerySet[Person], user=None) -> QuerySet[Person]:
    """Prefetch ``open_memberships``; with ``user``, only the categories that user may see (a department's
    staff see only the categories it serves)."""
    memberships = CareMembership.objects.filter(until__isnull=True).select_related("category")
    ids = visible_category_ids(user) if user is not None else None
    if ids is not None:
        memberships = memberships.filter(category_id__in=ids)
    return qs.prefetch_related(Prefetch("memberships", queryset=memberships, to_attr="open_memberships"))


# --- a responsible person's list -----------------------------------------------------------------------

DUE_SOON_DAYS = 3
DUE_PAGE_SIZE = 50  # 我的走访 shows the due list 50 at a time
LATER_SHOWN = 30  # and, folded below it, the next 30 people due later (the registry pages the rest)


def _overdue(today: date):
    return Case(When(next_visit_due__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField())


# The due list's order and the later list's, shared by the querysets below and the page's one query.
DUE_ORDER = ("-overdue", "-risk_rank", "next_visit_due", "pk")
LATER_ORDER = (F("next_visit_due").asc(nulls_last=True), "-risk_rank", "pk")
SEASONAL_ORDER = ("-risk_rank", F("next_visit_due").asc(nulls_last=True), "pk")


def due_list(user, *, today: date | None = None) -> QuerySet[Person]:
    """The people assigned to ``user`` that are overdue or due within DUE_SOON_DAYS: overdue first, then
    the highest risk, then the earliest due. Annotated with ``overdue`` (1 or 0)."""
    today = today or timezone.localdate()
    # "pk in (their open assignments)" rather than a join: no DISTINCT over whole rows, and the plan is
    # the assignments' partial index then the people by primary key, however big the registry.
    return (Person.objects.filter(pk__in=_assigned_to(user),
                                  next_visit_due__lte=today + timedelta(days=DUE_SOON_DAYS))
            .select_related("unit", "grid")
            .annotate(overdue=_overdue(today), risk_rank=RISK_ORDER)
            .order_by(*DUE_ORDER))


def due_counts(listed: QuerySet[Person], *, today: date) -> dict[str, int]:
    """The size of a due list (``due_list``'s queryset) and how many on it are overdue, in one query."""
    return listed.order_by().aggregate(count=Count("pk"), overdue_count=Count("pk", filter=Q(next_visit_due__lt=today)))


def _assigned_to(user):
    return CareAssignment.objects.filter(carer=user, until__isnull=True).values("person_id")


def later_list(user, *, today: date | None = None) -> QuerySet[Person]:
    """The rest of ``user``'s people, by the date they are next due (those with none last)."""
    today = today or timezone.localdate()
    return (Person.objects.filter(pk__in=_assigned_to(user))
            .filter(Q(next_visit_due__gt=today + timedelta(days=DUE_SOON_DAYS)) | Q(next_visit_due__isnull=True))
            .select_related("unit", "grid").annotate(risk_rank=RISK_ORDER)
            .order_by(*LATER_ORDER))


@dataclass
class SeasonalDue:
    check: object  # care.models.SeasonalCheck
    window: tuple[date, date]
    people: list  # Person, or VisitRow on 我的走访
    count: int = 0  # everyone due for it (``people`` may stop at a limit)


def _open_checks(today: date) -> list[tuple[object, tuple[date, date], list[int]]]:
    """The active seasonal checks whose window contains ``today``, with their window and category ids:
    one query (a check with no category concerns no one)."""
    from care.models import SeasonalCheck

    rows = (SeasonalCheck.categories.through.objects.filter(seasonalcheck__is_active=True)
            .select_related("seasonalcheck").order_by("seasonalcheck__start_month", "seasonalcheck__start_day",
                                                      "seasonalcheck_id", "carecategory_id"))
    checks: dict[int, tuple[object, list[int]]] = {}
    for row in rows:
        checks.setdefault(row.seasonalcheck_id, (row.seasonalcheck, []))[1].append(row.carecategory_id)
    out = []
    for check, category_ids in checks.values():
        window = check.window_containing(today)
        if window is not None:
            out.append((check, window, category_ids))
    return out


def _seasonal_due_q(check, window, category_ids) -> Exists:
    """True for a person with an open membership of the check's categories and no visit since its window
    opened that recorded the check's items (tested per person through the indexes)."""
    start = timezone.make_aware(datetime.combine(window[0], time.min))
    member = CareMembership.objects.filter(person_id=OuterRef("pk"), until__isnull=True,
                                           category_id__in=category_ids)
    items = [item["name"] for item in check.checklist or [] if item.get("name")]
    made = Visit.objects.filter(person_id=OuterRef("pk"), visited_at__gte=start)
    if items:
        made = made.filter(checklist__has_key=f"{check.key}_{items[0]}")
    return Exists(member) & ~Exists(made)


def seasonal_due(user, *, today: date | None = None, limit: int = 200) -> list[SeasonalDue]:
    """For each seasonal check open today, the people assigned to ``user`` in its categories for whom
    no visit since its window opened recorded the check's items: due for it until the window closes.
    One query for the checks, one for their people (each annotated with the checks it is due for)."""
    today = today or timezone.localdate()
    checks = _open_checks(today)
    if not checks:
        return []
    flags = {f"season_{check.pk}": _seasonal_due_q(check, window, ids) for check, window, ids in checks}
    people = list(Person.objects.filter(pk__in=_assigned_to(user))
                  .annotate(**flags).filter(reduce(or_, [Q(**{flag: True}) for flag in flags]))
                  .select_related("unit", "grid").annotate(risk_rank=RISK_ORDER).order_by(*SEASONAL_ORDER))
    out = []
    for check, window, _ids in checks:
        due = [person for person in people if getattr(person, f"season_{check.pk}")]
        if due:
            out.append(SeasonalDue(check=check, window=window, people=due[:limit], count=len(due)))
    return out


class VisitRow:
    """One line of 我的走访: what the page shows of a person, read as values (no model instances)."""

    # url, visit_url, risk_label and due_text are the page's, filled in by the view (care.views.staff.mine)
    __slots__ = ("pk", "name", "risk_level", "address", "next_visit_due", "overdue", "place",
                 "url", "visit_url", "risk_label", "due_text")

    def __init__(self, row: dict):
        self.pk = row["id"]
        self.name = row["name"]
        self.risk_level = row["risk_level"]
        self.address = row["address"]
        self.next_visit_due = row["next_visit_due"]
        self.overdue = row["overdue"]
        self.place = row["grid_short_name"] or row["grid_name"] or row["unit_name"]

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    def get_risk_level_display(self) -> str:
        return RiskLevel(self.risk_level).label


@dataclass
class ListPage:
    """Where a page of the due list stands in the whole list (the template's pager)."""

    number: int
    count: int
    per_page: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def has_other_pages(self) -> bool:
        return self.num_pages > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


@dataclass
class MyVisits:
    due: list[VisitRow]  # this page of it
    page: ListPage  # its count is the whole due list's
    overdue_count: int  # in the whole due list
    later: list[VisitRow]
    seasonal: list[SeasonalDue]
    later_count: int = 0  # everyone not due yet (``later`` stops at a limit)


# 我的走访's ranking, written in SQL over the rows the ORM selects (the user's people, annotated): Django
# compiles the same windows and the filter on them (Window, QUALIFY) at several times the CPU the
# database takes to run them, and the page waits on that CPU. The orders are DUE_ORDER and LATER_ORDER.
_RANKED = """
SELECT * FROM (
    SELECT people.*,
           ROW_NUMBER() OVER (PARTITION BY is_due ORDER BY overdue DESC, risk_rank DESC, next_visit_due, id)
               AS due_rank,
           ROW_NUMBER() OVER (PARTITION BY is_due ORDER BY next_visit_due NULLS LAST, risk_rank DESC, id)
               AS later_rank,
           SUM(is_due) OVER () AS due_count,
           SUM(overdue) OVER () AS overdue_count,
           COUNT(*) OVER () AS people_count
    FROM ({people}) people
) ranked
WHERE (is_due = 1 AND due_rank > %s AND due_rank <= %s) OR (is_due = 0 AND later_rank <= %s){seasonal}
"""


def my_visits(user, *, today: date | None = None, page: int = 1, per_page: int | None = None,
              later: int | None = None, seasonal: int = 200) -> MyVisits:
    """我的走访 as the page shows it: page ``page`` of the due list (due_list's order, DUE_PAGE_SIZE a
    page) with the size of the whole list and how many in it are overdue; on the first page also the
    next ``later`` people (LATER_SHOWN; later_list's order) with how many are due later in all, and the
    people due for each seasonal check open today (up to ``seasonal`` each).

    One query for the open checks, one for the people: the user's people, each with the columns the
    page shows (no ID number or phone to decrypt), the seasonal checks it is due for, its rank in the
    due and the later order and the whole list's counts (window functions over the user's few hundred
    people); only the rows the page shows come back, each once even when in two sections. A page past
    the end gives the last one (a third query counts first)."""
    today = today or timezone.localdate()
    per_page = per_page or DUE_PAGE_SIZE
    later = LATER_SHOWN if later is None else later
    page = min(max(1, page), 100_000)
    first = page == 1
    checks = _open_checks(today) if first else []
    flags = {f"season_{check.pk}": _seasonal_due_q(check, window, ids) for check, window, ids in checks}
    people = (Person.objects.filter(pk__in=_assigned_to(user)).order_by()
              .annotate(overdue=_overdue(today), risk_rank=RISK_ORDER, unit_name=F("unit__name"),
                        grid_name=F("grid__name"), grid_short_name=F("grid__short_name"), **flags,
                        is_due=Case(When(next_visit_due__lte=today + timedelta(days=DUE_SOON_DAYS),
                                         then=Value(1)), default=Value(0), output_field=IntegerField()))
              .values("id", "name", "risk_level", "address", "next_visit_due", "overdue", "risk_rank", "is_due",
                      "unit_name", "grid_name", "grid_short_name", *flags))
    sql, params = people.query.sql_with_params()
    connection = connections[people.db]
    offset = (page - 1) * per_page
    with connection.cursor() as cursor:
        cursor.execute(_RANKED.format(people=sql, seasonal="".join(f" OR {connection.ops.quote_name(flag)}"
                                                                   for flag in flags)),
                       [*params, offset, offset + per_page, later if first else 0])
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    if not rows and not first:  # past the last page (or the list has shrunk since): the last page
        last = -(-due_list(user, today=today).count() // per_page)
        return my_visits(user, today=today, page=max(1, last), per_page=per_page, later=later, seasonal=seasonal)
    for row in rows:  # SQLite gives the date as text
        if isinstance(row["next_visit_due"], str):
            row["next_visit_due"] = date.fromisoformat(row["next_visit_due"])
    # Every row carries the whole list's counts; a row may have come for one section and not another.
    counts = rows[0] if rows else {"due_count": 0, "overdue_count": 0, "people_count": 0}
    due = [VisitRow(row) for row in sorted(rows, key=itemgetter("due_rank"))
           if row["is_due"] and offset < row["due_rank"] <= offset + per_page]
    out = MyVisits(due=due, page=ListPage(number=page, count=int(counts["due_count"] or 0), per_page=per_page),
                   overdue_count=int(counts["overdue_count"] or 0), seasonal=[],
                   later_count=int(counts["people_count"] or 0) - int(counts["due_count"] or 0),
                   later=[VisitRow(row) for row in sorted(rows, key=itemgetter("later_rank"))
                          if not row["is_due"] and row["later_rank"] <= later] if first else [])
    seasonal_order = sorted(rows, key=lambda row: (-row["risk_rank"], row["next_visit_due"] is None,
                                                   row["next_visit_due"] or today, row["id"]))  # SEASONAL_ORDER
    for check, window, _ids in checks:
        people = [VisitRow(row) for row in seasonal_order if row[f"season_{check.pk}"]]
        if people:
            out.seasonal.append(SeasonalDue(check=check, window=window, people=people[:seasonal],
                                            count=len(people)))
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


def need_for_appeal(appeal) -> PersonNeed | None:
    """The need a responsible person filed from a person's record as ``appeal``, or None."""
    return PersonNeed.objects.filter(appeal_id=appeal.pk).select_related("person__unit", "person__grid",
                                                                        "filed_by").first()


def carers_of(person) -> QuerySet[CareAssignment]:
    return person.assignments.filter(until__isnull=True).select_related("carer")


# --- the unit page ------------------------------------------------------------------------------------

ON_TIME_WINDOW_DAYS = 90
LONGEST_UNVISITED = 10


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
    open_needs: int  # demands filed for these people (on a visit or from their record) not closed yet
    gaps: int  # people in a category with no one responsible (the coverage gap list's length)
    longest_unvisited: list[Person]
    counted_at: datetime | None = None  # when the summary was counted (care.summary); None: counted live


def people_of_unit(user, unit) -> QuerySet[Person]:
    """The current (not ended) people of ``unit`` and below it, as ``user`` may see them."""
    from orgs.models import Level, Unit

    if unit.level == Level.GRID:
        here = Q(grid_id=unit.pk)
    else:  # people live in villages: those of the subtree, as a list the index on unit_id takes
        villages = list(Unit.objects.filter(path__startswith=unit.path, level=Level.VILLAGE).values_list("pk", flat=True))
        here = Q(unit_id__in=villages) if villages else _under_q(unit.path)
    return people_visible_to(user).filter(here, ended_on__isnull=True)


def open_needs_count(people: QuerySet[Person]) -> int:
    """Demands filed for ``people`` (on a visit or from the record) that are not closed yet."""
    from appeals.models import OPEN_STATES, Appeal

    ids = people.values("pk")
    linked = Q(pk__in=VisitNeed.objects.filter(visit__person__in=ids).values("appeal_id")) | Q(
        pk__in=PersonNeed.objects.filter(person__in=ids).values("appeal_id"))
    return Appeal.objects.filter(linked, state__in=OPEN_STATES).count()


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


COUNTS = ("people", "covered", "gaps", "overdue_window", "overdue_now", "done", "on_time", "open_needs")


def _counts_by_place(user, unit, today: date) -> dict[tuple[int, int | None], dict[str, int]]:
    """The figures' counts for ``unit`` and below, as ``user`` may see it, per place a person lives in
    (village, grid): a fixed number of grouped queries however many units lie below, from which the
    unit's own figures and each child's are sums."""
    return place_counts(people_of_unit(user, unit), _memberships_visible(user), today)


def place_counts(people: QuerySet[Person], memberships: QuerySet[CareMembership],
                 today: date) -> dict[tuple[int, int | None], dict[str, int]]:
    """The counts of ``people`` per place (village, grid), a gap being someone in one of ``memberships``
    with no one responsible: the live count of the pages, and the summary's (care.summary)."""
    from django.db.models import Exists, OuterRef

    from appeals.models import OPEN_STATES

    since = today - timedelta(days=ON_TIME_WINDOW_DAYS)
    out: dict[tuple[int, int | None], dict[str, int]] = {}

    def add(rows, names):
        for row in rows:
            counts = out.setdefault((row["place_unit"], row["place_grid"]), dict.fromkeys(COUNTS, 0))
            for name in names:
                counts[name] += row[name] or 0

    covered = Exists(CareAssignment.objects.filter(person_id=OuterRef("pk"), until__isnull=True))
    in_category = Exists(memberships.filter(person_id=OuterRef("pk")))
    add(people.annotate(is_covered=covered, in_category=in_category)
        .values(place_unit=F("unit_id"), place_grid=F("grid_id")).order_by()
        .annotate(people=Count("pk"), covered=Count("pk", filter=Q(is_covered=True)),
                  gaps=Count("pk", filter=Q(in_category=True, is_covered=False)),
                  overdue_window=Count("pk", filter=Q(next_visit_due__lt=today, next_visit_due__gte=since)),
                  overdue_now=Count("pk", filter=Q(next_visit_due__lt=today))),
        ("people", "covered", "gaps", "overdue_window", "overdue_now"))
    ids = people.values("pk")
    add(Visit.objects.filter(person__in=ids, due_on__gte=since, due_on__lte=today)
        .values(place_unit=F("person__unit_id"), place_grid=F("person__grid_id")).order_by()
        .annotate(done=Count("pk"), on_time=Count("pk", filter=Q(on_time=True))), ("done", "on_time"))
    # A demand is linked to one person, by a visit or from the record: the two counts add up.
    add(VisitNeed.objects.filter(visit__person__in=ids, appeal__state__in=OPEN_STATES)
        .values(place_unit=F("visit__person__unit_id"), place_grid=F("visit__person__grid_id")).order_by()
        .annotate(open_needs=Count("appeal_id", distinct=True)), ("open_needs",))
    add(PersonNeed.objects.filter(person__in=ids, appeal__state__in=OPEN_STATES)
        .values(place_unit=F("person__unit_id"), place_grid=F("person__grid_id")).order_by()
        .annotate(open_needs=Count("appeal_id", distinct=True)), ("open_needs",))
    return out


def _figures_of(counts: dict[str, int]) -> UnitFigures:
    due = counts["done"] + counts["overdue_window"]
    return UnitFigures(
        people=counts["people"], by_category=[], covered=counts["covered"],
        coverage=_rate(counts["covered"], counts["people"]), visits_on_time=counts["on_time"], visits_due=due,
        on_time_rate=_rate(counts["on_time"], due), overdue_now=counts["overdue_now"],
        open_needs=counts["open_needs"], gaps=counts["gaps"], longest_unvisited=[])


def _sum(groups) -> dict[str, int]:
    total = dict.fromkeys(COUNTS, 0)
    for counts in groups:
        for name in COUNTS:
            total[name] += counts[name]
    return total


def _read_counts(user, unit, today: date):
    """The counts per place from the summary when it may stand for the live count, else counted live."""
    from care import summary

    found = summary.read(user, unit, today)
    if found is not None:
        return found
    return summary.Counts(by_place=_counts_by_place(user, unit, today), by_category=None, counted_at=None)


def unit_figures(user, unit, *, today: date | None = None, details: bool = True,
                 _counts=None) -> UnitFigures:
    """The registry of ``unit`` and below it, as ``user`` may see it; ended records left out. "Visits on
    time": of the visits that fell due in the last ON_TIME_WINDOW_DAYS days (those made, and those overdue
    now), the share made by their due date. ``details`` False skips the per-category counts and the
    longest-unvisited list (the rows of the drill-down). The counts come from the summary when there is
    a recent one (care.summary; ``counted_at`` says when), the longest-unvisited list is always live."""
    today = today or timezone.localdate()
    counts = _counts if _counts is not None else _read_counts(user, unit, today)
    figures = _figures_of(_sum(counts.by_place.values()))
    figures.counted_at = counts.counted_at
    if details:
        people = people_of_unit(user, unit)
        by_category = counts.by_category
        if by_category is None:
            by_category = dict(CareMembership.objects.filter(person__in=people.values("pk"), until__isnull=True)
                               .values_list("category").annotate(n=Count("person", distinct=True)).order_by())
        visible = visible_category_ids(user)
        figures.by_category = [(category, by_category.get(category.pk, 0))
                               for category in CareCategory.objects.filter(is_active=True)
                               if visible is None or category.pk in visible]
        figures.longest_unvisited = list(
            people.filter(risk_level=RiskLevel.HIGH)
            .order_by(F("last_visit_at").asc(nulls_first=True), "created_at", "pk")[:LONGEST_UNVISITED])
    return figures


def units_for_dashboard(user):
    """The units whose page ``user`` may open: those of their scope, and the area of a department that
    serves a category (villages and above)."""
    from orgs.models import Level
    from orgs.selectors import units_visible_to

    scope = unit_scope(user, SEE_ROLES)
    units = units_visible_to(user, roles=SEE_ROLES)
    if not scope.everything:
        units = units.filter(_paths_q(scope.unit_paths + tuple(path for path, _ids in department_reach(user))))
    return units.exclude(level=Level.GRID).order_by("path")


def unit_children(user, unit, *, today: date | None = None,
                  _counts=None) -> list[tuple[object, UnitFigures]]:
    """The drill-down: each active unit directly below ``unit`` (a village's grids too) with its figures,
    summed from the counts per place (one set of grouped queries for all of them)."""
    from orgs.models import Unit

    today = today or timezone.localdate()
    counts = (_counts if _counts is not None else _read_counts(user, unit, today)).by_place
    children = list(Unit.objects.filter(parent=unit, is_active=True).order_by("code"))
    place_ids = {pk for place in counts for pk in place if pk is not None}
    paths = dict(Unit.objects.filter(pk__in=place_ids).values_list("pk", "path"))
    groups: dict[int, list] = {child.pk: [] for child in children}
    for (unit_id, grid_id), counted in counts.items():
        place_paths = [paths.get(unit_id, ""), paths.get(grid_id, "") if grid_id else ""]
        for child in children:
            if any(path and path.startswith(child.path) for path in place_paths):
                groups[child.pk].append(counted)
    return [(child, _figures_of(_sum(groups[child.pk]))) for child in children]


def unit_overview(user, unit, *, today: date | None = None) -> tuple[UnitFigures, list]:
    """The unit page: its figures and its children's, from one read of the counts per place."""
    from django.db import connection, transaction

    today = today or timezone.localdate()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The counts' plans cost enough to be compiled (JIT), which takes longer than they run.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        counts = _read_counts(user, unit, today)
        return (unit_figures(user, unit, today=today, _counts=counts),
                unit_children(user, unit, today=today, _counts=counts))


def _paths_q(paths) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return q


# --- coverage and carers ----------------------------------------------------------------------------------

def _memberships_visible(user) -> QuerySet[CareMembership]:
    """Open memberships of the categories ``user`` may see (a department: those it serves)."""
    memberships = CareMembership.objects.filter(until__isnull=True)
    visible = visible_category_ids(user)
    return memberships if visible is None else memberships.filter(category_id__in=visible)


def coverage_gaps(user, unit, *, category: CareCategory | None = None) -> QuerySet[Person]:
    """People of ``unit`` (current records) in a category, or in ``category``, with no one responsible:
    the highest risk first."""
    memberships = _memberships_visible(user)
    if category is not None:
        memberships = memberships.filter(category=category)
    return (people_of_unit(user, unit)
            .filter(pk__in=memberships.values("person_id"))
            .exclude(pk__in=CareAssignment.objects.filter(until__isnull=True).values("person_id"))
            .annotate(risk_rank=RISK_ORDER).order_by("-risk_rank", "unit__code", "name", "pk"))


class Candidate(NamedTuple):
    user: object
    role: str  # the CarerRole their post suggests
    post: str  # where they serve, to tell two people of one name apart


def carer_candidates(person) -> list[Candidate]:
    """Who may be made responsible for ``person``: the grid workers of their grid first, then the other
    grid workers and the staff of their village or community. Active staff only."""
    from care.models import CarerRole
    from orgs.models import Membership, Role

    village = person.unit
    rows = (Membership.objects.filter(unit__path__startswith=village.path, role__in=[Role.GRID_WORKER, Role.HANDLER],
                                      user__is_active=True)
            .select_related("user", "unit").order_by("unit__code", "user__username"))

    def rank(m) -> int:
        if person.grid_id and m.unit_id == person.grid_id:
            return 0
        return 1 if m.role == Role.GRID_WORKER else 2

    seen, out = set(), []
    for m in sorted(rows, key=rank):
        if m.user_id in seen:
            continue
        seen.add(m.user_id)
        role = CarerRole.GRID_WORKER if m.role == Role.GRID_WORKER else CarerRole.VILLAGE_CADRE
        out.append(Candidate(m.user, role, m.unit.display_short))
    return out


def assignment_history(person) -> QuerySet[CareAssignment]:
    return person.assignments.select_related("carer").order_by("-until", "-since", "-pk")


# --- a person's needs, and their whole record (PIPL access request) ----------------------------------------

def person_needs(user, person) -> list[dict]:
    """The needs filed from the person's record, with their demands' states as ``user`` may see them."""
    from appeals.selectors import appeals_visible_to

    links = list(person.needs.select_related("filed_by").order_by("-created_at", "-pk"))
    visible = {a.pk: a for a in appeals_visible_to(user).filter(pk__in=[n.appeal_id for n in links])}
    return [{"need": need, "appeal": visible.get(need.appeal_id)} for need in links]


def person_record(person) -> dict:
    """Everything the registry holds about ``person``, in clear: for the person themselves (PIPL access
    request), through care.services.person_access_export, which checks and audits. The demands filed for
    them are listed with their current state (the demand's own page holds the rest)."""
    from appeals.models import Appeal

    visits = list(person.visits.select_related("visitor").prefetch_related("needs").order_by("visited_at", "pk"))
    visit_needs = {need.appeal_id: visit for visit in visits for need in visit.needs.all()}
    record_needs = {need.appeal_id: need for need in person.needs.select_related("filed_by")}
    appeals = {a.pk: a for a in Appeal.objects.filter(pk__in=list(visit_needs) + list(record_needs))}
    needs = []
    for appeal_id, appeal in sorted(appeals.items(), key=lambda item: (item[1].created_at, item[0])):
        visit = visit_needs.get(appeal_id)
        needs.append({"appeal": appeal, "visit": visit,
                      "filed_by": visit.visitor if visit else record_needs[appeal_id].filed_by})
    return {
        "person": person,
        "memberships": list(person.memberships.select_related("category").order_by("since", "pk")),
        "assignments": list(person.assignments.select_related("carer").order_by("since", "pk")),
        "visits": visits,
        "needs": needs,
    }
def category_codes_by_id_number(number: str, *, on: date | None = None) -> list[str]:
    """The codes of the categories the registered person with this ID number belonged to on ``on``
    (today by default); [] when nobody has it. Unscoped and showing no record: for peers whose rules
    depend on a category (facilities' meal prices for 低保 and 特困)."""
    if not number:
        return []
    on = on or timezone.localdate()
    return list(CareMembership.objects.filter(person__id_index=blind_index(number), since__lte=on)
                .filter(Q(until__isnull=True) | Q(until__gte=on))
                .values_list("category__code", flat=True).distinct())
# --- for peer apps: a category of the registry read by ID number (employment: 就业困难人员) -----------------

@dataclass(frozen=True)
class CategoryStanding:
    """A registered person's open membership of one category, as a peer app may know it."""

    category: str  # the category's name
    since: date
    values: dict


def category_standing(id_number: str, code: str) -> CategoryStanding | None:
    """Unscoped, for a peer app's services: the open membership of category ``code`` held by the person
    registered with ``id_number`` (compacted, upper-case), or None. The registry stays the one list."""
    if not id_number:
        return None
    membership = (CareMembership.objects.filter(person__id_index=blind_index(id_number), category__code=code,
                                                until__isnull=True).select_related("category").first())
    if membership is None:
        return None
    return CategoryStanding(category=membership.category.name, since=membership.since, values=membership.values)


def people_in_category(code: str) -> QuerySet[Person]:
    """Unscoped, for a peer app's demo and batch work: the people with an open membership of ``code``."""
    return (Person.objects.filter(memberships__category__code=code, memberships__until__isnull=True)
            .select_related("unit").distinct().order_by("pk"))


def id_indexes_cared_for_by(user) -> list[str]:
    """Unscoped, for a peer app (employment: a seeker's 包联 person sees their follow-ups): the blind indexes
    of the ID numbers of the current people ``user`` is an open responsible person of; [] for anyone else."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "is_resident", True):
        return []
    return list(Person.objects.filter(assignments__carer=user, assignments__until__isnull=True,
                                      ended_on__isnull=True).values_list("id_index", flat=True).distinct())
