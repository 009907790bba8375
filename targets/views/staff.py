"""The staff pages of targets: the leader's dashboard (one unit, drill down the tree), the targets and
their definition, the figures departments report and review, and the monthly report."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from appeals.kpis import month_period
from core.dbrouter import replica_view
from core.errors import BadInput, DomainError
from core.middleware import returns_to
from core.xlsx import xlsx_response
from orgs.models import Level, Unit
from orgs.selectors import departments_visible_to, units_visible_to
from targets import catalogue, monthly, permissions, progress, selectors, services
from targets.forms import EvidenceForm, ImportForm, ReportForm, TargetForm, quarter_ends
from targets.importers import ReportImporter
from targets.models import Evidence, IndicatorReport, MonthlyReport, MonthlyReportState, Target
from targets.permissions import DEFINE_ROLES


def _month(request):
    """The month asked for (``month=2026-03``), this month by default."""
    text = (request.GET.get("month") or "").strip()
    today = timezone.localdate()
    if not text:
        return month_period(today.year, today.month)
    try:
        year, number = (int(part) for part in text.split("-"))
        period = month_period(year, number)
    except ValueError:
        raise BadInput(_("The month must look like 2026-03; got “%(value)s”.") % {"value": text}) from None
    if period.start > today:
        raise BadInput(_("%(month)s has not begun.") % {"month": text})
    return period


def _unit(request, *, param="unit"):
    code = (request.GET.get(param) or request.POST.get(param) or "").strip()
    unit = Unit.objects.filter(code=code).first() if code else selectors.top_unit_for(request.user)
    if unit is None:
        raise Http404(_("No such unit."))
    if not permissions.may_see_unit(request.user, unit):
        raise PermissionDenied(_("That unit is outside your scope."))
    return unit


def _months_back(count=12):
    today = timezone.localdate()
    out, year, month = [], today.year, today.month
    for _step in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _chart(section) -> dict:
    """A section's chart data for targets/dashboard.js: each indicator across the units below, and the
    trend of the unit over twelve months."""
    return {
        "key": section.key,
        "indicators": [
            {
                "code": line.indicator.code,
                "name": str(line.indicator.name),
                "rate": line.value.is_rate,
                "units": [child.display_short for child, _v in line.children],
                "values": [None if v.value is None else float(v.value) for _c, v in line.children],
                "months": [month for month, _v in line.trend],
                "trend": [None if v.value is None else float(v.value) for _m, v in line.trend],
            }
            for line in section.lines
        ],
    }


@staff_required
@require_GET
@replica_view  # figures a few seconds behind are fine here: read from a replica when there is one
def dashboard(request):
    if not permissions.may_open_dashboard(request.user):
        raise PermissionDenied(_("The dashboard is for leaders, supervisors and administrators."))
    unit, period = _unit(request), _month(request)
    board = selectors.dashboard(request.user, unit, period)
    return render(
        request,
        "targets/dashboard.html",
        {
            "board": board,
            "charts": [_chart(s) for s in board.sections],
            "months": _months_back(),
            "month": f"{period.start:%Y-%m}",
            "may_report": permissions.may_open_reporting(request.user),
        },
    )


@staff_required
@require_GET
def target_list(request):
    if not permissions.may_open_dashboard(request.user):
        raise PermissionDenied(_("The 民生实事 list is for leaders, supervisors and administrators."))
    year = request.GET.get("year") or str(timezone.localdate().year)
    targets = selectors.targets_visible_to(request.user).filter(year=year if year.isdigit() else 0)
    return render(
        request,
        "targets/list.html",
        {
            "targets": [(t, selectors.share_done(t, t.current_value)) for t in targets],
            "year": year,
            "may_define": permissions.may_open_definitions(request.user),
        },
    )


def _target_for(request, pk) -> Target:
    target = get_object_or_404(Target.objects.select_related("owner_unit", "owner_department"), pk=pk)
    if not permissions.may_see_unit(request.user, target.owner_unit):
        raise PermissionDenied(_("That target is outside your scope."))
    return target


@staff_required
@require_GET
def target_detail(request, pk):
    target = _target_for(request, pk)
    points = list(target.points.all())
    indicator = catalogue.indicator_for(target.indicator_code)
    return render(
        request,
        "targets/target.html",
        {
            "target": target,
            "indicator": indicator,
            "points": points,
            "share": selectors.share_done(target, target.current_value),
            "milestones": target.milestones.all(),
            "evidence": target.evidence.all(),
            "covered": list(target.covered_units.all()),
            "chart": {
                "days": [f"{p.on:%Y-%m-%d}" for p in points],
                "values": [None if p.value is None else float(p.value) for p in points],
                "expected": [float(p.expected) for p in points],
                "labels": {"value": _("Actual"), "expected": _("Expected path")},
            },
            "may_define": permissions.may_define(request.user, target.owner_unit),
            "evidence_form": EvidenceForm(),
        },
    )


@staff_required
@require_POST
@returns_to("targets:target", "pk")
def target_refresh(request, pk):
    target = _target_for(request, pk)
    written = progress.progress_refresh(targets=Target.objects.filter(pk=target.pk), full=True)
    messages.success(request, _("Progress recomputed: %(n)s points.") % {"n": written})
    return redirect("targets:target", pk=target.pk)


def _form_querysets(user):
    units = units_visible_to(user, roles=DEFINE_ROLES).filter(is_active=True).exclude(level=Level.GRID)
    departments = departments_visible_to(user, roles=DEFINE_ROLES).filter(is_active=True)
    return units.order_by("path"), departments


def _save_target(request, target=None):
    if not permissions.may_open_definitions(request.user):
        raise PermissionDenied(_("Targets are defined by administrators."))
    if target is not None and not permissions.may_define(request.user, target.owner_unit):
        raise PermissionDenied(_("You may define targets only for units you administer."))
    units, departments = _form_querysets(request.user)
    error = ""
    if request.method == "POST":
        form = TargetForm(request.POST, units=units, departments=departments)
        if form.is_valid():
            d = form.cleaned_data
            data = services.TargetInput(
                title=d["title"],
                owner_unit=d["owner_unit"],
                owner_department=d["owner_department"],
                year=d["year"],
                indicator_code=d["indicator_code"],
                baseline=d["baseline"],
                target_value=d["target_value"],
                direction=d["direction"],
                public_wording=d["public_wording"],
                is_public=d["is_public"],
                order=d["order"],
                milestones=form.milestones(),
                covered_units=list(d["covered_units"]),
            )
            # Caught here rather than by core.middleware: the form is shown again with what was typed.
            try:
                saved = services.target_save(actor=request.user, data=data, target=target)
            except DomainError as exc:
                error = str(exc.message)
            else:
                progress.progress_refresh(targets=Target.objects.filter(pk=saved.pk))
                messages.success(request, _("Target saved."))
                return redirect("targets:target", pk=saved.pk)
    elif target is not None:
        form = TargetForm(initial=TargetForm.initial_for(target), units=units, departments=departments)
    else:
        form = TargetForm(initial=quarter_ends(timezone.localdate().year), units=units, departments=departments)
    return render(
        request,
        "targets/target_form.html",
        {"form": form, "target": target, "error": error},
        status=400 if error or form.errors else 200,
    )


@staff_required
def target_new(request):
    return _save_target(request)


@staff_required
def target_edit(request, pk):
    return _save_target(request, _target_for(request, pk))


@staff_required
@require_POST
@returns_to("targets:target", "pk")
def target_evidence(request, pk):
    target = _target_for(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        raise BadInput(_("Choose a file."))
    services.evidence_add(
        actor=request.user, upload=form.cleaned_data["file"], caption=form.cleaned_data["caption"], target=target
    )
    messages.success(request, _("Evidence added."))
    return redirect("targets:target", pk=target.pk)


@staff_required
@require_GET
def evidence_file(request, pk):
    evidence = get_object_or_404(Evidence.objects.select_related("target__owner_unit", "report__unit"), pk=pk)
    unit = evidence.target.owner_unit if evidence.target_id else evidence.report.unit
    allowed = permissions.may_see_unit(request.user, unit)
    if evidence.report_id:
        allowed = (
            allowed
            or permissions.may_report(request.user, evidence.report.indicator, unit)
            or permissions.may_review(request.user, evidence.report)
        )
    if not allowed:
        raise PermissionDenied(_("That file is outside your scope."))
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.file.name.rsplit("/", 1)[-1])


# --- 填报 → 审核 ----------------------------------------------------------------------------------


def _report_units(user):
    return units_visible_to(user).filter(is_active=True).order_by("path")


@staff_required
def reports(request):
    if not permissions.may_open_reporting(request.user):
        raise PermissionDenied(_("Reporting is for department staff and administrators."))
    error = ""
    units = _report_units(request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, units=units)
        if form.is_valid():
            d = form.cleaned_data
            # Caught here rather than by core.middleware: the form is shown again with what was typed.
            try:
                with transaction.atomic():
                    report = services.report_submit(
                        actor=request.user,
                        indicator=d["indicator"],
                        unit=d["unit"],
                        month=d["month"],
                        numerator=d["numerator"],
                        denominator=d["denominator"] or None,
                        note=d["note"],
                    )
                    if d["evidence"]:
                        services.evidence_add(actor=request.user, upload=d["evidence"], report=report)
            except DomainError as exc:
                error = str(exc.message)
            else:
                messages.success(request, _("Figure reported; it waits for review by the unit above."))
                return redirect("targets:reports")
    else:
        form = ReportForm(units=units)
    mine = selectors.reports_for(request.user)[:200]
    return render(
        request,
        "targets/reports.html",
        {
            "form": form,
            "error": error,
            "reports": mine,
            "waiting": selectors.waiting_review(request.user),
            "import_form": ImportForm(),
        },
        status=400 if error or form.errors else 200,
    )


def _report_for(request, pk) -> IndicatorReport:
    report = get_object_or_404(IndicatorReport.objects.select_related("indicator", "unit__parent"), pk=pk)
    if not permissions.may_review(request.user, report):
        raise PermissionDenied(_("Reports are reviewed by the unit above the one reported for."))
    return report


@staff_required
@require_POST
@returns_to("targets:reports")
def report_review(request, pk):
    report = _report_for(request, pk)
    action = request.POST.get("action")
    if action == "approve":
        services.report_approve(actor=request.user, report=report, note=request.POST.get("note", ""))
        messages.success(request, _("Figure approved."))
    elif action == "return":
        services.report_return(actor=request.user, report=report, note=request.POST.get("note", ""))
        messages.success(request, _("Figure returned for correction."))
    elif action == "amend":
        services.report_amend(
            actor=request.user,
            report=report,
            numerator=request.POST.get("numerator"),
            denominator=request.POST.get("denominator") or None,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Approved figure changed; the change and its reason are in the audit trail."))
    else:
        raise BadInput(_("Approve, return or amend."))
    return redirect("targets:reports")


@staff_required
@require_POST
@returns_to("targets:reports")
def reports_import(request):
    if not permissions.may_open_reporting(request.user):
        raise PermissionDenied(_("Reporting is for department staff and administrators."))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        raise BadInput(_("Choose a workbook (.xlsx)."))
    result = ReportImporter(actor=request.user).run(form.cleaned_data["file"], commit=True)
    if result.ok:
        messages.success(request, _("%(n)s figures reported from the workbook.") % {"n": result.rows})
    else:
        messages.error(
            request, _("Nothing was saved: %(errors)s") % {"errors": "；".join(str(e) for e in result.errors[:10])}
        )
    return redirect("targets:reports")


@staff_required
@require_GET
def reports_template(request):
    if not permissions.may_open_reporting(request.user):
        raise PermissionDenied(_("Reporting is for department staff and administrators."))
    return xlsx_response(ReportImporter(actor=request.user).template(), "targets-report-template.xlsx")


# --- the monthly report ----------------------------------------------------------------------------


@staff_required
def monthly_reports(request):
    if not permissions.may_open_dashboard(request.user):
        raise PermissionDenied(_("The monthly report is for leaders, supervisors and administrators."))
    unit, period = _unit(request), _month(request)
    if request.method == "POST":
        from targets.tasks import build_monthly_report

        report = monthly.report_request(actor=request.user, unit=unit, period=period)
        transaction.on_commit(lambda: build_monthly_report.enqueue(report.pk))
        return redirect(f"{reverse('targets:monthly')}?unit={unit.code}&month={period.start:%Y-%m}")
    versions = MonthlyReport.objects.filter(unit=unit, month=period.start).order_by("-version")
    return render(
        request,
        "targets/monthly.html",
        {
            "unit": unit,
            "month": f"{period.start:%Y-%m}",
            "versions": versions,
            "months": _months_back(),
            "building": any(v.state == MonthlyReportState.BUILDING for v in versions),
        },
    )


def _monthly_for(request, pk) -> MonthlyReport:
    report = get_object_or_404(MonthlyReport.objects.select_related("unit"), pk=pk)
    if not permissions.may_see_unit(request.user, report.unit):
        raise PermissionDenied(_("That report is outside your scope."))
    return report


@staff_required
@require_GET
def monthly_status(request, pk):
    report = _monthly_for(request, pk)
    return JsonResponse({"state": report.state, "progress": report.progress})


@staff_required
@require_GET
def monthly_file(request, pk, kind):
    report = _monthly_for(request, pk)
    file = report.docx if kind == "docx" else report.xlsx
    if report.state != MonthlyReportState.READY or not file:
        raise Http404(_("The report is not ready yet."))
    name = f"{report.unit.code}-{report.month:%Y-%m}-v{report.version}.{'docx' if kind == 'docx' else 'xlsx'}"
    return FileResponse(file.open("rb"), as_attachment=True, filename=name)
