"""The pages of employment anyone reaches, made for a phone first: the public job list and a posting; a
resident's own registration as a job seeker, their 1131 and the jobs recommended for them, job fairs to
register for; an employer's account: registering the employer, its postings. Each change is one service
call; a form refused by a service comes back with what was typed and the message."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import resident_required
from core.errors import DomainError
from core.middleware import returns_to
from employment import matching, permissions, selectors, services
from employment.forms import EmployerForm, PostingForm, SeekerForm
from employment.models import JobFair, Posting, PostingKind

PAGE_SIZE = 20


@require_GET
def portal(request):
    """就业: the open jobs and internships for everyone; for a signed-in resident, their own registration
    and, when they act for an employer, its postings."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in PostingKind.values else ""
    query = request.GET.get("q", "")[:50]
    page = Paginator(selectors.public_postings(query=query, kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user
    resident = user.is_authenticated and user.is_resident
    return render(request, "employment/portal.html", {
        "page": page, "kind": kind, "q": query, "kinds": PostingKind.choices,
        "resident": resident,
        "seeker": selectors.seeker_of(user) if resident else None,
        "employer": permissions.employer_of(user) if resident else None,
        "fairs": selectors.fairs_open_to_seekers()[:5],
    })


@require_GET
def posting_detail(request, pk):
    posting = Posting.objects.select_related("employer", "unit").filter(pk=pk).first()
    if posting is None:
        raise Http404(_("No such posting."))
    user = request.user
    own = permissions.acts_for(user, posting.employer) if user.is_authenticated else False
    staff = user.is_authenticated and not user.is_resident and permissions.may_open_seekers(user)
    if not (services.posting_is_public(posting) or own or staff):
        raise Http404(_("This posting is not open."))
    return render(request, "employment/posting.html", {"posting": posting, "own": own, "staff": staff,
                                                        "public": services.posting_is_public(posting)})


def _seeker_data(form, *, user=None) -> services.SeekerData:
    data = form.cleaned_data
    return services.SeekerData(
        name=data["name"], id_number=data["id_number"], unit=data["unit"], kind=data["kind"],
        phone=data.get("phone", "") or "", education=data["education"], school=data["school"], major=data["major"],
        graduation_year=data["graduation_year"], skills=data["skills"], wishes=data["wishes"],
        desired_place=data["desired_place"], desired_salary=data["desired_salary"])


@resident_required
@require_http_methods(["GET", "POST"])
def register(request):
    """A resident registers as a job seeker on their phone."""
    if selectors.seeker_of(request.user) is not None:
        return redirect("employment:me")
    form = SeekerForm(request.POST or None, resident=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.seeker_register(actor=request.user, data=_seeker_data(form))
        except DomainError as exc:  # back to the form with what was typed
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("You are registered as a job seeker. The 人社 service will contact you."))
            return redirect("employment:me")
    return render(request, "employment/register.html", {"form": form})


@resident_required
@require_GET
def me(request):
    """My job search: status, the 1131 services given and missing, recommended jobs, job fairs."""
    seeker = selectors.seeker_of(request.user)
    if seeker is None:
        return redirect("employment:register")
    recommended = {r.posting_id for r in seeker.services.filter(kind="recommendation")}
    return render(request, "employment/me.html", {
        "seeker": seeker, "ledger": selectors.ledger(seeker),
        "matches": matching.jobs_for(seeker, k=10, exclude=recommended),
        "fairs": selectors.fairs_open_to_seekers()[:5],
        "registered_fairs": set(seeker.fair_registrations.values_list("fair_id", flat=True)),
    })


@resident_required
@require_POST
@returns_to("employment:me")
def fair_register(request, pk):
    seeker = selectors.seeker_of(request.user)
    if seeker is None:
        return redirect("employment:register")
    fair = JobFair.objects.filter(pk=pk).first()
    if fair is None:
        raise Http404(_("No such job fair."))
    services.fair_register(actor=request.user, fair=fair, seeker=seeker)
    messages.success(request, _("You are registered for %(fair)s.") % {"fair": fair.title})
    return redirect("employment:me")


# --- an employer's account -------------------------------------------------------------------------------

@resident_required
@require_http_methods(["GET", "POST"])
def employer_home(request):
    """An employer's page: register the employer (then wait for 人社's verification), its postings."""
    employer = permissions.employer_of(request.user)
    if employer is None:
        form = EmployerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.employer_register(actor=request.user, data=services.EmployerData(
                    name=data["name"], credit_code=data["credit_code"], unit=data["unit"],
                    contact_name=data["contact_name"], contact_phone=data["contact_phone"],
                    address=data["address"], industry=data["industry"]))
            except DomainError as exc:  # back to the form with what was typed
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The employer is registered. 人社 staff will verify it; your postings "
                                            "are public once it is verified."))
                return redirect("employment:employer")
        return render(request, "employment/employer_register.html", {"form": form})
    return render(request, "employment/employer_home.html", {
        "employer": employer, "postings": selectors.employer_postings(employer)})


@resident_required
@require_http_methods(["GET", "POST"])
def posting_new(request):
    employer = permissions.employer_of(request.user)
    if employer is None:
        return redirect("employment:employer")
    form = PostingForm(request.POST or None, initial={"kind": request.GET.get("kind", PostingKind.JOB)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            posting = services.posting_create(actor=request.user, employer=employer, data=services.PostingData(
                title=data["title"], duties=data["duties"], requirements=data["requirements"],
                education=data["education"], salary_min=data["salary_min"], salary_max=data["salary_max"],
                unit=data["unit"], headcount=data["headcount"], closes_on=data["closes_on"], kind=data["kind"],
                duration_months=data["duration_months"], subsidy=data["subsidy"]))
        except DomainError as exc:  # back to the form with what was typed, every problem listed
            for problem in exc.details or [exc.message]:
                form.add_error(None, problem)
        else:
            messages.success(request, _("Posted: %(title)s.") % {"title": posting.title})
            return redirect("employment:employer")
    return render(request, "employment/posting_form.html", {"form": form, "employer": employer})


@resident_required
@require_POST
@returns_to("employment:employer")
def posting_close(request, pk):
    employer = permissions.employer_of(request.user)
    posting = Posting.objects.select_related("employer").filter(pk=pk, employer=employer).first() if employer else None
    if posting is None:
        raise Http404(_("No such posting."))
    services.posting_close(actor=request.user, posting=posting)
    messages.success(request, _("Closed: %(title)s.") % {"title": posting.title})
    return redirect("employment:employer")
