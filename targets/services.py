"""Every write of targets: targets and their milestones, evidence, reported indicators, and the figures
departments report (填报 → 审核, and the audited change of an approved figure). Keyword-only, atomic,
permission checked (targets.permissions), audited (core.audit)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import BadInput, InvalidTransition, NotFound
from targets import catalogue, permissions
from targets.models import (
    Evidence,
    IndicatorReport,
    Milestone,
    ReportedIndicator,
    ReportState,
    Target,
)
from targets.registry import Direction

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def to_decimal(value, label) -> Decimal:
    if isinstance(value, Decimal):
        return value
    text = str(value if value is not None else "").strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise BadInput(_("%(label)s must be a number; got “%(value)s”.") % {"label": label, "value": text}) from None
    if not number.is_finite():
        raise BadInput(_("%(label)s must be a number; got “%(value)s”.") % {"label": label, "value": text})
    return number.quantize(Decimal("0.01"))


# --- targets -----------------------------------------------------------------------------------------


@dataclass
class TargetInput:
    title: str
    owner_unit: object
    year: int
    indicator_code: str
    baseline: object
    target_value: object
    direction: str = Direction.RISE
    owner_department: object = None
    public_wording: str = ""
    is_public: bool = True
    order: int = 50
    milestones: list[tuple[date, object]] = field(default_factory=list)
    covered_units: list = field(default_factory=list)


def _check_target(data: TargetInput) -> tuple[Decimal, Decimal, list[tuple[date, Decimal]]]:
    title = (data.title or "").strip()
    if not title:
        raise BadInput(_("A target needs a title."))
    data.title = title
    if not (2000 <= int(data.year) <= 2100):
        raise BadInput(_("The year must be between 2000 and 2100."))
    if catalogue.indicator_for(data.indicator_code) is None:
        raise BadInput(_("There is no indicator “%(code)s”.") % {"code": data.indicator_code})
    if data.direction not in Direction.values:
        raise BadInput(_("Say whether the indicator must rise or fall."))
    baseline = to_decimal(data.baseline, _("The baseline"))
    goal = to_decimal(data.target_value, _("The target value"))
    if data.direction == Direction.RISE and goal <= baseline:
        raise BadInput(
            _("The target value (%(goal)s) must be above the baseline (%(baseline)s): this indicator must rise.")
            % {"goal": goal, "baseline": baseline}
        )
    if data.direction == Direction.FALL and goal >= baseline:
        raise BadInput(
            _("The target value (%(goal)s) must be below the baseline (%(baseline)s): this indicator must fall.")
            % {"goal": goal, "baseline": baseline}
        )
    milestones = []
    seen = set()
    for due_on, value in data.milestones:
        if due_on.year != int(data.year):
            raise BadInput(
                _("The milestone of %(day)s is outside the target's year %(year)s.")
                % {"day": due_on, "year": data.year}
            )
        if due_on in seen:
            raise BadInput(_("Two milestones on %(day)s.") % {"day": due_on})
        seen.add(due_on)
        milestones.append((due_on, to_decimal(value, _("A milestone's value"))))
    if data.owner_department is not None and not data.owner_department.unit.path.startswith(data.owner_unit.path):
        raise BadInput(_("The responsible department must belong to the owner unit or a unit below it."))
    for unit in data.covered_units:
        if not unit.path.startswith(data.owner_unit.path):
            raise BadInput(
                _("%(unit)s is not under the owner unit %(owner)s.") % {"unit": unit, "owner": data.owner_unit}
            )
    return baseline, goal, sorted(milestones)


@transaction.atomic
def target_save(*, actor, data: TargetInput, target: Target | None = None) -> Target:
    """Create (``target`` None) or change a target with its milestones and covered units."""
    permissions.require(
        permissions.may_define(actor, data.owner_unit), _("You may define targets only for units you administer.")
    )
    if target is not None:
        target = Target.objects.select_for_update().get(pk=target.pk)
        permissions.require(
            permissions.may_define(actor, target.owner_unit), _("You may define targets only for units you administer.")
        )
    baseline, goal, milestones = _check_target(data)
    creating = target is None
    target = target or Target(created_by=actor if getattr(actor, "pk", None) else None)
    before = (
        {}
        if creating
        else {
            "baseline": str(target.baseline),
            "target_value": str(target.target_value),
            "indicator": target.indicator_code,
        }
    )
    for name in (
        "title",
        "owner_unit",
        "owner_department",
        "year",
        "indicator_code",
        "direction",
        "public_wording",
        "is_public",
        "order",
    ):
        setattr(target, name, getattr(data, name))
    target.baseline, target.target_value = baseline, goal
    target.save()
    target.milestones.all().delete()
    Milestone.objects.bulk_create([Milestone(target=target, due_on=d, value=v) for d, v in milestones])
    target.covered_units.set(data.covered_units)
    audit_record(
        actor=actor,
        verb="targets.target.create" if creating else "targets.target.update",
        target=target,
        data={
            **({"before": before} if before else {}),
            "baseline": str(baseline),
            "target_value": str(goal),
            "indicator": target.indicator_code,
            "milestones": [[str(d), str(v)] for d, v in milestones],
        },
    )
    return target


def _check_file(upload) -> None:
    if upload is None:
        raise BadInput(_("Choose a file."))
    if upload.size > MAX_EVIDENCE_BYTES:
        raise BadInput(_("A file may be at most 20 MB."))


@transaction.atomic
def evidence_add(
    *, actor, upload, caption: str = "", target: Target | None = None, report: IndicatorReport | None = None
) -> Evidence:
    _check_file(upload)
    if target is not None:
        permissions.require(permissions.may_define(actor, target.owner_unit))
    else:
        permissions.require(
            permissions.may_report(actor, report.indicator, report.unit) or permissions.may_review(actor, report)
        )
    evidence = Evidence.objects.create(
        target=target, report=report, file=upload, caption=caption.strip()[:200], uploaded_by=actor
    )
    audit_record(
        actor=actor,
        verb="targets.evidence.add",
        target=target or report,
        data={"file": evidence.file.name, "caption": evidence.caption},
    )
    return evidence


# --- reported indicators ---------------------------------------------------------------------------


@transaction.atomic
def reported_indicator_save(*, actor, indicator: ReportedIndicator) -> ReportedIndicator:
    permissions.require(permissions.may_open_definitions(actor), _("Only administrators define reported indicators."))
    indicator.name = (indicator.name or "").strip()
    if not indicator.name or not indicator.code:
        raise BadInput(_("A reported indicator needs a code and a name."))
    creating = indicator.pk is None
    indicator.save()
    audit_record(
        actor=actor,
        verb="targets.indicator.create" if creating else "targets.indicator.update",
        target=indicator,
        data={"code": indicator.code, "is_rate": indicator.is_rate},
    )
    return indicator


def first_of_month(month) -> date:
    if isinstance(month, str):
        try:
            year, number = (int(part) for part in month.strip().split("-")[:2])
            return date(year, number, 1)
        except ValueError:
            raise BadInput(_("The month must look like 2026-03; got “%(value)s”.") % {"value": month}) from None
    return month.replace(day=1)


def _check_figures(indicator: ReportedIndicator, numerator, denominator) -> tuple[Decimal, Decimal | None]:
    if indicator.is_rate:
        if denominator in (None, ""):
            raise BadInput(
                _("%(name)s is a rate: give the numerator and the denominator, not a percentage.")
                % {"name": indicator.name}
            )
        numerator = to_decimal(numerator, indicator.numerator_label or _("The numerator"))
        denominator = to_decimal(denominator, indicator.denominator_label or _("The denominator"))
        if denominator <= 0:
            raise BadInput(_("The denominator must be above zero."))
        if numerator > denominator:
            raise BadInput(
                _("The numerator (%(n)s) is above the denominator (%(d)s): a rate cannot exceed 100%%.")
                % {"n": numerator, "d": denominator}
            )
    else:
        numerator = to_decimal(numerator, _("The value"))
        if denominator not in (None, ""):
            raise BadInput(
                _("%(name)s is a number, not a rate: leave the denominator empty.") % {"name": indicator.name}
            )
        denominator = None
    if numerator < 0:
        raise BadInput(_("A reported figure cannot be negative."))
    return numerator, denominator


@transaction.atomic
def report_submit(
    *, actor, indicator: ReportedIndicator, unit, month, numerator, denominator=None, note: str = ""
) -> IndicatorReport:
    """填报: a department's figure for a unit and month. A returned report is corrected by submitting
    again; an approved one is changed only with ``report_amend``."""
    permissions.require(
        permissions.may_report(actor, indicator, unit),
        _("Only the responsible department of %(unit)s reports %(name)s.") % {"unit": unit, "name": indicator.name},
    )
    month = first_of_month(month)
    if month > timezone.localdate():
        raise BadInput(_("%(month)s has not begun: report a month that has.") % {"month": f"{month:%Y-%m}"})
    numerator, denominator = _check_figures(indicator, numerator, denominator)
    report = IndicatorReport.objects.select_for_update().filter(indicator=indicator, unit=unit, month=month).first()
    if report is not None and report.state == ReportState.APPROVED:
        raise InvalidTransition(
            _(
                "The figure of %(unit)s for %(month)s is already approved; to change it, "
                "its reviewer amends it with a reason."
            )
            % {"unit": unit, "month": f"{month:%Y-%m}"}
        )
    verb = "targets.report.submit" if report is None else "targets.report.resubmit"
    report = report or IndicatorReport(indicator=indicator, unit=unit, month=month)
    report.numerator, report.denominator, report.note = numerator, denominator, (note or "").strip()
    report.state, report.reported_by = ReportState.SUBMITTED, actor
    report.reviewed_by, report.reviewed_at, report.review_note = None, None, ""
    report.save()
    audit_record(
        actor=actor,
        verb=verb,
        target=report,
        data={"numerator": str(numerator), "denominator": None if denominator is None else str(denominator)},
    )
    return report


def _locked(report: IndicatorReport) -> IndicatorReport:
    try:
        return IndicatorReport.objects.select_for_update(of=("self",)).select_related("indicator", "unit__parent").get(pk=report.pk)
    except IndicatorReport.DoesNotExist:
        raise NotFound(_("That report no longer exists.")) from None


@transaction.atomic
def report_approve(*, actor, report: IndicatorReport, note: str = "") -> IndicatorReport:
    report = _locked(report)
    permissions.require(
        permissions.may_review(actor, report), _("Reports are reviewed by the unit above the one reported for.")
    )
    if report.state != ReportState.SUBMITTED:
        raise InvalidTransition(
            _("Only a report waiting for review can be approved; this one is “%(state)s”.")
            % {"state": report.get_state_display()}
        )
    report.state, report.reviewed_by, report.reviewed_at = ReportState.APPROVED, actor, timezone.now()
    report.review_note = (note or "").strip()[:300]
    report.save()
    audit_record(actor=actor, verb="targets.report.approve", target=report, data={"note": report.review_note})
    return report


@transaction.atomic
def report_return(*, actor, report: IndicatorReport, note: str) -> IndicatorReport:
    report = _locked(report)
    permissions.require(
        permissions.may_review(actor, report), _("Reports are reviewed by the unit above the one reported for.")
    )
    if report.state != ReportState.SUBMITTED:
        raise InvalidTransition(
            _("Only a report waiting for review can be returned; this one is “%(state)s”.")
            % {"state": report.get_state_display()}
        )
    if not (note or "").strip():
        raise BadInput(_("Say what to correct when returning a report."))
    report.state, report.reviewed_by, report.reviewed_at = ReportState.RETURNED, actor, timezone.now()
    report.review_note = note.strip()[:300]
    report.save()
    audit_record(actor=actor, verb="targets.report.return", target=report, data={"note": report.review_note})
    return report


@transaction.atomic
def report_amend(*, actor, report: IndicatorReport, numerator, denominator=None, reason: str) -> IndicatorReport:
    """Change an approved figure: only its reviewers, only with a reason; the old and new figures are audited."""
    report = _locked(report)
    permissions.require(
        permissions.may_review(actor, report), _("An approved figure is changed by the unit that reviews it.")
    )
    if report.state != ReportState.APPROVED:
        raise InvalidTransition(_("Only an approved figure is amended; correct a waiting one by submitting again."))
    if not (reason or "").strip():
        raise BadInput(_("Changing an approved figure needs a reason."))
    numerator, denominator = _check_figures(report.indicator, numerator, denominator)
    before = {
        "numerator": str(report.numerator),
        "denominator": None if report.denominator is None else str(report.denominator),
    }
    report.numerator, report.denominator = numerator, denominator
    report.save()
    audit_record(
        actor=actor,
        verb="targets.report.amend",
        target=report,
        data={
            "before": before,
            "numerator": str(numerator),
            "denominator": None if denominator is None else str(denominator),
            "reason": reason.strip(),
        },
    )
    return report
