"""The staff pages of employment: job seekers of a scope and the incomplete 1131 lists (a unit's, a
counselor's), registration at a 人社 counter and the graduates' list import, one seeker's page (their
1131 ledger, services recorded, jobs recommended with the reasons), the completion rates; for 人社,
employers to verify, a posting with the seekers it suits, public-welfare posts and placements, job fairs.
Every read starts from employment.selectors; every change is one service call."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from core.errors import BadInput, DomainError, NotAllowed
from core.middleware import returns_to
from core.xlsx import xlsx_response
from employment import matching, permissions, selectors, services
from employment.forms import (
    FairForm,
    FollowUpForm,
    IdNumberForm,
    OutcomeForm,
    SeekerFilterForm,
    SeekerForm,
    ServiceForm,
    StatusForm,
    WelfarePostForm,
)
from employment.importers import GraduateListImporter
from employment.models import Employer, FairRegistration, JobFair, Posting, ServiceRecord
from employment.views.public import _seeker_data
from orgs.selectors import units_visible_to

PAGE_SIZE = 30


def _require(check, message):
    if not check:
        raise NotAllowed(message)


def _seeker(request, pk):
    seeker = selectors.seekers_visible_to(request.user).filter(pk=pk).first()
    if seeker is None:
        raise Http404(_("No such job seeker in your scope."))
    return seeker


@staff_required
@require_GET
def seekers(request):
    """就业服务: the seekers of the user's scope; the graduates whose 1131 is incomplete; the user's own."""
    user = request.user
    _require(permissions.may_open_seekers(user), _("This page is for 人社 staff and village, township and county "
                                                   "staff."))
    form = SeekerFilterForm(request.GET or None)
    qs = selectors.seekers_visible_to(user)
    if form.is_valid():
        data = form.cleaned_data
        qs = selectors.seekers_search(qs, query=data["q"], kind=data["kind"], status=data["status"],
                                      incomplete=data["incomplete"])
        if data["incomplete"]:
            qs = selectors.incomplete_1131(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "employment/seekers.html", {
        "form": form, "page": page, "filter_query": params.urlencode(),
        "mine": list(selectors.counselor_incomplete(user)[:15]),
        "mine_count": selectors.counselor_incomplete(user).count(),
        "may_serve": permissions.may_serve_any(user),
        "may_hrss": permissions.may_open_hrss(user),
    })


def _serve_units(user):
    scope = permissions.serve_scope(user)
    units = units_visible_to(user)
    if scope.everything:
        return units
    from django.db.models import Q

    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(path__startswith=path)
    from orgs.models import Unit

    return Unit.objects.filter(q)


@staff_required
@require_http_methods(["GET", "POST"])
def seeker_new(request):
    """Registration at a 人社 counter."""
    user = request.user
    _require(permissions.may_serve_any(user), _("Only 人社 staff and unit handlers register job seekers."))
    form = SeekerForm(request.POST or None, units=_serve_units(user))
    if request.method == "POST" and form.is_valid():
        try:
            seeker = services.seeker_register(actor=user, data=_seeker_data(form), counselor=user)
        except services.DuplicateSeeker as exc:  # back to the form, with a link to the one registered
            form.add_error(None, exc.message)
            return render(request, "employment/seeker_form.html", {"form": form, "duplicate": exc.seeker})
        except DomainError as exc:  # back to the form with what was typed
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Registered: %(name)s.") % {"name": seeker.masked_name})
            return redirect("employment:seeker", pk=seeker.pk)
    return render(request, "employment/seeker_form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def seeker_import(request):
    """The graduates' list (xlsx): checked first (a dry run lists every problem by row and column), then
    saved only when every row is right."""
    user = request.user
    _require(permissions.may_serve_any(user), _("Only 人社 staff and unit handlers import the graduates' list."))
    importer = GraduateListImporter(actor=user)
    if request.GET.get("template"):
        return xlsx_response(importer.template(), "graduates-template.xlsx")
    report = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose an .xlsx file."))
        else:
            try:
                report = importer.run(upload, commit=request.POST.get("commit") == "1")
            except BadInput as exc:
                messages.error(request, exc.message)
    outcomes = [(importer.outcome_labels.get(key, key), n) for key, n in report.outcomes.items()] if report else []
    return render(request, "employment/import.html", {"report": report, "outcomes": outcomes})


@staff_required
@require_GET
def seeker_detail(request, pk):
    user = request.user
    seeker = _seeker(request, pk)
    may_serve = permissions.may_serve_seeker(user, seeker)
    recommended = {r.posting_id for r in seeker.services.filter(kind="recommendation")}
    return render(request, "employment/seeker.html", {
        "seeker": seeker, "ledger": selectors.ledger(seeker), "may_serve": may_serve,
        "standing": services.hard_to_employ_standing(seeker),
        "matches": matching.jobs_for(seeker, k=10, exclude=recommended) if may_serve else [],
        "service_form": ServiceForm(initial={"given_on": timezone.localdate()}),
        "outcome_form": OutcomeForm(), "status_form": StatusForm(initial={"status": seeker.status}),
        "placements": seeker.placements.select_related("post", "post__unit"),
        "fairs": seeker.fair_registrations.select_related("fair"),
        "follow_ups": selectors.seeker_follow_ups(seeker)[:20] if seeker.kind == "hard_to_employ" else [],
        "follow_up_due": getattr(seeker, "follow_up_due", None) if seeker.kind == "hard_to_employ" else None,
        "follow_up_form": FollowUpForm(initial={"followed_on": timezone.localdate()}),
        "subsidies": selectors.subsidies_of(seeker), "today": timezone.localdate(),
    })


@staff_required
@require_POST
@returns_to("employment:seeker", "pk")
def service_new(request, pk):
    seeker = _seeker(request, pk)
    form = ServiceForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Choose the service and a valid date."))
    data = form.cleaned_data
    given = data["given_on"]
    given_at = None
    if given and given != timezone.localdate():
        given_at = datetime.datetime.combine(given, datetime.time(9, 0))
    posting = None
    if request.POST.get("posting"):
        posting = Posting.objects.filter(pk=request.POST["posting"]).first()
    services.service_record(actor=request.user, seeker=seeker, kind=data["kind"], notes=data["notes"],
                            given_at=given_at, posting=posting)
    messages.success(request, _("Recorded."))
    return redirect("employment:seeker", pk=seeker.pk)


@staff_required
@require_POST
@returns_to("employment:seeker", "pk")
def recommend(request, pk):
    seeker = _seeker(request, pk)
    posting = matching.open_postings().filter(pk=request.POST.get("posting") or 0).select_related(
        "employer", "unit").first()
    if posting is None:
        raise BadInput(_("That posting is not open."))
    services.recommendation_record(actor=request.user, seeker=seeker, posting=posting,
                                   notes=request.POST.get("notes", ""))
    messages.success(request, _("Recommended %(title)s to %(name)s.") % {"title": posting.title,
                                                                          "name": seeker.masked_name})
    if request.POST.get("back") == "posting":
        return redirect("employment:posting_staff", pk=posting.pk)
    return redirect("employment:seeker", pk=seeker.pk)


@staff_required
@require_POST
def outcome(request, pk):
    record = ServiceRecord.objects.filter(pk=pk).select_related("seeker").first()
    if record is None or not selectors.seekers_visible_to(request.user).filter(pk=record.seeker_id).exists():
        raise Http404(_("No such service in your scope."))
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Choose the outcome."))
    services.service_set_outcome(actor=request.user, record=record, outcome=form.cleaned_data["outcome"])
    messages.success(request, _("Outcome recorded."))
    return redirect("employment:seeker", pk=record.seeker_id)


@staff_required
@require_POST
@returns_to("employment:seeker", "pk")
def seeker_status(request, pk):
    seeker = _seeker(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        raise BadInput(_("Choose the status."))
    services.seeker_set_status(actor=request.user, seeker=seeker, status=form.cleaned_data["status"])
    messages.success(request, _("Status changed."))
    return redirect("employment:seeker", pk=seeker.pk)


@staff_required
@require_POST
@returns_to("employment:seeker", "pk")
def take_on(request, pk):
    """The staff member becomes the seeker's counselor (就业指导员)."""
    seeker = _seeker(request, pk)
    services.seeker_assign_counselor(actor=request.user, seeker=seeker, counselor=request.user)
    messages.success(request, _("You are %(name)s's counselor.") % {"name": seeker.masked_name})
    return redirect("employment:seeker", pk=seeker.pk)


@staff_required
@require_GET
def dashboard(request):
    user = request.user
    _require(permissions.may_open_seekers(user), _("This page is for 人社 staff and village, township and county "
                                                   "staff."))
    figures = selectors.completion(user)
    return render(request, "employment/dashboard.html", {
        "may_hrss": permissions.may_open_hrss(user), "total": figures.total, "counties": figures.counties,
        "schools": figures.schools})


# --- 人社: employers, postings, public-welfare posts, fairs ---------------------------------------------------

def _hrss(request):
    _require(permissions.may_open_hrss(request.user), _("This page is for 人社 staff."))


@staff_required
@require_GET
def employers(request):
    _hrss(request)
    qs = selectors.employers_visible_to(request.user).order_by("status", "-created_at")
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/employers.html", {"page": page, "status": status,
                                                          "pending": selectors.pending_employers(request.user).count()})


@staff_required
@require_POST
@returns_to("employment:employers")
def employer_decide(request, pk):
    _hrss(request)
    employer = selectors.employers_visible_to(request.user).filter(pk=pk).first()
    if employer is None:
        raise Http404(_("No such employer in your scope."))
    approve = request.POST.get("decision") == "verify"
    services.employer_decide(actor=request.user, employer=employer, approve=approve,
                             note=request.POST.get("note", ""))
    messages.success(request, (_("Verified: %(name)s.") if approve else _("Refused: %(name)s.")) % {
        "name": employer.name})
    return redirect("employment:employers")


@staff_required
@require_GET
def employer_detail(request, pk):
    _hrss(request)
    employer = selectors.employers_visible_to(request.user).filter(pk=pk).first()
    if employer is None:
        raise Http404(_("No such employer in your scope."))
    return render(request, "employment/employer.html", {
        "employer": employer, "postings": employer.postings.select_related("unit").order_by("-created_at")})


@staff_required
@require_GET
def posting_staff(request, pk):
    """A posting with the seekers it suits (in the user's scope), each with the reasons."""
    user = request.user
    _require(permissions.may_open_seekers(user), _("This page is for 人社 staff and village, township and county "
                                                   "staff."))
    posting = selectors.postings_visible_to(user).filter(pk=pk).first()
    if posting is None:
        raise Http404(_("No such posting."))
    matches = []
    if services.posting_is_public(posting) and permissions.may_serve_any(user):
        already = ServiceRecord.objects.filter(posting=posting, kind="recommendation").values("seeker_id")
        within = selectors.seekers_visible_to(user).exclude(pk__in=already)
        matches = matching.seekers_for(posting, k=10, within=within)
    return render(request, "employment/posting_staff.html", {
        "posting": posting, "matches": matches, "public": services.posting_is_public(posting),
        "recommended": ServiceRecord.objects.filter(posting=posting, kind="recommendation",
                                                    seeker__in=selectors.seekers_visible_to(user))
        .select_related("seeker", "given_by").order_by("-given_at")[:50]})


@staff_required
@require_http_methods(["GET", "POST"])
def welfare_posts(request):
    """公益性岗位: the posts of the user's scope, how many places are filled; 人社 creates them."""
    user = request.user
    _require(permissions.may_open_seekers(user), _("This page is for 人社 staff and village, township and county "
                                                   "staff."))
    may_create = permissions.may_open_hrss(user)
    form = WelfarePostForm(request.POST or None, units=_hrss_units(user)) if may_create else None
    if request.method == "POST":
        _require(may_create, _("Only 人社 staff create public-welfare posts."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                post = services.welfare_post_create(actor=user, title=data["title"], unit=data["unit"],
                                                    term_months=data["term_months"],
                                                    monthly_subsidy=data["monthly_subsidy"],
                                                    headcount=data["headcount"], duties=data["duties"])
            except DomainError as exc:  # back to the form with what was typed
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Created: %(post)s.") % {"post": post.title})
                return redirect("employment:welfare_post", pk=post.pk)
    return render(request, "employment/welfare_posts.html", {
        "posts": selectors.welfare_posts_visible_to(user)[:200], "form": form, "may_hrss": may_create})


def _hrss_units(user):
    from django.db.models import Q

    from orgs.models import Unit

    scope = permissions.hrss_scope(user)
    if scope.everything:
        return Unit.objects.all()
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(path__startswith=path)
    return Unit.objects.filter(q)


@staff_required
@require_GET
def welfare_post(request, pk):
    user = request.user
    post = selectors.welfare_posts_visible_to(user).filter(pk=pk).first()
    if post is None:
        raise Http404(_("No such post in your scope."))
    return render(request, "employment/welfare_post.html", {
        "post": post, "placements": post.placements.select_related("seeker", "seeker__unit"),
        "may_place": permissions.in_scope(permissions.hrss_scope(user), post.unit), "form": IdNumberForm(),
        "today": timezone.localdate()})


@staff_required
@require_POST
@returns_to("employment:welfare_post", "pk")
def placement_new(request, pk):
    user = request.user
    post = selectors.welfare_posts_visible_to(user).filter(pk=pk).first()
    if post is None:
        raise Http404(_("No such post in your scope."))
    seeker = selectors.seeker_by_id_number(request.POST.get("id_number", ""))
    if seeker is None:
        raise BadInput(_("No job seeker is registered with that ID number: register them first."))
    services.placement_start(actor=user, post=post, seeker=seeker)
    messages.success(request, _("Placed: %(name)s.") % {"name": seeker.masked_name})
    return redirect("employment:welfare_post", pk=post.pk)


@staff_required
@require_POST
def placement_end(request, pk):
    from employment.models import Placement

    placement = Placement.objects.select_related("post").filter(pk=pk).first()
    if placement is None or not selectors.welfare_posts_visible_to(request.user).filter(
            pk=placement.post_id).exists():
        raise Http404(_("No such placement in your scope."))
    services.placement_end(actor=request.user, placement=placement, reason=request.POST.get("reason", ""))
    messages.success(request, _("Placement ended."))
    return redirect("employment:welfare_post", pk=placement.post_id)


@staff_required
@require_http_methods(["GET", "POST"])
def fairs(request):
    user = request.user
    _require(permissions.may_open_seekers(user), _("This page is for 人社 staff and village, township and county "
                                                   "staff."))
    may_create = permissions.may_open_hrss(user)
    form = FairForm(request.POST or None, units=_hrss_units(user)) if may_create else None
    if request.method == "POST":
        _require(may_create, _("Only 人社 staff organise job fairs."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                fair = services.fair_create(actor=user, title=data["title"], unit=data["unit"], venue=data["venue"],
                                            held_on=data["held_on"])
            except DomainError as exc:  # back to the form with what was typed
                form.add_error(None, exc.message)
            else:
                return redirect("employment:fair", pk=fair.pk)
    return render(request, "employment/fairs.html", {"fairs": selectors.fairs_visible_to(user)[:100], "form": form,
                                                      "may_hrss": may_create})


def _fair(request, pk) -> JobFair:
    fair = selectors.fairs_visible_to(request.user).filter(pk=pk).first()
    if fair is None:
        raise Http404(_("No such job fair in your scope."))
    return fair


@staff_required
@require_GET
def fair_detail(request, pk):
    fair = _fair(request, pk)
    user = request.user
    may_run = permissions.in_scope(permissions.hrss_scope(user), fair.unit)
    return render(request, "employment/fair.html", {
        "fair": fair, "figures": selectors.fair_figures(fair), "may_run": may_run,
        "registrations": selectors.fair_registrations(fair),
        "employers": fair.employers.all(), "postings": fair.postings.select_related("employer"),
        "candidates": selectors.employers_visible_to(user).filter(status="verified").exclude(
            pk__in=fair.employers.values("pk"))[:100] if may_run else [],
        "outcome_form": OutcomeForm(), "form": IdNumberForm()})


@staff_required
@require_POST
@returns_to("employment:fair", "pk")
def fair_action(request, pk):
    """The fair's day: add an employer (with its open postings), register a seeker by ID number, check a
    seeker in, record a result, close the fair."""
    fair = _fair(request, pk)
    user = request.user
    action = request.POST.get("action", "")
    if action == "employer":
        employer = Employer.objects.filter(pk=request.POST.get("employer") or 0).first()
        if employer is None:
            raise BadInput(_("Choose an employer."))
        services.fair_add_employer(actor=user, fair=fair, employer=employer,
                                   postings=list(matching.open_postings().filter(employer=employer)))
    elif action == "register":
        seeker = selectors.seeker_by_id_number(request.POST.get("id_number", ""))
        if seeker is None:
            raise BadInput(_("No job seeker is registered with that ID number: register them first."))
        services.fair_register(actor=user, fair=fair, seeker=seeker)
    elif action in ("check_in", "result"):
        registration = FairRegistration.objects.filter(pk=request.POST.get("registration") or 0, fair=fair).first()
        if registration is None:
            raise BadInput(_("No such registration."))
        if action == "check_in":
            services.fair_check_in(actor=user, registration=registration)
        else:
            services.fair_result(actor=user, registration=registration, result=request.POST.get("outcome", ""))
    elif action == "close":
        services.fair_close(actor=user, fair=fair)
    else:
        raise BadInput(_("Unknown action."))
    messages.success(request, _("Saved."))
    return redirect("employment:fair", pk=fair.pk)

