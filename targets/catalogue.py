"""Every indicator a target may be measured by: the registry's (computed) and the reported ones (rows of
ReportedIndicator), behind one interface (targets.registry.Indicator)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from targets import registry
from targets.models import IndicatorReport, ReportedIndicator, ReportState
from targets.registry import Indicator, Value

REPORTED_SECTION = {
    "section": "reported",
    "section_label": _("Reported by departments (部门填报)"),
    "section_order": 90,
}


def _approved_rows(first: date, last: date) -> dict[int, list[IndicatorReport]]:
    """Every reported indicator's approved figures of ``first``–``last`` in one query, by indicator id,
    in (unit path, month) order; shared within a ``registry.batch`` (the dashboard, the refresh)."""

    def compute():
        out: dict[int, list[IndicatorReport]] = defaultdict(list)
        reports = (
            IndicatorReport.objects.filter(state=ReportState.APPROVED, month__gte=first, month__lte=last)
            .select_related("unit")
            .order_by("unit__path", "month")
        )
        for report in reports:
            out[report.indicator_id].append(report)
        return out

    return registry.shared(("reported", first, last), compute)


def reported_values(indicator: ReportedIndicator, units, period) -> dict[int, Value]:
    """Approved figures of the months of ``period``'s year up to its end, for each unit and its subtree:
    a unit's own figure when it reported one, else the sum of the highest units below it that did.
    A stock takes each unit's latest month; a cumulative indicator adds the months up."""
    first = date(period.end.year, 1, 1)
    per_unit: dict[str, list[IndicatorReport]] = defaultdict(list)
    for report in _approved_rows(first, period.end).get(indicator.pk, []):
        per_unit[report.unit.path].append(report)

    def figure(rows):
        chosen = rows if indicator.cumulative else rows[-1:]
        numerator = sum((r.numerator for r in chosen), Decimal(0))
        denominator = sum((r.denominator or Decimal(0) for r in chosen), Decimal(0))
        return numerator, denominator

    out = {}
    for unit in units:
        paths = sorted(path for path in per_unit if path.startswith(unit.path))
        highest = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        if not highest:
            out[unit.pk] = Value(numerator=None, denominator=None) if indicator.is_rate else Value(None)
            continue
        numerator = denominator = Decimal(0)
        for path in highest:
            n, d = figure(per_unit[path])
            numerator += n
            denominator += d
        out[unit.pk] = Value(numerator=numerator, denominator=denominator) if indicator.is_rate else Value(numerator)
    return out


def as_indicator(row: ReportedIndicator) -> Indicator:
    return Indicator(
        row.registry_code,
        row.name,
        row.unit_of_measure or ("%" if row.is_rate else ""),
        row.aggregation,
        lambda units, period: reported_values(row, units, period),
        direction=row.direction,
        reported=True,
        **REPORTED_SECTION,
    )


def indicator_for(code: str) -> Indicator | None:
    if code.startswith("reported."):
        row = ReportedIndicator.objects.filter(code=code.removeprefix("reported.")).first()
        return as_indicator(row) if row else None
    return registry.get(code)


def indicators_by_code(codes) -> dict[str, Indicator]:
    """{code: Indicator} of ``codes`` (registered or reported) with one query for the reported ones."""
    out = {code: registry.get(code) for code in codes if registry.get(code) is not None}
    reported = {code.removeprefix("reported.") for code in codes if code.startswith("reported.")}
    if reported:
        out.update(
            {row.registry_code: as_indicator(row) for row in ReportedIndicator.objects.filter(code__in=reported)}
        )
    return out


def all_indicators() -> list[Indicator]:
    return registry.registered() + [as_indicator(row) for row in ReportedIndicator.objects.all()]


def choices() -> list[tuple[str, str]]:
    return [(i.code, f"{i.section_label} · {i.name}") for i in all_indicators()]


def sections() -> list[tuple[str, str, list[Indicator]]]:
    """The dashboard's sections: the registry's, then the reported indicators."""
    out = registry.sections()
    reported = [as_indicator(row) for row in ReportedIndicator.objects.all()]
    if reported:
        out.append(("reported", str(REPORTED_SECTION["section_label"]), reported))
    return out
