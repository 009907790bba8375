"""Reads of targets, limited to what the viewer may see, and the leader's dashboard: one unit's 民生实事
list with progress and a section per group of registered indicators (demands, care, and whatever the
feature apps register), with the units one level down to drill into. The monthly report reads the
same ``dashboard()``, so its figures are the dashboard's."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from appeals.kpis import Period, month_period
from orgs.models import Level, Unit
from orgs.selectors import scope_for, units_visible_to
from targets import catalogue, registry, snapshots
from targets.models import (
    IndicatorReport,
    IndicatorSnapshot,
    ProgressPoint,
    ReportState,
    RunningFigure,
    Status,
    Target,
)
from targets.permissions import VIEW_ROLES
from targets.registry import Indicator, Value

TREND_MONTHS = snapshots.TREND_MONTHS


def top_unit_for(user) -> Unit | None:
    """The highest unit ``user`` may open the dashboard of: the city for its leaders (and superusers)."""
    scope = scope_for(user, roles=VIEW_ROLES)
    if scope.everything:
        return Unit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    paths = sorted(scope.unit_paths, key=lambda p: (p.count("/"), p))
    return Unit.objects.filter(path=paths[0]).first() if paths else None


def targets_visible_to(user) -> QuerySet[Target]:
    scope = scope_for(user, roles=VIEW_ROLES)
    qs = Target.objects.select_related("owner_unit", "owner_department")
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(owner_unit__path__startswith=path)
    return qs.filter(q)


def public_targets(unit: Unit, year: int) -> QuerySet[Target]:
    return (
        Target.objects.filter(is_public=True, year=year, owner_unit__path__startswith=unit.path)
        .select_related("owner_unit", "owner_department")
        .order_by("owner_unit__path", "order", "pk")
    )


def share_done(target: Target, value) -> int | None:
    """How far from the baseline to the target value ``value`` is, in whole per cent (0–100)."""
    if value is None or target.target_value == target.baseline:
        return None
    share = (Decimal(value) - target.baseline) / (target.target_value - target.baseline) * 100
    return int(max(Decimal(0), min(Decimal(100), share)))


def reports_for(user) -> QuerySet[IndicatorReport]:
    """The reported figures of the units ``user`` reaches (any role), newest month first."""
    qs = IndicatorReport.objects.select_related("indicator", "unit__parent", "reported_by", "reviewed_by")
    if getattr(user, "is_superuser", False):
        return qs
    units = units_visible_to(user)
    parents = Unit.objects.filter(children__in=units)
    return qs.filter(Q(unit__in=units) | Q(unit__parent__in=parents) | Q(reported_by=user)).distinct()


def waiting_review(user) -> list[IndicatorReport]:
    from targets.permissions import may_review

    return [r for r in reports_for(user).filter(state=ReportState.SUBMITTED) if may_review(user, r)]


# --- figures per month: kept rows (targets.snapshots) where they are, else computed ---------------------


def _month_of(day: date) -> Period:
    return month_period(day.year, day.month)


def _kept_or_computed(indicator: Indicator, units: list[Unit], period: Period, kept: dict) -> dict[int, Value]:
    found = {unit.pk: kept.get((indicator.code, unit.pk)) for unit in units}
    if not indicator.reported and all(found.values()):
        return {pk: snapshots.value_of_row(row) for pk, row in found.items()}
    return indicator.values(units, period)


def figures(
    indicators: list[Indicator], units: list[Unit], period: Period, *, today: date | None = None
) -> dict[str, dict[int, Value]]:
    """{indicator code: {unit pk: Value}} for a month: a past month from its snapshots, the month
    running from the figures the refresh keeps every few minutes (``RunningFigure``), each read in one
    query; what is not kept is computed. Reported indicators are always computed (one query for all)."""
    return figures_with_age(indicators, units, period, today=today)[0]


def figures_with_age(indicators, units, period: Period, *, today: date | None = None):
    """``figures()``, with the moment the month running's kept figures were computed (None: live or a
    past month) and those rows (for their breakdowns)."""
    today = today or timezone.localdate()
    codes = [i.code for i in indicators if not i.reported]
    kept, as_of = {}, None
    if codes and period.end < today.replace(day=1):
        for row in IndicatorSnapshot.objects.filter(code__in=codes, month=period.start, unit__in=units):
            kept[(row.code, row.unit_id)] = row
    elif codes and period.start == today.replace(day=1):
        kept = snapshots.running_figures(codes, units, period)
    out = {i.code: _kept_or_computed(i, units, period, kept) for i in indicators}
    used = [
        row.computed_at
        for (code, _pk), row in kept.items()
        if isinstance(row, RunningFigure) and all((code, u.pk) in kept for u in units)
    ]
    if used:
        as_of = min(used)
    return out, as_of, kept


def history(indicators: list[Indicator], unit: Unit, periods: list[Period]) -> dict[date, dict[str, Value]]:
    """{month start: {code: Value}} of ``unit`` over past ``periods``: the snapshots in one query, the
    months missing computed."""
    codes = [i.code for i in indicators]
    kept: dict[date, dict] = {p.start: {} for p in periods}
    if codes and periods:
        rows = IndicatorSnapshot.objects.filter(code__in=codes, unit=unit, month__in=[p.start for p in periods])
        for row in rows:
            kept[row.month][(row.code, row.unit_id)] = row
    return {
        p.start: {i.code: _kept_or_computed(i, [unit], p, kept[p.start])[unit.pk] for i in indicators} for p in periods
    }


def snapshot_units() -> list[Unit]:
    return snapshots.snapshot_units()


def snapshots_refresh(*, today: date | None = None, months: int = TREND_MONTHS, full: bool = False) -> int:
    """Keep each registered indicator's past months (targets.snapshots)."""
    return snapshots.snapshots_refresh(today=today, months=months, full=full)


# --- the dashboard ----------------------------------------------------------------------------------


@dataclass
class Line:
    indicator: Indicator
    value: Value
    children: list[tuple[Unit, Value]] = field(default_factory=list)
    trend: list[tuple[str, Value]] = field(default_factory=list)
    breakdown: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Section:
    key: str
    label: str
    lines: list[Line]


@dataclass
class TargetLine:
    target: Target
    value: Decimal | None
    status: str
    reason: str
    as_of: date | None
    share: int | None
    unit_of_measure: str = ""

    @property
    def status_label(self) -> str:
        return Status(self.status).label if self.status in Status.values else ""


@dataclass
class Dashboard:
    unit: Unit
    period: Period
    trail: list[Unit]
    children: list[Unit]
    targets: list[TargetLine]
    sections: list[Section]
    # When the month running's figures were computed by the refresh; None when counted as the page opened.
    figures_as_of: object = None

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        counts = {}
        for line in self.targets:
            counts[line.status] = counts.get(line.status, 0) + 1
        return [(s.value, s.label, counts.get(s.value, 0)) for s in Status]


def trail_for(user, unit: Unit) -> list[Unit]:
    """The units from the highest the viewer reaches down to ``unit``, for the breadcrumb."""
    from targets.permissions import may_see_unit

    codes = unit.ancestors_and_self_codes()
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    return [units[c] for c in codes if c in units and may_see_unit(user, units[c])]


def dashboard_targets(unit: Unit, period: Period) -> list[TargetLine]:
    """The targets owned by ``unit`` and the units below it for the period's year, with the progress of
    the period's month (the latest point in it). Three queries however many targets."""
    targets = list(
        Target.objects.filter(year=period.start.year, owner_unit__path__startswith=unit.path)
        .select_related("owner_unit", "owner_department")
        .order_by("owner_unit__path", "order", "pk")
    )
    points = {}
    for point in ProgressPoint.objects.filter(target__in=targets, on__lte=period.end).order_by("target_id", "on"):
        points[point.target_id] = point  # the last one up to the period's end
    indicators = catalogue.indicators_by_code({t.indicator_code for t in targets})
    lines = []
    for target in targets:
        point = points.get(target.pk)
        indicator = indicators.get(target.indicator_code)
        lines.append(
            TargetLine(
                target,
                point.value if point else None,
                point.status if point else Status.NO_DATA,
                point.reason if point else "",
                point.on if point else None,
                share_done(target, point.value if point else None),
                str(indicator.unit_of_measure) if indicator else "",
            )
        )
    return lines


def dashboard(user, unit: Unit, period: Period, *, today: date | None = None, trend: bool = True) -> Dashboard:
    """The dashboard of ``unit`` for ``period`` (a month). The caller checks may_see_unit. Its figures are
    read from what the refresh keeps (the month running's figures, the past months' snapshots, the
    targets' progress points): a fixed number of queries, however many units, targets and indicators."""
    today = today or timezone.localdate()
    children = list(Unit.objects.filter(parent=unit, is_active=True).exclude(level=Level.GRID).order_by("path"))
    units = [unit, *children]
    trend_periods = snapshots.months_before(period.start, TREND_MONTHS - 1) if trend else []
    grouped = catalogue.sections()
    everything = [indicator for _key, _label, indicators in grouped for indicator in indicators]
    with registry.batch():
        now, as_of, kept = figures_with_age(everything, units, period, today=today)
        past = history([i for i in everything if i.historical and not i.reported], unit, trend_periods)
        sections = []
        for key, label, indicators in grouped:
            lines = []
            for indicator in indicators:
                values = now[indicator.code]
                line = Line(indicator, values[unit.pk], [(child, values[child.pk]) for child in children])
                if trend and indicator.historical and not indicator.reported:
                    line.trend = [(f"{p.start:%Y-%m}", past[p.start][indicator.code]) for p in trend_periods] + [
                        (f"{period.start:%Y-%m}", values[unit.pk])
                    ]
                if indicator.breakdown is not None:
                    row = kept.get((indicator.code, unit.pk))
                    if isinstance(row, RunningFigure) and row.breakdown is not None:
                        line.breakdown = [(label, n) for label, n in row.breakdown]
                    else:
                        line.breakdown = indicator.breakdown(unit, period)
                lines.append(line)
            sections.append(Section(key, label, lines))
    return Dashboard(
        unit=unit,
        period=period,
        trail=trail_for(user, unit),
        children=children,
        targets=dashboard_targets(unit, period),
        sections=sections,
        figures_as_of=as_of,
    )


# --- for the feature apps: a target their work is part of --------------------------------------------


def targets_reaching(user, unit: Unit, *, year: int | None = None) -> QuerySet[Target]:
    """The targets of ``year`` (this year by default) that reach ``unit`` — owned by it or a unit above
    it, and covering it (no units named, or a unit on its path named) — that ``user`` may see: those on
    the public list and those of their own scope. What a feature app offers to tie its work to
    (deliberation's council tasks)."""
    year = year or timezone.localdate().year
    codes = unit.ancestors_and_self_codes()
    covering = Q(covered_units__isnull=True) | Q(covered_units__code__in=codes)
    visible = Q(is_public=True) | Q(pk__in=targets_visible_to(user).values("pk"))
    ids = Target.objects.filter(covering, visible, year=year, owner_unit__code__in=codes).values("pk")
    return (
        Target.objects.filter(pk__in=ids)
        .select_related("owner_unit", "owner_department")
        .order_by("owner_unit__path", "order", "pk")
    )


@dataclass
class Progress:
    """How far a target has come, as the latest progress refresh left it on the row."""

    share: int | None
    value: Decimal | None
    target_value: Decimal
    status: str
    reason: str
    as_of: date | None

    @property
    def status_label(self) -> str:
        return Status(self.status).label if self.status in Status.values else Status.NO_DATA.label

    @property
    def achieved(self) -> bool:
        return self.status == Status.DONE


def target_progress(target: Target) -> Progress:
    """A target's progress read from its row, without a query: for a page that shows it beside a feature
    app's own work. The nightly refresh (targets.progress) keeps the row current."""
    return Progress(
        share=share_done(target, target.current_value),
        value=target.current_value,
        target_value=target.target_value,
        status=target.current_status or Status.NO_DATA,
        reason=target.current_reason,
        as_of=target.current_as_of,
    )
