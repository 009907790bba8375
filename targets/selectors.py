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
from targets import catalogue, registry
from targets.models import IndicatorReport, IndicatorSnapshot, ProgressPoint, ReportState, Status, Target
from targets.permissions import VIEW_ROLES
from targets.registry import Indicator, Value

TREND_MONTHS = 12


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


# --- figures per month: snapshots for past months, live for the month running -----------------------


def _month_of(day: date) -> Period:
    return month_period(day.year, day.month)


def figures(
    indicators: list[Indicator], units: list[Unit], period: Period, *, today: date | None = None
) -> dict[str, dict[int, Value]]:
    """{indicator code: {unit pk: Value}} for a month: from the snapshots when every one is there (a past
    month the nightly refresh kept), else computed."""
    today = today or timezone.localdate()
    out: dict[str, dict[int, Value]] = {}
    stored = {}
    if period.end < today.replace(day=1):
        for row in IndicatorSnapshot.objects.filter(
            code__in=[i.code for i in indicators], month=period.start, unit__in=units
        ):
            stored[(row.code, row.unit_id)] = row
    for indicator in indicators:
        found = {unit.pk: stored.get((indicator.code, unit.pk)) for unit in units}
        if not indicator.reported and all(found.values()):
            out[indicator.code] = {pk: _value(row) for pk, row in found.items()}
        else:
            out[indicator.code] = indicator.values(units, period)
    return out


def _value(row: IndicatorSnapshot) -> Value:
    if row.is_rate:
        return Value(numerator=row.numerator, denominator=row.denominator)
    return Value(row.amount)


def snapshot_units() -> QuerySet[Unit]:
    """The units whose months are kept: down to townships (villages are counted live when opened)."""
    return Unit.objects.filter(is_active=True, level__in=[Level.CITY, Level.COUNTY, Level.TOWNSHIP])


def snapshots_refresh(*, today: date | None = None, months: int = TREND_MONTHS, full: bool = False) -> int:
    """Keep each registered indicator's past months for the snapshot units: the months missing, and last
    month again (demands closed since change its rates). Returns the rows written."""
    today = today or timezone.localdate()
    units = list(snapshot_units())
    written = 0
    periods = []
    year, month = today.year, today.month
    for _step in range(months):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        periods.append(month_period(year, month))
    last_month = periods[0].start
    with registry.batch():
        for indicator in registry.registered():
            if not indicator.historical:
                continue
            have = set(IndicatorSnapshot.objects.filter(code=indicator.code).values_list("month", flat=True).distinct())
            for period in periods:
                if period.start in have and period.start != last_month and not full:
                    continue
                values = indicator.values(units, period)
                IndicatorSnapshot.objects.filter(code=indicator.code, month=period.start).delete()
                IndicatorSnapshot.objects.bulk_create(
                    [
                        IndicatorSnapshot(
                            code=indicator.code,
                            unit_id=pk,
                            month=period.start,
                            amount=v.amount,
                            numerator=v.numerator,
                            denominator=v.denominator,
                            is_rate=v.is_rate,
                        )
                        for pk, v in values.items()
                    ]
                )
                written += len(values)
    return written


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
    the period's month (the latest point in it)."""
    targets = list(
        Target.objects.filter(year=period.start.year, owner_unit__path__startswith=unit.path)
        .select_related("owner_unit", "owner_department")
        .order_by("owner_unit__path", "order", "pk")
    )
    points = {}
    for point in ProgressPoint.objects.filter(target__in=targets, on__lte=period.end).order_by("target_id", "on"):
        points[point.target_id] = point  # the last one up to the period's end
    lines = []
    for target in targets:
        point = points.get(target.pk)
        indicator = catalogue.indicator_for(target.indicator_code)
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
    """The dashboard of ``unit`` for ``period`` (a month). The caller checks may_see_unit."""
    today = today or timezone.localdate()
    children = list(Unit.objects.filter(parent=unit, is_active=True).exclude(level=Level.GRID).order_by("path"))
    units = [unit, *children]
    sections = []
    trend_periods = []
    if trend:
        year, month = period.start.year, period.start.month
        for _step in range(TREND_MONTHS):
            trend_periods.append(month_period(year, month))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        trend_periods.reverse()
    with registry.batch():
        for key, label, indicators in catalogue.sections():
            now = figures(indicators, units, period, today=today)
            history = {
                p.start: figures([i for i in indicators if i.historical and not i.reported], [unit], p, today=today)
                for p in trend_periods[:-1]
            }
            lines = []
            for indicator in indicators:
                values = now[indicator.code]
                line = Line(indicator, values[unit.pk], [(child, values[child.pk]) for child in children])
                if trend and indicator.historical and not indicator.reported:
                    line.trend = [
                        (f"{p.start:%Y-%m}", history[p.start][indicator.code][unit.pk]) for p in trend_periods[:-1]
                    ] + [(f"{period.start:%Y-%m}", values[unit.pk])]
                if indicator.breakdown is not None:
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
