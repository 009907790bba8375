"""The 三率 KPI page and its xlsx report, for supervisors, leaders, administrators and dispatchers.
Figures come from appeals.kpis, already limited to the departments and units the viewer reaches."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.decorators import staff_required
from appeals import kpis
from appeals.permissions import may_see_kpis
from core.dbrouter import replica_view
from core.errors import BadInput
from orgs.models import Level

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(request):
    if not may_see_kpis(request.user):
        raise PermissionDenied(_("The KPI page is for supervisors, leaders, administrators and dispatchers."))
    error = ""
    # Kept here rather than left to core.middleware: a period that cannot be read is said above the
    # report of the current month, with the period form to correct it.
    try:
        period = kpis.period_from_params(request.GET)
    except BadInput as exc:
        error = str(exc.message)
        period = kpis.period_from_params({})
    report = kpis.kpi_report(user=request.user, period=period, level=request.GET.get("level"))
    return report, error


def _shown(value, unit="%") -> str:
    number = kpis.percent(value)
    return "—" if number is None else f"{number:.2f}{unit}"


def _table(rows, weights) -> list[dict]:
    """What a table line shows: each rate as a percentage with the counts it comes from."""
    lines = []
    for row in rows:
        f = row.figures
        lines.append({
            "rank": row.rank, "name": row.name, "parent": row.parent_name, "empty": f.empty,
            "too_few": row.too_few, "sample": f.sample, "departments_included": row.departments_included,
            "rates": [
                (_shown(f.response_rate), f"{f.accepted_on_time}/{f.dispatched}"),
                (_shown(f.resolution_rate), f"{f.resolved}/{f.rated}"),
                (_shown(f.satisfaction_rate), f"{f.satisfied}+{f.basic}/{f.rated}"),
                (_shown(f.weighted_satisfaction(weights)), ""),
                (_shown(f.on_time_rate), f"{f.closed_on_time}/{f.closed}"),
            ],
            "score": _shown(row.score, unit=""),  # out of 100
        })
    return lines


def _headline(headline: kpis.Headline) -> list[dict]:
    """The four tiles above the tables: a number, what it counts, and the detail behind it."""
    f = headline.figures
    return [
        {"key": "received", "label": _("Received (受理)"), "value": headline.received,
         "detail": _("demands recorded in the period")},
        {"key": "closed", "label": _("Closed (办结)"), "value": f.closed,
         "detail": _("%(rate)s on time") % {"rate": _shown(f.on_time_rate)}},
        {"key": "overdue", "label": _("Overdue (超期)"), "value": f.closed_late,
         "detail": _("closed late in the period; %(n)s open past the deadline now") % {"n": headline.overdue_now}},
        {"key": "satisfaction", "label": _("Satisfaction rate (满意率)"), "value": _shown(f.satisfaction_rate),
         "detail": _("of %(n)s rated") % {"n": f.rated}},
    ]


def _trend(points: list[kpis.MonthPoint]) -> dict:
    """The trend chart's data (read by appeals/kpi.js from a JSON block: the CSP allows no inline script)."""
    return {
        "months": [point.period.month for point in points],
        "series": {
            "received": [point.received for point in points],
            "closed": [point.figures.closed for point in points],
            "closed_late": [point.figures.closed_late for point in points],
            "satisfaction": [kpis.percent(point.figures.satisfaction_rate) for point in points],
            "on_time": [kpis.percent(point.figures.on_time_rate) for point in points],
        },
        "labels": {
            "received": _("Received (受理)"), "closed": _("Closed (办结)"), "closed_late": _("Closed late (超期办结)"),
            "satisfaction": _("Satisfaction rate (满意率)"), "on_time": _("On-time closure (按期办结率)"),
            "count": _("Demands"), "percent": "%",
        },
    }


def _page(request, report, error):
    today = timezone.localdate()
    now = timezone.now()
    trend = kpis.kpi_trend(user=request.user, report=report, now=now)
    months = []
    year, month = today.year, today.month
    for _step in range(12):
        months.append(kpis.month_period(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return render(request, "appeals/kpi/index.html", {
        "report": report,
        "headline": _headline(kpis.kpi_headline(user=request.user, report=report, now=now)),
        "trend": _trend(trend),
        "trend_rows": [{"month": point.period.month, "received": point.received, "closed": point.figures.closed,
                        "closed_late": point.figures.closed_late,
                        "satisfaction": _shown(point.figures.satisfaction_rate),
                        "on_time": _shown(point.figures.on_time_rate)} for point in trend],
        "min_sample": report.weights.min_sample,
        "departments": _table(report.departments, report.weights),
        "department_total": _table([report.department_total], report.weights)[0],
        "units": _table(report.units, report.weights),
        "unit_total": _table([report.unit_total], report.weights)[0] if report.unit_total else None,
        "error": error,
        "definitions": kpis.definitions(report.weights),
        "weights_text": kpis.weights_text(report.weights),
        "months": months,
        "levels": [(value, Level(value).label) for value in kpis.UNIT_LEVELS],
        "query": request.GET.urlencode(),
    }, status=400 if error else 200)


@staff_required
@require_GET
@replica_view  # figures a few seconds behind are fine here: read from a replica when there is one
def kpi_index(request):
    report, error = _report(request)
    return _page(request, report, error)


@staff_required
@require_GET
@replica_view
def kpi_export(request):
    report, error = _report(request)
    if error:  # show the page with the message rather than a report of a period nobody asked for
        return _page(request, report, error)
    period = report.period
    suffix = period.month if period.is_month else f"{period.start}_{period.end}"
    filename = f"kpi-{suffix}.xlsx"
    response = HttpResponse(kpis.report_xlsx(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
