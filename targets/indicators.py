"""The demand loop's indicators (received, closed, closed late, 三率), computed by targets itself from
appeals' figures: appeals sits below targets and cannot register into it. Each counts a unit's whole
area as the 三率 page's unit rows do (the unit, the units below it and the departments of their
governments), so the dashboard, the report and the KPI page agree."""

from collections import defaultdict

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from appeals import kpi_rollup, kpis
from appeals.kpis import Period
from appeals.models import Appeal, ReceivedDaySummary
from orgs.models import Department, Unit
from targets.registry import Aggregation, Direction, Indicator, YearToDate, register, rolled_up, shared

SECTION = "demands"
SECTION_LABEL = _("Demands (诉求)")


def _holder_paths() -> tuple[dict[int, str], dict[int, str]]:
    units = dict(Unit.objects.values_list("pk", "path"))
    departments = dict(Department.objects.values_list("pk", "unit__path"))
    return units, departments


def figures_by_path(period) -> dict[str, kpis.Figures]:
    """The 三率 counts of the period per holder, keyed by the path of the unit they belong to."""

    def compute():
        by_department, by_unit = kpis.holder_figures(period)
        unit_paths, department_paths = shared("holder_paths", _holder_paths)
        out: dict[str, kpis.Figures] = {}
        for pk, figures in by_unit.items():
            out.setdefault(unit_paths[pk], kpis.Figures()).add(figures)
        for pk, figures in by_department.items():
            out.setdefault(department_paths[pk], kpis.Figures()).add(figures)
        return out

    return shared(("figures", period.start, period.end), compute)


def _counts(attribute):
    def compute(units, period):
        return rolled_up(units, {path: getattr(f, attribute) for path, f in figures_by_path(period).items()})

    return compute


def _rate(numerator, denominator):
    def compute(units, period):
        return rolled_up(
            units,
            {path: (numerator(f), getattr(f, denominator)) for path, f in figures_by_path(period).items()},
            rate=True,
        )

    return compute


def received(units, period):
    """Demands recorded in the period, by where they are (their place): the days the daily summary
    covers summed from it (``ReceivedDaySummary``, a few thousand rows a day), the others counted from
    the appeals, as the 三率 page's "received" does."""

    def compute():
        plan = kpi_rollup.plan(period.start, period.end)
        out: dict[str, int] = defaultdict(int)
        for first, last in plan.live:
            start, stop = Period(first, last).bounds
            rows = (
                Appeal.objects.filter(created_at__gte=start, created_at__lt=stop)
                .order_by()
                .values("place__path")
                .annotate(n=Count("pk"))
            )
            for row in rows:
                out[row["place__path"]] += row["n"]
        if plan.summary is not None:
            rows = (
                ReceivedDaySummary.objects.filter(plan.summary_q())
                .order_by()
                .values("key__place__path")
                .annotate(n=Sum("received"))
            )
            for row in rows:
                if row["key__place__path"] is not None:
                    out[row["key__place__path"]] += row["n"]
        return dict(out)

    return rolled_up(units, shared(("received", period.start, period.end), compute))


def register_all():
    # Every demand figure counts each demand in the one month its date (recorded, dispatched, closed)
    # falls in: a year to date is its months added up.
    common = {
        "section": SECTION,
        "section_label": SECTION_LABEL,
        "section_order": 10,
        "year_to_date": YearToDate.SUM,
    }
    register(
        Indicator(
            "demands.received",
            _("Demands received (受理)"),
            _("demands"),
            Aggregation.SUM,
            received,
            order=10,
            direction=Direction.FALL,
            **common,
        )
    )
    register(
        Indicator(
            "demands.closed",
            _("Demands closed (办结)"),
            _("demands"),
            Aggregation.SUM,
            _counts("closed"),
            order=20,
            **common,
        )
    )
    register(
        Indicator(
            "demands.closed_late",
            _("Closed late (超期办结)"),
            _("demands"),
            Aggregation.SUM,
            _counts("closed_late"),
            order=30,
            direction=Direction.FALL,
            **common,
        )
    )
    register(
        Indicator(
            "demands.response_rate",
            _("Response rate (响应率)"),
            "%",
            Aggregation.RATIO,
            _rate(lambda f: f.accepted_on_time, "dispatched"),
            order=40,
            **common,
        )
    )
    register(
        Indicator(
            "demands.resolution_rate",
            _("Resolution rate (解决率)"),
            "%",
            Aggregation.RATIO,
            _rate(lambda f: f.resolved, "rated"),
            order=50,
            **common,
        )
    )
    register(
        Indicator(
            "demands.satisfaction_rate",
            _("Satisfaction rate (满意率)"),
            "%",
            Aggregation.RATIO,
            _rate(lambda f: f.satisfied + f.basic, "rated"),
            order=60,
            **common,
        )
    )
    register(
        Indicator(
            "demands.on_time_rate",
            _("On-time closure (按期办结率)"),
            "%",
            Aggregation.RATIO,
            _rate(lambda f: f.closed_on_time, "closed"),
            order=70,
            **common,
        )
    )
