"""三率 KPIs: 响应率, 解决率 and 满意率 (and on-time closure), per handling department and per handling
unit over any period, with a composite score for the ranking and an xlsx monthly report.

Everything is counted by the database in a handful of GROUP BY queries (``Count(filter=Q(...))``),
never by looping over appeals in Python: the past days from the daily summary that
``appeals.kpi_rollup`` keeps (``manage.py appeals_kpi_rollup`` from cron), the rest live from the
appeals table, so a year of a million appeals stays fast; the figures are the same whether or not
the summary is up to date. Rates are exact fractions; pages and exports round them for display only.

Definitions (each shown on the page):

- 响应率 (response rate) = appeals accepted (签收) within the acceptance deadline / appeals
  dispatched in the period whose acceptance is decided: accepted, or still waiting after the
  deadline passed. An appeal still inside its acceptance window counts in neither.
- 解决率 (resolution rate) = appeals the resident says are resolved / appeals closed in the period
  with a rating.
- 满意率 (satisfaction rate) = (满意 + 基本满意) / appeals closed in the period with a rating.
  The composite score uses the weighted satisfaction (满意 + value × 基本满意) / rated, value 0.9
  by default.
- 按期办结率 (on-time closure) = appeals closed on time / appeals closed in the period.
- Composite = (w₁·响应率 + w₂·解决率 + w₃·weighted satisfaction) / (w₁ + w₂ + w₃), over the rates
  that have a denominator (a department with no rated appeal in the period is scored on the
  others). Weights live in ``KpiSettings``.

Attribution: an appeal counts for the department or unit that holds it last (``assigned_department``
/ ``assigned_unit``). A reassignment (改派) or a pass-down (转办) restarts the acceptance clock for
the new holder, so the acceptance measured is the current holder's; the holder it was taken from
is not charged. A returned (退单) appeal counts for whoever it is dispatched to next. This uses the
appeal row alone (indexed, one row per appeal) rather than replaying events, which keeps the page
fast on millions of appeals.

Units: a unit's row counts every appeal handled in its area: by the unit itself (township offices,
village and community committees, a county government), by the units below it, and by the
departments of its government, rolled up the tree: a township's row includes its villages, a
county's its townships, their villages and its bureaus (区卫健局 …). Departments are also ranked in
their own table, so the two tables overlap by design; the units' total is every appeal in scope.

Ranking: a row is ranked only with at least ``KpiSettings.min_sample`` appeals in the period (the
larger of those dispatched, acceptance decided, and those closed); below it the row is shown with
its rates, marked 样本不足, and takes no rank, so one lucky case does not top the list.
"""

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals import kpi_rollup
from appeals.models import Appeal, KpiDaySummary, KpiSettings, ReceivedDaySummary, ReceivedKey, State
from appeals.permissions import KPI_ROLES
from appeals.selectors import appeals_visible_to, overdue_q, visibility
from core.errors import BadInput
from orgs.models import Department, Level, Unit
from orgs.selectors import departments_visible_to, scope_for

# Levels that hold appeals themselves and so can be ranked in the unit table.
UNIT_LEVELS = [Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
# The longest period the page accepts: a few years is plenty and keeps a typo (0202) from scanning all.
MAX_PERIOD_DAYS = 3 * 366

DEFINITIONS = [
    (gettext_lazy("Response rate (响应率)"),
     gettext_lazy("Appeals accepted (签收) within the acceptance deadline ÷ appeals dispatched in the period "
                  "whose acceptance is decided (accepted, or still waiting after the deadline).")),
    (gettext_lazy("Resolution rate (解决率)"),
     gettext_lazy("Appeals the resident says are resolved ÷ appeals closed in the period with a rating.")),
    (gettext_lazy("Satisfaction rate (满意率)"),
     gettext_lazy("(Satisfied (满意) + basically satisfied (基本满意)) ÷ appeals closed in the period with a "
                  "rating. The composite score uses the weighted satisfaction, in which 基本满意 counts "
                  "%(basic)s.")),
    (gettext_lazy("On-time closure rate (按期办结率)"),
     gettext_lazy("Appeals closed with the reply given before the deadline ÷ appeals closed in the period.")),
    (gettext_lazy("Composite score (综合得分)"),
     gettext_lazy("%(response)s × 响应率 + %(resolution)s × 解决率 + %(satisfaction)s × weighted 满意率, out of "
                  "100; a rate with nothing to count in the period is left out and the other weights scaled up.")),
    (gettext_lazy("Who is counted"),
     gettext_lazy("Each appeal counts for the department or unit that holds it last: after a reassignment "
                  "(改派) or a pass-down (转办) the new holder's acceptance is measured. A unit's figures include "
                  "the units below it.")),
    (gettext_lazy("What a unit's row contains"),
     gettext_lazy("Every demand handled in the unit's area: by the unit itself, by the units below it and by "
                  "the departments of its government; a county's row includes its bureaus (区卫健局 …), which "
                  "are also ranked in the departments' table.")),
    (gettext_lazy("Minimum sample (样本不足)"),
     gettext_lazy("A row is ranked only when at least %(min_sample)s of its demands were dispatched, or closed, "
                  "in the period; below that it shows 样本不足 and takes no rank.")),
]


# --- periods -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the site's time zone."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        begin = timezone.make_aware(datetime.combine(self.start, time.min))
        stop = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))
        return begin, stop

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self == month_period(self.start.year, self.start.month)

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}" if self.is_month else ""

    def __str__(self):
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(start, following - timedelta(days=1))


def period_from_params(params, *, today: date | None = None) -> Period:
    """The period a request asks for: ``month=2026-03``, or ``from``/``to`` dates; this month so far
    by default. Raise BadInput with a message saying what is wrong."""
    today = today or timezone.localdate()
    month = (params.get("month") or "").strip()
    start_text, end_text = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    if month and not (start_text or end_text):
        try:
            year, number = (int(part) for part in month.split("-"))
            return month_period(year, number)
        except ValueError:
            raise BadInput(_("The month must look like 2026-03; got “%(value)s”.") % {"value": month}) from None
    try:
        start = date.fromisoformat(start_text) if start_text else today.replace(day=1)
        end = date.fromisoformat(end_text) if end_text else max(today, start)
    except ValueError:
        raise BadInput(_("Dates must look like 2026-03-31.")) from None
    if start > end:
        raise BadInput(_("The period starts (%(start)s) after it ends (%(end)s).") % {"start": start, "end": end})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise BadInput(_("A period may be at most three years long."))
    return Period(start, end)


# --- figures -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Weights:
    response: Fraction
    resolution: Fraction
    satisfaction: Fraction
    basic_value: Fraction
    # Fewer appeals than this in the period: shown, marked 样本不足, not ranked.
    min_sample: int = 1

    @classmethod
    def current(cls) -> "Weights":
        row = KpiSettings.current()
        # Through str: an unsaved row holds the float defaults (0.1), which Fraction would take literally.
        exact = [Fraction(Decimal(str(value))) for value in (row.response_weight, row.resolution_weight,
                                                             row.satisfaction_weight, row.basic_satisfied_value)]
        return cls(*exact, min_sample=max(int(row.min_sample), 1))

    def display(self) -> dict:
        return {name: _number(getattr(self, name)) for name in ("response", "resolution", "satisfaction",
                                                                 "basic_value")}


def weights_text(weights: Weights) -> str:
    return _("response rate (响应率) %(response)s, resolution rate (解决率) %(resolution)s, satisfaction rate "
             "(满意率) %(satisfaction)s; basically satisfied (基本满意) counts %(basic_value)s") % weights.display()


def definitions(weights: Weights) -> list[tuple[str, str]]:
    """The definitions with this deployment's weights filled in, as the page and the report show them."""
    values = weights.display()
    values["basic"] = values["basic_value"]
    values["min_sample"] = weights.min_sample
    return [(str(term), str(text) % values) for term, text in DEFINITIONS]


def _number(value: Fraction) -> str:
    return f"{float(value):g}"


COUNTS = ("dispatched", "accepted_on_time", "closed", "closed_on_time", "rated", "resolved", "satisfied", "basic")


@dataclass
class Figures:
    """The counts behind the rates, for one department or unit (or a total)."""

    dispatched: int = 0  # 响应率's denominator: dispatched in the period, acceptance decided
    accepted_on_time: int = 0
    closed: int = 0
    closed_on_time: int = 0
    rated: int = 0
    resolved: int = 0
    satisfied: int = 0
    basic: int = 0

    def add(self, other: "Figures | dict") -> None:
        for name in COUNTS:
            value = other[name] if isinstance(other, dict) else getattr(other, name)
            setattr(self, name, getattr(self, name) + (value or 0))

    @property
    def unsatisfied(self) -> int:
        return self.rated - self.satisfied - self.basic

    @property
    def empty(self) -> bool:
        return not (self.dispatched or self.closed)

    @property
    def sample(self) -> int:
        """How many appeals the rates rest on, for the minimum sample: the larger side."""
        return max(self.dispatched, self.closed)

    @property
    def closed_late(self) -> int:
        return self.closed - self.closed_on_time

    @property
    def response_rate(self) -> Fraction | None:
        return _ratio(self.accepted_on_time, self.dispatched)

    @property
    def resolution_rate(self) -> Fraction | None:
        return _ratio(self.resolved, self.rated)

    @property
    def satisfaction_rate(self) -> Fraction | None:
        return _ratio(self.satisfied + self.basic, self.rated)

    @property
    def on_time_rate(self) -> Fraction | None:
        return _ratio(self.closed_on_time, self.closed)

    def weighted_satisfaction(self, weights: Weights) -> Fraction | None:
        return _ratio(self.satisfied + weights.basic_value * self.basic, self.rated)

    def composite(self, weights: Weights) -> Fraction | None:
        """Out of 1; None when there is nothing to score."""
        parts = [(weights.response, self.response_rate), (weights.resolution, self.resolution_rate),
                 (weights.satisfaction, self.weighted_satisfaction(weights))]
        parts = [(weight, rate) for weight, rate in parts if rate is not None and weight]
        total = sum(weight for weight, _rate in parts)
        if not total:
            return None
        return sum(weight * rate for weight, rate in parts) / total


def _ratio(numerator, denominator) -> Fraction | None:
    return Fraction(numerator) / denominator if denominator else None


def _counted(queryset: QuerySet, counts: dict) -> list[dict]:
    return list(queryset.order_by().values("assigned_department", "assigned_unit").annotate(**counts))


def _holders_q(department_ids, unit_ids, *, department: str, unit: str) -> Q:
    if department_ids is None and unit_ids is None:
        return Q()  # everyone's: rows without a holder (returned, waiting) are left out below
    holders = (Q(**{f"{department}__isnull": False}) if department_ids is None
               else Q(**{f"{department}__in": list(department_ids)}))
    holders |= Q(**{f"{unit}__isnull": False}) if unit_ids is None else Q(**{f"{unit}__in": list(unit_ids)})
    return holders


def holder_figures(period: Period, *, department_ids=None, unit_ids=None, now: datetime | None = None,
                   use_summary: bool = True, plan: "kpi_rollup.Plan | None" = None,
                   ) -> tuple[dict[int, Figures], dict[int, Figures]]:
    """``({department id: Figures}, {unit id: Figures})`` for the appeals held by those departments and
    units (``None``: all of them) in ``period``.

    The days the daily summary covers (appeals.kpi_rollup) are summed from it; the other days are
    counted from the appeals in two GROUP BY queries, each a range scan of its own index
    (appeal_kpi_dispatch_idx, appeal_kpi_closed_idx) that holds every column it reads (they count
    the range column rather than the primary key for the same reason). Appeals still waiting for
    acceptance past their deadline are always counted live, through their own small index. With
    ``use_summary=False`` everything is counted live: the figures are the same either way."""
    now = now or timezone.now()
    start, stop = period.bounds
    if plan is None:
        plan = kpi_rollup.plan(period.start, period.end, use_summary=use_summary)
    holders = _holders_q(department_ids, unit_ids, department="assigned_department", unit="assigned_unit")
    rows: list[dict] = []

    if plan.summary is not None:
        summary_holders = _holders_q(department_ids, unit_ids, department="department", unit="unit")
        summed = (KpiDaySummary.objects.filter(plan.summary_q(), summary_holders).order_by()
                  .values("department", "unit")
                  .annotate(**{f"s_{name}": Sum(name) for name in kpi_rollup.FIELDS}))
        for row in summed:
            values = {name: row[f"s_{name}"] for name in kpi_rollup.FIELDS}
            values["dispatched"] = values.pop("accepted")
            rows.append({"assigned_department": row["department"], "assigned_unit": row["unit"], **values})

    # 响应率's denominator: accepted (on time or late), or still waiting after the deadline. The
    # waiting ones are counted live for the whole period: their status depends on ``now``.
    waiting = Appeal.objects.filter(holders, state=State.TO_ACCEPT, accepted_on_time__isnull=True,
                                    dispatched_at__gte=start, dispatched_at__lt=stop, accept_due_at__lt=now)
    rows += _counted(waiting, {"dispatched": Count("dispatched_at")})
    for first, last in plan.live:  # one index range scan per side and range
        begin, end = Period(first, last).bounds
        dispatched = Appeal.objects.filter(holders, dispatched_at__gte=begin, dispatched_at__lt=end)
        rows += _counted(dispatched, {
            "dispatched": Count("dispatched_at", filter=Q(accepted_on_time__isnull=False)),
            "accepted_on_time": Count("dispatched_at", filter=Q(accepted_on_time=True)),
        })
        closed = Appeal.objects.filter(holders, state=State.CLOSED, closed_at__gte=begin, closed_at__lt=end)
        rows += _counted(closed, kpi_rollup.closed_counts())
    by_department: dict[int, Figures] = defaultdict(Figures)
    by_unit: dict[int, Figures] = defaultdict(Figures)
    for row in rows:
        values = {name: row.get(name, 0) for name in COUNTS}
        if row["assigned_department"] is not None:
            by_department[row["assigned_department"]].add(values)
        elif row["assigned_unit"] is not None:
            by_unit[row["assigned_unit"]].add(values)
    return dict(by_department), dict(by_unit)


# --- scope ---------------------------------------------------------------------------------------

def kpi_departments(user) -> QuerySet[Department]:
    return departments_visible_to(user, roles=KPI_ROLES).filter(is_active=True)


def kpi_unit_paths(user) -> tuple[str, ...] | None:
    """The subtrees whose units the user may rank; None means all of them. Someone whose KPI role is
    held in a department ranks departments only."""
    scope = scope_for(user, roles=KPI_ROLES)
    return None if scope.everything else scope.unit_paths


def reaches_everything(user) -> bool:
    """A superuser, or someone holding a KPI role in every top unit (the city): then the queries
    need no filter by holder, which on a year of a million appeals is a good part of their time."""
    scope = scope_for(user, roles=KPI_ROLES)
    if scope.everything:
        return True
    roots = set(Unit.objects.filter(parent__isnull=True).values_list("path", flat=True))
    return bool(roots) and roots <= set(scope.unit_paths)


def _paths_q(paths, lookup: str) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def default_level(user) -> str:
    """One level below the highest unit the user reaches: a city leader ranks counties, a county's
    ranks townships."""
    paths = kpi_unit_paths(user)
    if paths is None:
        return Level.COUNTY
    top = min((path.count("/") for path in paths), default=2)
    return UNIT_LEVELS[min(max(top - 1, 0), len(UNIT_LEVELS) - 1)]


# --- the report ----------------------------------------------------------------------------------

@dataclass
class Row:
    subject: Department | Unit | None  # None for a total
    figures: Figures
    score: Fraction | None = None
    rank: int | None = None
    label: str = ""
    # Scored, but on fewer appeals than the minimum sample: shown as 样本不足, not ranked.
    too_few: bool = False
    # A unit's row: how many departments' appeals it includes (its own and those of the units below).
    departments_included: int = 0

    @property
    def name(self) -> str:
        return self.label or self.subject.name

    @property
    def parent_name(self) -> str:
        if self.subject is None:
            return ""
        parent = self.subject.unit if isinstance(self.subject, Department) else self.subject.parent
        return parent.name if parent else ""


@dataclass
class Report:
    period: Period
    weights: Weights
    level: str
    departments: list[Row] = field(default_factory=list)
    units: list[Row] = field(default_factory=list)
    department_total: Row | None = None
    unit_total: Row | None = None
    show_units: bool = True
    # Days up to this one are summed from the daily summary (appeals.kpi_rollup); None: all live.
    summary_until: date | None = None
    summary_refreshed_at: datetime | None = None
    # Every appeal held in the viewer's scope (departments and units), for the headline and the trend.
    scope_total: Figures = field(default_factory=Figures)
    # Whom the figures were counted for (None: everyone), so the trend counts the same holders.
    department_ids: list[int] | None = None
    unit_ids: list[int] | None = None


def _ranked(rows: list[Row], weights: Weights) -> list[Row]:
    """Best composite first; equal scores share a rank. Rows scored on fewer appeals than the minimum
    sample follow, unranked (样本不足), in the order of the tree; rows with nothing to score come last."""
    for row in rows:
        row.score = row.figures.composite(weights)
        row.too_few = row.score is not None and row.figures.sample < weights.min_sample

    def order(row):
        place = (getattr(row.subject, "path", "") or getattr(getattr(row.subject, "unit", None), "path", ""),
                 row.subject.name)
        if row.score is None:
            return (2, 0, *place)
        if row.too_few:
            return (1, 0, *place)
        return (0, -row.score, *place)

    rows.sort(key=order)
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.score is None or row.too_few:
            break
        if row.score != previous:
            rank, previous = position, row.score
        row.rank = rank
    return rows


def kpi_report(*, user, period: Period, level: str | None = None, now: datetime | None = None,
               use_summary: bool = True) -> Report:
    """The KPI page's figures for ``user``: the departments and units in their scope only. The same
    figures with ``use_summary=False`` (everything counted from the appeals), only slower."""
    weights = Weights.current()
    level = level if level in UNIT_LEVELS else default_level(user)
    report = Report(period=period, weights=weights, level=level)
    everything = reaches_everything(user)

    departments = list(kpi_departments(user).select_related("unit"))
    paths = kpi_unit_paths(user)
    report.show_units = paths is None or bool(paths)
    units = []
    if report.show_units:
        units = Unit.objects.filter(is_active=True).exclude(level=Level.GRID).select_related("parent")
        if paths is not None:
            units = units.filter(_paths_q(paths, "path"))
        units = list(units)
    plan = kpi_rollup.plan(period.start, period.end, use_summary=use_summary)
    if plan.summary is not None:
        report.summary_until, report.summary_refreshed_at = plan.summary[1], plan.refreshed_at
    report.department_ids = None if everything else [d.pk for d in departments]
    report.unit_ids = None if everything else [u.pk for u in units]
    by_department, by_unit = holder_figures(period, department_ids=report.department_ids,
                                            unit_ids=report.unit_ids, now=now, plan=plan)
    report.scope_total = _sum(list(by_department.values()) + list(by_unit.values()))

    report.departments = _ranked([Row(d, by_department.get(d.pk, Figures())) for d in departments], weights)
    report.department_total = _total(report.departments, weights)
    if report.show_units:
        by_pk = {unit.pk: unit for unit in units}
        rolled, total, departments_under = _rolled_up(by_department, by_unit, by_pk,
                                                      {d.pk: d for d in departments})
        rows = [Row(unit, rolled.get(unit.code, Figures()), departments_included=departments_under[unit.code])
                for unit in units if unit.level == level]
        report.units = _ranked(rows, weights)
        report.unit_total = Row(None, total, total.composite(weights),
                                label=_("Everything in scope (units and departments)"))
    return report


def _rolled_up(by_department: dict[int, Figures], by_unit: dict[int, Figures], units: dict[int, Unit],
               departments: dict[int, Department]) -> tuple[dict[str, Figures], Figures, dict[str, int]]:
    """Each unit's figures by code, with those of the units below it and of every department of those
    units (a county's bureaus count in the county's row); the total of them all; and how many of the
    viewer's departments each unit's row includes."""
    rolled: dict[str, Figures] = defaultdict(Figures)
    counted: dict[str, int] = defaultdict(int)
    total = Figures()
    for unit_pk, figures in by_unit.items():
        unit = units.get(unit_pk)
        if unit is None:  # held by a unit outside the list (inactive, or a superuser's stray grid)
            unit = Unit.objects.get(pk=unit_pk)
        for code in unit.ancestors_and_self_codes():
            rolled[code].add(figures)
        total.add(figures)
    for department_pk, figures in by_department.items():
        department = departments.get(department_pk)
        if department is None:  # an inactive department's appeals still count where they were handled
            department = Department.objects.select_related("unit").get(pk=department_pk)
        for code in department.unit.ancestors_and_self_codes():
            rolled[code].add(figures)
        total.add(figures)
    for department in departments.values():
        for code in department.unit.ancestors_and_self_codes():
            counted[code] += 1
    return rolled, total, counted


def _sum(figures: list[Figures]) -> Figures:
    total = Figures()
    for one in figures:
        total.add(one)
    return total


# --- headline and trend ----------------------------------------------------------------------------

@dataclass
class Headline:
    """The four numbers a leader reads first, for the period and the viewer's scope."""

    received: int  # appeals received (recorded) in the period, in the viewer's scope
    figures: Figures  # every appeal held in scope: closed, closed late, rated, satisfied …
    overdue_now: int  # with a handler and past the deadline at this moment


@dataclass
class MonthPoint:
    period: Period
    received: int
    figures: Figures


def _received(user, first: date, last: date, *, by_month: bool = False, plan=None, use_summary: bool = True):
    """Appeals recorded on the days ``first``–``last`` that the viewer may see: a count, or {first day of
    month: count}. Summarised days sum ``ReceivedDaySummary`` under the viewer's scope filter (it reads
    the same three columns as on the appeal); the rest, and what the viewer recorded outside their
    scope, are counted from the appeals."""
    scope, own = visibility(user)
    plan = plan or kpi_rollup.plan(first, last, use_summary=use_summary)
    zone = timezone.get_current_timezone()
    counts: dict[date, int] = defaultdict(int)

    def bucket(day: date) -> date:
        return day.replace(day=1) if by_month else first

    def live(q: Q, ranges):
        for start, end in ranges:
            rows = (Appeal.objects.filter(q, created_at__gte=kpi_rollup.day_start(start),
                                          created_at__lt=kpi_rollup.day_start(end + timedelta(days=1)))
                    .order_by().annotate(month=TruncMonth("created_at", tzinfo=zone)).values("month")
                    .annotate(n=Count("pk")))
            for row in rows:
                counts[bucket(_as_date(row["month"]))] += row["n"]

    visible = [q for q in (scope, own) if q is not None]
    if visible:
        live(visible[0] | visible[1] if len(visible) == 2 else visible[0], plan.live)
    if plan.summary is not None:
        if scope is not None:
            summed = ReceivedDaySummary.objects.filter(plan.summary_q()).order_by()
            if scope != Q():  # the scope filter runs over the few thousand keys, not the summary's rows
                summed = summed.filter(key__in=ReceivedKey.objects.filter(scope).values("pk"))
            for row in summed.values("day").annotate(n=Sum("received")):
                counts[bucket(row["day"])] += row["n"]
        if own is not None:  # what the viewer recorded outside their scope (a grid worker's, say)
            outside = own & ~scope if scope is not None else own
            live(outside, kpi_rollup.day_ranges(_days_of(plan)))
    return dict(counts) if by_month else counts.get(first, 0)


def _days_of(plan) -> list[date]:
    first, last = plan.summary
    return [first + timedelta(days=n) for n in range((last - first).days + 1)
            if first + timedelta(days=n) not in plan.summary_excluded]


def _as_date(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def kpi_headline(*, user, report: Report, now: datetime | None = None, use_summary: bool = True) -> Headline:
    now = now or timezone.now()
    overdue = appeals_visible_to(user).filter(overdue_q(now)).order_by().count()
    received = _received(user, report.period.start, report.period.end, use_summary=use_summary)
    return Headline(received=received, figures=report.scope_total, overdue_now=overdue)


def kpi_trend(*, user, report: Report, months: int = 12, now: datetime | None = None,
              use_summary: bool = True) -> list[MonthPoint]:
    """The ``months`` calendar months up to the one the report's period ends in, oldest first, with
    the figures of the holders the report counted: the same numbers as the page for each month."""
    now = now or timezone.now()
    last = report.period.end
    year, month = last.year, last.month
    periods = []
    for _step in range(months):
        periods.append(month_period(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    periods.reverse()
    # One plan for the whole span (it looks up the appeals changed since the rollup once), and each query
    # grouped by month: two or three queries for the twelve months instead of two or three each.
    whole = kpi_rollup.plan(periods[0].start, periods[-1].end, use_summary=use_summary)
    received = _received(user, periods[0].start, periods[-1].end, by_month=True, plan=whole)
    figures = _monthly_totals(whole, department_ids=report.department_ids, unit_ids=report.unit_ids, now=now,
                              span=(periods[0].bounds[0], periods[-1].bounds[1]))
    return [MonthPoint(period, received.get(period.start, 0), figures.get(period.start, Figures()))
            for period in periods]


def _monthly_totals(plan, *, department_ids, unit_ids, now: datetime, span) -> dict[date, Figures]:
    """{first day of month: Figures summed over every holder} for the plan's days: the same counts as
    ``holder_figures`` for each month added up (rows without a holder are left out there, and here)."""
    zone = timezone.get_current_timezone()
    start, stop = span
    totals: dict[date, Figures] = defaultdict(Figures)

    def add(rows, rename=None):
        for row in rows:
            values = {name: row.get(name, 0) for name in COUNTS}
            if rename:
                values[rename[1]] = row.get(rename[0], 0)
            totals[_as_date(row["month"])].add(values)

    if plan.summary is not None:
        holders = _holders_q(department_ids, unit_ids, department="department", unit="unit")
        summed = (KpiDaySummary.objects.filter(plan.summary_q(), holders)
                  .filter(Q(department__isnull=False) | Q(unit__isnull=False)).order_by()
                  .annotate(month=TruncMonth("day")).values("month")
                  .annotate(**{name: Sum(name) for name in kpi_rollup.FIELDS}))
        add(summed, rename=("accepted", "dispatched"))
    holders = _holders_q(department_ids, unit_ids, department="assigned_department", unit="assigned_unit")
    holders &= Q(assigned_department__isnull=False) | Q(assigned_unit__isnull=False)

    def by_month(queryset, column, counts):
        return (queryset.order_by().annotate(month=TruncMonth(column, tzinfo=zone)).values("month")
                .annotate(**counts))

    waiting = Appeal.objects.filter(holders, state=State.TO_ACCEPT, accepted_on_time__isnull=True,
                                    dispatched_at__gte=start, dispatched_at__lt=stop, accept_due_at__lt=now)
    add(by_month(waiting, "dispatched_at", {"dispatched": Count("dispatched_at")}))
    for first, last in plan.live:
        begin, end = Period(first, last).bounds
        add(by_month(Appeal.objects.filter(holders, dispatched_at__gte=begin, dispatched_at__lt=end), "dispatched_at", {
            "dispatched": Count("dispatched_at", filter=Q(accepted_on_time__isnull=False)),
            "accepted_on_time": Count("dispatched_at", filter=Q(accepted_on_time=True)),
        }))
        closed = Appeal.objects.filter(holders, state=State.CLOSED, closed_at__gte=begin, closed_at__lt=end)
        add(by_month(closed, "closed_at", kpi_rollup.closed_counts()))
    return dict(totals)


def _total(rows: list[Row], weights: Weights) -> Row:
    total = Figures()
    for row in rows:
        total.add(row.figures)
    return Row(None, total, total.composite(weights), label=_("All departments in scope"))


# --- export --------------------------------------------------------------------------------------

def percent(value: Fraction | None) -> float | None:
    """A rate as a percentage rounded to two places, for people; None stays None."""
    return None if value is None else round(float(value) * 100, 2)


def _columns(subject_label: str, parent_label: str) -> list[tuple[str, int]]:
    return [
        (_("Rank"), 6), (subject_label, 28), (parent_label, 16),
        (_("Dispatched (acceptance decided)"), 12), (_("Accepted on time"), 12), (_("Response rate (响应率) %"), 12),
        (_("Closed"), 10), (_("Closed on time"), 10), (_("On-time closure rate %"), 12),
        (_("Rated"), 10), (_("Resolved"), 10), (_("Satisfied (满意)"), 10), (_("Basically satisfied (基本满意)"), 12),
        (_("Unsatisfied (不满意)"), 10), (_("Resolution rate (解决率) %"), 12), (_("Satisfaction rate (满意率) %"), 12),
        (_("Weighted satisfaction %"), 12), (_("Composite score"), 10),
    ]


def _line(row: Row, weights: Weights, *, rank=None) -> list:
    f = row.figures
    if rank is None:
        rank = _("Too few to rank (样本不足)") if row.too_few else row.rank
    return [
        rank, row.name, row.parent_name,
        f.dispatched, f.accepted_on_time, percent(f.response_rate),
        f.closed, f.closed_on_time, percent(f.on_time_rate),
        f.rated, f.resolved, f.satisfied, f.basic, f.unsatisfied,
        percent(f.resolution_rate), percent(f.satisfaction_rate), percent(f.weighted_satisfaction(weights)),
        percent(row.score),
    ]


def report_xlsx(report: Report) -> bytes:
    """The monthly (or any period's) report: the definitions and weights, then one ranked sheet for
    departments and one for units."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    about = workbook.active
    about.title = _("Definitions")[:31]
    bold = Font(bold=True)
    about.append([_("Appeal KPIs (三率) report"), str(report.period)])
    about["A1"].font = bold
    about.append([_("Weights"), weights_text(report.weights)])
    about.append([])
    for term, text in definitions(report.weights):
        about.append([term, text])
        about.cell(row=about.max_row, column=1).font = bold
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 110

    fill = PatternFill("solid", fgColor="DDE7F0")
    sheets = [(_("Departments"), _("Department"), _("Unit"), report.departments, report.department_total)]
    if report.show_units:
        sheets.append((_("Units"), _("Unit"), _("Parent unit"), report.units, report.unit_total))
    for title, subject_label, parent_label, rows, total in sheets:
        sheet = workbook.create_sheet(title[:31])
        columns = _columns(subject_label, parent_label)
        for index, (label, width) in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=label)
            cell.font, cell.fill = bold, fill
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "C2"
        for row in rows:
            sheet.append(_line(row, report.weights))
        if total is not None:
            sheet.append(_line(total, report.weights, rank=_("Total")))
            for cell in sheet[sheet.max_row]:
                cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
