"""A target's progress: its value at each month's end (today for the month running) against the path
it should follow — baseline on 1 January, through its milestones, to the target value on 31 December —
and the status that follows, with the reason when it is not on track.

``progress_refresh`` is incremental: it computes the months with no point yet, the month running, and
months whose inputs changed since they were computed (the target edited, a reported figure approved
or amended); ``full=True`` recomputes everything. ``manage.py targets_refresh`` runs it nightly
(settings.SCHEDULE) and the target page on demand."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.kpis import Period, month_period
from targets import catalogue, registry
from targets.models import IndicatorReport, ProgressPoint, Status, Target
from targets.registry import Direction, Value, add_values
from targets.snapshots import stored_months

# How far (as a share of the whole way from baseline to target) a value may trail the expected path.
AT_RISK_GAP = Decimal("0.05")
BEHIND_GAP = Decimal("0.15")
Q2 = Decimal("0.01")


def path_points(target: Target) -> list[tuple[date, Decimal]]:
    points = [(date(target.year, 1, 1), target.baseline)]
    points += [(m.due_on, m.value) for m in target.milestones.all()]
    points.append((date(target.year, 12, 31), target.target_value))
    return sorted(points)


def expected_on(target: Target, day: date) -> Decimal:
    """The value the path asks for on ``day``: linear between the points around it."""
    points = path_points(target)
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if day <= d1:
            span = (d1 - d0).days or 1
            return (v0 + (v1 - v0) * Decimal((day - d0).days) / span).quantize(Q2)
    return points[-1][1]


@dataclass
class Judgement:
    status: str
    reason: str


def judge(target: Target, value: Decimal | None, expected: Decimal, day: date, unit_of_measure="") -> Judgement:
    if value is None:
        return Judgement(Status.NO_DATA, _("No figure for %(day)s yet.") % {"day": day})
    rising = target.direction == Direction.RISE
    if (value >= target.target_value) if rising else (value <= target.target_value):
        return Judgement(Status.DONE, "")
    span = target.target_value - target.baseline
    gap = (expected - value) / span if span else Decimal(0)
    if gap <= AT_RISK_GAP:
        return Judgement(Status.ON_TRACK, "")
    values = {
        "day": day,
        "value": _plain(value),
        "expected": _plain(expected),
        "unit": unit_of_measure,
        "short": _plain(abs(expected - value)),
        "share": f"{gap * 100:.0f}",
    }
    reason = (
        _(
            "On %(day)s it stood at %(value)s%(unit)s; the plan asks for %(expected)s%(unit)s by then: "
            "%(short)s%(unit)s short, %(share)s%% of the way behind."
        )
        % values
    )
    return Judgement(Status.AT_RISK if gap <= BEHIND_GAP else Status.BEHIND, reason)


def _plain(number: Decimal) -> str:
    text = f"{Decimal(number).quantize(Q2):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def measured_units(target: Target) -> list:
    return list(target.covered_units.all()) or [target.owner_unit]


def value_of(target: Target, day: date, indicator=None) -> Value:
    """The target's figure from 1 January of its year to ``day``, over the units it covers."""
    indicator = indicator or catalogue.indicator_for(target.indicator_code)
    if indicator is None:
        return Value(None)
    units = measured_units(target)
    period = Period(date(target.year, 1, 1), day)
    values = indicator.values(units, period)
    return values[units[0].pk] if len(units) == 1 else add_values(values.values())


def month_ends(year: int, today: date) -> list[date]:
    """The days a target of ``year`` is measured on: each month's last day, and today in the month running."""
    days = []
    for month in range(1, 13):
        period = month_period(year, month)
        if period.start > today:
            break
        days.append(min(period.end, today))
    return days


def _stale_since(target: Target, reported_changed: dict[str, object] | None = None):
    """When the target's inputs last changed: the target itself, or an approved figure it reads."""
    moments = [target.updated_at]
    if target.indicator_code.startswith("reported."):
        code = target.indicator_code.removeprefix("reported.")
        if reported_changed is not None:
            latest = reported_changed.get(code)
        else:
            latest = IndicatorReport.objects.filter(indicator__code=code).aggregate(m=Max("updated_at"))["m"]
        if latest:
            moments.append(latest)
    return max(moments)


class YearToDate:
    """The targets' figures from 1 January to each day asked for, each (indicator, day) computed once
    for all the units any target of that indicator covers, whichever target asks. An indicator whose
    year to date follows from its months (``registry.YearToDate``) reads the months kept
    (``IndicatorSnapshot``: added up, or the day's own month) and computes only the month running;
    the others are computed for the period as they are."""

    def __init__(self, *, today: date, full: bool = False):
        self.today, self.full = today, full
        self.wanted: dict[str, dict[date, dict[int, object]]] = defaultdict(lambda: defaultdict(dict))
        self.indicators: dict[str, registry.Indicator] = {}
        self.found: dict[tuple[str, date], dict[int, Value]] = {}

    def want(self, indicator, units, day: date) -> None:
        self.indicators[indicator.code] = indicator
        self.wanted[indicator.code][day].update({u.pk: u for u in units})

    def compute(self) -> None:
        running_start = self.today.replace(day=1)
        extra = None
        for code, by_day in self.wanted.items():
            indicator = self.indicators[code]
            units = {}
            for found in by_day.values():
                units.update(found)
            units = sorted(units.values(), key=lambda u: u.path)
            rule = "" if indicator.reported else indicator.year_to_date
            if not rule:
                for day in by_day:
                    self.found[(code, day)] = indicator.values(units, Period(date(day.year, 1, 1), day))
                continue
            months = set()
            for day in by_day:
                first = day.replace(day=1)
                if rule == registry.YearToDate.SUM:
                    months |= {date(day.year, m, 1) for m in range(1, first.month)}
                if first < running_start:
                    months.add(first)
            if extra is None and months:
                from targets.snapshots import snapshot_units

                extra = snapshot_units()
            kept = stored_months(indicator, units, sorted(months), recompute=self.full, extra_units=extra or ())
            for day in by_day:
                first = day.replace(day=1)
                if first < running_start:  # a past month's end: its own figure
                    parts = [kept[first]]
                else:  # the month running, to the day
                    parts = [indicator.values(units, Period(first, day))]
                if rule == registry.YearToDate.SUM:
                    parts += [kept[date(day.year, m, 1)] for m in range(1, first.month)]
                self.found[(code, day)] = {
                    u.pk: parts[0][u.pk] if len(parts) == 1 else add_values(p[u.pk] for p in parts) for u in units
                }

    def value(self, target: Target, indicator, day: date) -> Value:
        if indicator is None:
            return Value(None)
        values = self.found[(indicator.code, day)]
        units = measured_units(target)
        return values[units[0].pk] if len(units) == 1 else add_values(values[u.pk] for u in units)


def _days_to_compute(target: Target, *, today: date, full: bool, stale_since) -> list[date]:
    existing = {p.on: p for p in target.points.all()}
    days = []
    for day in month_ends(target.year, today):
        point = existing.get(day)
        current_month = day.year == today.year and day.month == today.month
        if point and not full and not current_month and point.computed_at >= stale_since:
            continue
        days.append(day)
    return days


def _point(target: Target, day: date, value: Value, unit_of_measure: str) -> ProgressPoint:
    expected = expected_on(target, day)
    amount = value.value
    verdict = judge(target, amount, expected, day, "%" if value.is_rate else "")
    if value.is_rate and unit_of_measure != "%":
        verdict = judge(target, amount, expected, day, unit_of_measure)
    return ProgressPoint(
        target=target,
        on=day,
        value=amount,
        numerator=value.numerator,
        denominator=value.denominator,
        expected=expected,
        status=verdict.status,
        reason=verdict.reason,
    )


def _write(plans: list[tuple[Target, list[ProgressPoint]]], today: date) -> None:
    """Keep the targets' new points in place of the old ones of those days (an upsert: a refresh running
    beside another one writes the same rows), drop the points the month running replaced, and copy each
    target's latest point onto its row. A handful of queries however many targets."""
    now = timezone.now()
    targets = [target for target, _points in plans]
    points = [point for _target, new in plans for point in new]
    for point in points:
        point.computed_at = now
    month_start = today.replace(day=1)
    with transaction.atomic():
        # A point of the month running (dated today) is replaced by the next day's; points of earlier
        # days of the month running (yesterday's run) give way to today's.
        ProgressPoint.objects.filter(target__in=targets).filter(
            Q(on__gt=today) | Q(on__gte=month_start, on__lt=today)
        ).delete()
        ProgressPoint.objects.bulk_create(
            points,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["target", "on"],
            update_fields=["value", "numerator", "denominator", "expected", "status", "reason", "computed_at"],
        )
        latest = {}
        for point in ProgressPoint.objects.filter(target__in=targets).order_by("target_id", "on"):
            latest[point.target_id] = point
        changed = []
        for target in targets:
            last = latest.get(target.pk)
            if last is not None:
                target.current_value, target.current_status = last.value, last.status
                target.current_reason, target.current_as_of = last.reason, last.on
                changed.append(target)
        Target.objects.bulk_update(
            changed, ["current_value", "current_status", "current_reason", "current_as_of"], batch_size=500
        )


def target_refresh(target: Target, *, today: date | None = None, full: bool = False) -> int:
    """Compute the target's missing and stale points; returns how many were written."""
    return progress_refresh(targets=[target], today=today, full=full)


def progress_refresh(
    *, targets=None, today: date | None = None, full: bool = False, progress=None, recompute_months: bool | None = None
) -> int:
    """Refresh every target of this year and last (or ``targets``); returns the points written. Each
    indicator's figure of each day is computed once for all the targets measured by it (``YearToDate``),
    then each target's points are judged and written. ``full`` recomputes every point, and the months
    kept that they read unless ``recompute_months`` is False (the snapshots were just refreshed)."""
    today = today or timezone.localdate()
    if targets is None:
        targets = Target.objects.filter(year__gte=today.year - 1, year__lte=today.year)
    if hasattr(targets, "select_related"):
        targets = targets.select_related("owner_unit").prefetch_related("milestones", "covered_units", "points")
    targets = list(targets)
    if targets and not hasattr(targets[0], "_prefetched_objects_cache"):
        prefetch_related_objects(targets, "milestones", "covered_units", "points")
    indicators = catalogue.indicators_by_code({t.indicator_code for t in targets})
    reported_changed = dict(
        IndicatorReport.objects.order_by()
        .values("indicator__code")
        .annotate(m=Max("updated_at"))
        .values_list("indicator__code", "m")
    )
    plans = []
    with registry.batch():
        figures = YearToDate(today=today, full=full if recompute_months is None else recompute_months)
        for target in targets:
            indicator = indicators.get(target.indicator_code)
            days = _days_to_compute(target, today=today, full=full, stale_since=_stale_since(target, reported_changed))
            plans.append((target, indicator, days))
            if indicator is not None:
                for day in days:
                    figures.want(indicator, measured_units(target), day)
        figures.compute()
    written = []
    for index, (target, indicator, days) in enumerate(plans, start=1):
        unit_of_measure = str(indicator.unit_of_measure) if indicator else ""
        points = [_point(target, day, figures.value(target, indicator, day), unit_of_measure) for day in days]
        written.append((target, points))
        if progress:
            progress(index, len(plans))
    if written:
        _write(written, today)
    return sum(len(points) for _target, points in written)
