"""The pages of following up the hard-to-employ and of 社保补贴, staff's (the overdue lists, a follow-up
recorded, the review queue, a batch paid) and the application form that the seeker's phone and the counter
share. Reads from employment.selectors, each change one service call."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import resident_required, staff_required
from core.errors import BadInput, NotAllowed
from core.middleware import returns_to
from employment import eligibility, permissions, selectors, services
from employment.forms import FollowUpForm, SubsidyApplicationForm, SubsidyDecisionForm, SubsidyPaymentForm
from employment.models import SeekerStatus, SubsidyForm, SubsidyStatus

PAGE_SIZE = 30


def _seeker(request, pk):
    seeker = selectors.seekers_visible_to(request.user).filter(pk=pk).first()
    if seeker is None:
        raise Http404(_("No such job seeker in your scope."))
    return seeker


# --- follow-ups ---------------------------------------------------------------------------------------------

@staff_required
@require_GET
def follow_ups(request):
    """Who is overdue or due a follow-up: the counselor's own (``?mine=1``) or the whole scope's."""
    user = request.user
    if not permissions.may_follow_up_any(user):
        raise NotAllowed(_("The follow-up list is for counselors and the units' employment staff."))
    mine = request.GET.get("mine") == "1"
    overdue = request.GET.get("overdue") == "1"
    rows = selectors.follow_ups_due(user, mine=mine, overdue_only=overdue)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/follow_ups.html", {
        "page": page, "mine": mine, "overdue": overdue, "today": timezone.localdate(),
        "figures": selectors.follow_up_figures(user), "tab": "follow_ups",
        "filter_query": "&".join(q for q, on in (("mine=1", mine), ("overdue=1", overdue)) if on),
        "may_hrss": permissions.may_open_hrss(user)})


@staff_required
@require_POST
@returns_to("employment:seeker", "pk")
def follow_up_new(request, pk):
    seeker = _seeker(request, pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Choose the contact way and write the situation."))
    data = form.cleaned_data
    record = services.follow_up_record(actor=request.user, seeker=seeker, data=services.FollowUpData(
        way=data["way"], situation=data["situation"], needs=data["needs"], next_step=data["next_step"],
        followed_at=data["followed_on"] if data["followed_on"] and data["followed_on"] != timezone.localdate()
        else None, file_need=data["file_need"]))
    if record.appeal_code:
        messages.success(request, _("Follow-up recorded; the need was filed as demand %(code)s.")
                         % {"code": record.appeal_code})
    else:
        messages.success(request, _("Follow-up recorded."))
    return redirect("employment:seeker", pk=seeker.pk)


# --- applying (the seeker's phone and the counter) -------------------------------------------------------

def _default_form(seeker) -> dict:
    this_month = timezone.localdate().replace(day=1)
    first = (this_month - datetime.timedelta(days=1)).replace(day=1)
    first = (first - datetime.timedelta(days=1)).replace(day=1)
    kind = SubsidyForm.PUBLIC_WELFARE if seeker.status == SeekerStatus.PUBLIC_WELFARE else SubsidyForm.FLEXIBLE
    return {"form": kind, "first_month": f"{first:%Y-%m}", "last_month": f"{this_month:%Y-%m}"}


def _apply(request, seeker, *, template_context: dict, done_url, application=None):
    """GET shows the form and the checklist for what it holds; POST with ``check`` shows the checklist for
    what was typed, without writing; POST submits (or, for a returned application, sends it again)."""
    if request.method == "POST":
        form = SubsidyApplicationForm(request.POST)
    elif application is not None:
        form = SubsidyApplicationForm(initial={
            "form": application.form, "first_month": f"{application.first_month:%Y-%m}",
            "last_month": f"{application.last_month:%Y-%m}", "monthly_amount": application.monthly_amount,
            "proof": application.proof})
    else:
        form = SubsidyApplicationForm(initial=_default_form(seeker))
    values = form.data if form.is_bound else form.initial
    error, result = None, None
    data = services.SubsidyData(form=values.get("form", ""), first_month=values.get("first_month", ""),
                                last_month=values.get("last_month", ""),
                                monthly_amount=values.get("monthly_amount", ""), proof=values.get("proof", ""))
    # A refusal re-renders the form with what was typed and the checklist, so nothing typed is lost.
    try:
        if request.method == "POST" and "check" not in request.POST:
            if application is None:
                services.subsidy_apply(actor=request.user, seeker=seeker, data=data)
            else:
                services.subsidy_resubmit(actor=request.user, application=application, data=data)
            messages.success(request, _("Application submitted: 人社 will review it."))
            return redirect(done_url)
        if data.monthly_amount or request.method == "POST":
            result = services.subsidy_check(seeker, data, exclude=application)
        else:
            result = services.subsidy_check(seeker, services.SubsidyData(**{**data.__dict__, "monthly_amount": "1"}),
                                            exclude=application)
            result.checks = [c for c in result.checks if c.key not in ("amount", "proof")]
    except BadInput as exc:
        error = exc.message
        if request.method == "POST":
            try:
                result = services.subsidy_check(seeker, data, exclude=application)
            except BadInput:
                result = None
    return render(request, "employment/subsidy_apply.html", {
        **template_context, "seeker": seeker, "form": form, "result": result, "error": error,
        "application": application, "config": eligibility.rules(),
        "subsidies": selectors.subsidies_of(seeker)})


@staff_required
@require_http_methods(["GET", "POST"])
def subsidy_counter(request, pk):
    """At the counter, on the seeker's behalf."""
    seeker = _seeker(request, pk)
    if not permissions.may_serve_seeker(request.user, seeker):
        raise NotAllowed(_("Only 人社 staff and the unit's handlers responsible for %(name)s may apply for them.")
                         % {"name": seeker.masked_name})
    return _apply(request, seeker, template_context={"staff": True}, done_url=reverse("employment:seeker", args=[seeker.pk]))


@resident_required
@require_http_methods(["GET", "POST"])
def my_subsidies(request):
    """The seeker's own applications, their status and the reasons, and the form to apply."""
    seeker = selectors.seeker_of(request.user)
    if seeker is None:
        return redirect("employment:register")
    return _apply(request, seeker, template_context={"staff": False}, done_url=reverse("employment:my_subsidies"))


@resident_required
@require_http_methods(["GET", "POST"])
def my_subsidy_correct(request, pk):
    seeker = selectors.seeker_of(request.user)
    application = seeker and selectors.subsidies_of(seeker).filter(pk=pk, status=SubsidyStatus.RETURNED).first()
    if not application:
        raise Http404(_("No such returned application of yours."))
    return _apply(request, seeker, template_context={"staff": False}, done_url=reverse("employment:my_subsidies"),
                  application=application)


# --- review and payment (人社) ----------------------------------------------------------------------------

def _require_reviewer(user):
    if not permissions.may_review_subsidies(user):
        raise NotAllowed(_("Social insurance subsidies are reviewed by 人社 staff."))


@staff_required
@require_GET
def subsidies(request):
    user = request.user
    _require_reviewer(user)
    status = request.GET.get("status", SubsidyStatus.SUBMITTED)
    if status not in SubsidyStatus.values and status != "all":
        status = SubsidyStatus.SUBMITTED
    rows = selectors.subsidy_queue(user, status="" if status == "all" else status)
    counts = selectors.subsidy_counts(user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/subsidies.html", {
        "page": page, "status": status,
        "statuses": [(value, label, counts[value]) for value, label in SubsidyStatus.choices], "pay_form": SubsidyPaymentForm(initial={"paid_on": timezone.localdate()}),
        "tab": "subsidies", "may_hrss": True})


def _application(request, pk):
    application = selectors.subsidies_visible_to(request.user).filter(pk=pk).first()
    if application is None:
        raise Http404(_("No such application in your scope."))
    return application


@staff_required
@require_GET
def subsidy_detail(request, pk):
    application = _application(request, pk)
    may_review = permissions.in_scope(permissions.hrss_scope(request.user), application.seeker.unit)
    return render(request, "employment/subsidy.html", {
        "a": application, "may_review": may_review, "decision_form": SubsidyDecisionForm(),
        "others": selectors.subsidies_of(application.seeker).exclude(pk=application.pk),
        "standing": services.hard_to_employ_standing(application.seeker), "tab": "subsidies", "may_hrss": True})


@staff_required
@require_POST
@returns_to("employment:subsidy", "pk")
def subsidy_decide(request, pk):
    application = _application(request, pk)
    form = SubsidyDecisionForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Choose the decision."))
    decided = services.subsidy_decide(actor=request.user, application=application,
                                      decision=form.cleaned_data["decision"], reason=form.cleaned_data["reason"])
    messages.success(request, _("Decided: %(status)s.") % {"status": decided.get_status_display()})
    return redirect("employment:subsidies")


@staff_required
@require_POST
@returns_to("employment:subsidies")
def subsidy_pay(request):
    _require_reviewer(request.user)
    form = SubsidyPaymentForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Give the day it was paid and the payment reference."))
    ids = [int(v) for v in request.POST.getlist("application") if v.isdigit()]
    visible = list(selectors.subsidy_queue(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    if len(visible) != len(set(ids)):
        raise NotAllowed(_("Some of the applications chosen are not in your units."))
    payment = services.subsidy_pay(actor=request.user, applications=visible, paid_on=form.cleaned_data["paid_on"],
                                   reference=form.cleaned_data["reference"])
    messages.success(request, _("Payment %(ref)s recorded: %(n)s applications, %(total)s yuan.")
                     % {"ref": payment.reference, "n": payment.count, "total": payment.total})
    return redirect(reverse("employment:subsidies") + f"?status={SubsidyStatus.PAID}")
