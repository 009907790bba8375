"""A target's progress: its value at each month's end (today for the month running) against the path
it should follow — baseline on 1 January, through its milestones, to the target value on 31 December —
and the status that follows, with the reason when it is not on track.

``progress_refresh`` is incremental: it computes the months with no point yet, the month running, and
months whose inputs changed since they were computed (the target edited, a reported figure approved
or amended); ``full=True`` recomputes everything. ``manage.py targets_refresh`` runs it nightly
(settings.SCHEDULE) and the target page on demand."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.kpis import Period, month_period
from targets import catalogue, registry
from targets.models import IndicatorReport, ProgressPoint, Status, Target
from targets.registry import Direction, Value, add_values

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


def _stale_since(target: Target):
    """When the target's inputs last changed: the target itself, or an approved figure it reads."""
    moments = [target.updated_at]
    if target.indicator_code.startswith("reported."):
        code = target.indicator_code.removeprefix("reported.")
        latest = IndicatorReport.objects.filter(indicator__code=code).aggregate(m=Max("updated_at"))["m"]
        if latest:
            moments.append(latest)
    return max(moments)


def target_refresh(target: Target, *, today: date | None = None, full: bool = False) -> int:
    """Compute the target's missing and stale points; returns how many were written."""
    today = today or timezone.localdate()
    indicator = catalogue.indicator_for(target.indicator_code)
    existing = {p.on: p for p in target.points.all()}
    stale_since = _stale_since(target)
    days = month_ends(target.year, today)
    written = 0
    unit_of_measure = str(indicator.unit_of_measure) if indicator else ""
    with transaction.atomic():
        # A point of the month running (dated today) is replaced by the next day's.
        target.points.filter(on__gt=today).delete()
        for day in days:
            point = existing.get(day)
            current_month = day.year == today.year and day.month == today.month
            if point and not full and not current_month and point.computed_at >= stale_since:
                continue
            value = value_of(target, day, indicator)
            expected = expected_on(target, day)
            amount = value.value
            verdict = judge(target, amount, expected, day, "%" if value.is_rate else "")
            if value.is_rate and unit_of_measure != "%":
                verdict = judge(target, amount, expected, day, unit_of_measure)
            ProgressPoint.objects.update_or_create(
                target=target,
                on=day,
                defaults={
                    "value": amount,
                    "numerator": value.numerator,
                    "denominator": value.denominator,
                    "expected": expected,
                    "status": verdict.status,
                    "reason": verdict.reason,
                },
            )
            written += 1
        # Points of earlier days of the month running (yesterday's run) give way to today's.
        month_start = today.replace(day=1)
        target.points.filter(on__gte=month_start, on__lt=today).exclude(on__in=days).delete()
        last = target.points.order_by("-on").first()
        if last is not None:
            Target.objects.filter(pk=target.pk).update(
                current_value=last.value, current_status=last.status, current_reason=last.reason, current_as_of=last.on
            )
    return written


def progress_refresh(*, targets=None, today: date | None = None, full: bool = False, progress=None) -> int:
    """Refresh every target of this year and last (or ``targets``); returns the points written."""
    today = today or timezone.localdate()
    if targets is None:
        targets = Target.objects.filter(year__gte=today.year - 1, year__lte=today.year)
    targets = list(
        targets.select_related("owner_unit").prefetch_related("milestones", "covered_units")
        if hasattr(targets, "select_related")
        else targets
    )
    written = 0
    with registry.batch():
        for index, target in enumerate(targets, start=1):
            written += target_refresh(target, today=today, full=full)
            if progress:
                progress(index, len(targets))
    return written
