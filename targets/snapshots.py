"""The indicators' figures kept so that reading them costs a row, not a count over a million demands:
each past month per unit (``IndicatorSnapshot``, final once the month is over; last month is redone
nightly), and the month running per unit (``RunningFigure``, redone every few minutes by
``targets_refresh --running``). The dashboard, the monthly report and the targets' progress read
these; what is not kept (a unit or month never computed, figures older than ``RUNNING_MAX_AGE``) is
computed as before, so a figure never depends on whether the refresh has run, only how fast it comes."""

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from appeals.kpis import Period, month_period
from orgs.models import Level, Unit
from targets import registry
from targets.models import IndicatorSnapshot, RunningFigure
from targets.registry import Indicator, Value

TREND_MONTHS = 12
# Figures of the month running older than this are not shown: the dashboard counts live instead.
RUNNING_MAX_AGE = timedelta(hours=1)


def snapshot_units() -> list[Unit]:
    """The units whose figures are kept: every active unit but the grids (a city has a few thousand)."""
    return list(Unit.objects.filter(is_active=True).exclude(level=Level.GRID).order_by("path"))


def value_of_row(row) -> Value:
    if row.is_rate:
        return Value(numerator=row.numerator, denominator=row.denominator)
    return Value(row.amount)


def _row_values(value: Value) -> dict:
    return {
        "amount": value.amount,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "is_rate": value.is_rate,
    }


def months_before(month_start: date, count: int) -> list[Period]:
    """The ``count`` months before the one starting ``month_start``, oldest first."""
    out = []
    year, month = month_start.year, month_start.month
    for _step in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        out.append(month_period(year, month))
    return out[::-1]


def stored_months(
    indicator: Indicator, units: list[Unit], months: list[date], *, recompute: bool = False, extra_units=()
) -> dict[date, dict[int, Value]]:
    """{month start: {unit pk: Value}} of past months: the rows kept, and the months (or units) missing
    computed once — for all of ``units`` and ``extra_units`` together — and kept. ``recompute``: compute
    every month again (a full refresh)."""
    months = sorted(set(months))
    wanted = {u.pk: u for u in units}
    out: dict[date, dict[int, Value]] = defaultdict(dict)
    if not recompute:
        for row in IndicatorSnapshot.objects.filter(code=indicator.code, month__in=months, unit__in=list(wanted)):
            out[row.month][row.unit_id] = value_of_row(row)
    everyone = {**{u.pk: u for u in extra_units}, **wanted}
    for month in months:
        missing = [u for pk, u in wanted.items() if pk not in out[month]]
        if not missing:
            continue
        compute_for = list(everyone.values()) if recompute or len(missing) == len(wanted) else missing
        values = indicator.values(compute_for, month_period(month.year, month.month))
        with transaction.atomic():
            if recompute:
                IndicatorSnapshot.objects.filter(code=indicator.code, month=month, unit__in=list(values)).delete()
            IndicatorSnapshot.objects.bulk_create(
                [
                    IndicatorSnapshot(code=indicator.code, unit_id=pk, month=month, **_row_values(v))
                    for pk, v in values.items()
                ],
                ignore_conflicts=True,
            )
        out[month].update({pk: v for pk, v in values.items() if pk in wanted})
    return out


def snapshots_refresh(*, today: date | None = None, months: int = TREND_MONTHS, full: bool = False) -> int:
    """Keep each registered indicator's past months for the snapshot units: the months missing, and last
    month again (demands closed since change its rates). Returns the rows written."""
    today = today or timezone.localdate()
    units = snapshot_units()
    periods = months_before(today.replace(day=1), months)
    last_month = periods[-1].start
    written = 0
    with registry.batch():
        for indicator in registry.registered():
            if not indicator.historical:
                continue
            have = set(IndicatorSnapshot.objects.filter(code=indicator.code).values_list("month", flat=True).distinct())
            for period in periods:
                if period.start in have and period.start != last_month and not full:
                    continue
                values = indicator.values(units, period)
                with transaction.atomic():
                    IndicatorSnapshot.objects.filter(code=indicator.code, month=period.start).delete()
                    IndicatorSnapshot.objects.bulk_create(
                        [
                            IndicatorSnapshot(code=indicator.code, unit_id=pk, month=period.start, **_row_values(v))
                            for pk, v in values.items()
                        ]
                    )
                written += len(values)
    return written


# --- the month running -------------------------------------------------------------------------------


def running_refresh(*, today: date | None = None) -> int:
    """Compute every registered indicator of the month running (as the dashboard shows it: the whole
    month's period) for the snapshot units, with the breakdowns, and keep them in place of the last
    ones. Returns the rows written."""
    today = today or timezone.localdate()
    period = month_period(today.year, today.month)
    units = snapshot_units()
    rows = []
    with registry.batch():
        for indicator in registry.registered():
            values = indicator.values(units, period)
            for unit in units:
                breakdown = None
                if indicator.breakdown is not None:
                    breakdown = [[str(label), n] for label, n in indicator.breakdown(unit, period)]
                rows.append(
                    RunningFigure(
                        code=indicator.code,
                        unit=unit,
                        month=period.start,
                        breakdown=breakdown,
                        **_row_values(values[unit.pk]),
                    )
                )
    with transaction.atomic():
        RunningFigure.objects.all().delete()
        # Another refresh running beside this one wrote the same rows: theirs stand.
        RunningFigure.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def running_figures(codes, units, period: Period, *, now=None):
    """{(code, unit pk): RunningFigure} of the month running, when they were computed within
    ``RUNNING_MAX_AGE``; {} otherwise (the caller counts live)."""
    now = now or timezone.now()
    return {
        (row.code, row.unit_id): row
        for row in RunningFigure.objects.filter(
            code__in=list(codes),
            unit__in=[u.pk for u in units],
            month=period.start,
            computed_at__gte=now - RUNNING_MAX_AGE,
        )
    }
