"""The staff pages of care: a responsible person's visits (我的走访, made for a phone), the registry of
a scope (包联对象), one person's record with their visits and the demands those filed, the visit form,
and a unit's figures. Every read starts from care.selectors; every change is one service call. ID
numbers and phones are masked; the clear values appear once, on the response to an audited reveal."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from care import permissions, selectors, services
from care.forms import AccessExportForm, AssignForm, OverrideForm, PeopleFilterForm, RevealForm, VisitForm
from care.models import EscalationLevel, RiskLevel
from core.errors import DomainError, NotAllowed
from core.middleware import returns_to
from volunteers.selectors import activities_for_person

PAGE_SIZE = 30


def _visible_person(request, pk):
    person = selectors.people_visible_to(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404(_("No such person in your scope."))
    return person


def _pk_links(url_name: str):
    """reverse() once for a URL that takes a person's pk: 我的走访 links each of a few hundred rows twice,
    and a {% url %} each cost the page more than its query did."""
    marker = "2147483647"
    prefix, suffix = reverse(url_name, args=[int(marker)]).rsplit(marker, 1)
    return lambda pk: f"{prefix}{pk}{suffix}"


def _dress_rows(*sections) -> None:
    """The row's links and its words, made once here rather than in the template's loops: one gettext a
    label, not one a row."""
    person_url, visit_url = _pk_links("care:person"), _pk_links("care:visit_new")
    risk_labels = {value: str(label) for value, label in RiskLevel.choices}
    overdue_since, due_on, unplanned = _("Overdue since %(d)s"), _("Due %(d)s"), _("No visit planned")
    for rows in sections:
        for row in rows:
            row.url, row.visit_url = person_url(row.pk), visit_url(row.pk)
            row.risk_label = risk_labels.get(row.risk_level, row.risk_level)
            due = row.next_visit_due
            row.due_text = (unplanned if due is None
                            else (overdue_since if row.overdue else due_on) % {"d": due.isoformat()})


@staff_required
@require_GET
def mine(request):
    """我的走访: the people the user is responsible for, due or overdue first, 50 at a time (?page=2…);
    then those due for a seasonal check, then (folded) the next few due later."""
    user = request.user
    if not permissions.may_open_visits(user):
        raise NotAllowed(_("This page lists the people you are responsible for (包联); you have none."))
    today = timezone.localdate()
    page = request.GET.get("page", "")
    lists = selectors.my_visits(user, today=today, page=int(page) if page.isdecimal() and len(page) < 7 else 1)
    _dress_rows(lists.due, lists.later, *(season.people for season in lists.seasonal))
    return render(request, "care/mine.html", {
        "seasonal": lists.seasonal,
        "due": lists.due,
        "page": lists.page,
        "overdue_count": lists.overdue_count,
        "later": lists.later,
        "later_count": lists.later_count,
        "today": today,
        "may_open_registry": permissions.may_open_registry(user),
    })


@staff_required
@require_GET
def people(request):
    """包联对象: the registry of the user's scope, filtered and paged; everything masked."""
    user = request.user
    if not permissions.may_open_registry(user):
        raise NotAllowed(_("The registry is for village, township and county staff and grid workers."))
    form = PeopleFilterForm(request.GET or None)
    qs = selectors.people_visible_to(user)
    if form.is_valid():
        qs = selectors.people_search(qs, query=form.cleaned_data["q"], category=form.cleaned_data["category"],
                                     risk=form.cleaned_data["risk"],
                                     status=form.cleaned_data["status"] or selectors.RecordStatus.CURRENT)
    else:
        qs = qs.filter(ended_on__isnull=True)
    qs = selectors.with_open_memberships(qs.annotate(risk_rank=selectors.RISK_ORDER)
                                         .order_by("-risk_rank", "next_visit_due", "pk"), user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "care/people.html", {
        "form": form, "page": page, "filter_query": params.urlencode(), "today": timezone.localdate(),
        "units": selectors.units_for_dashboard(user)[:1],
        "may_register": selectors.units_for_dashboard(user).exists() and permissions.may_manage_any(user),
    })


def _render_person(request, person, *, revealed=None, reveal_form=None, override_form=None, status=200):
    user = request.user
    visits = list(selectors.person_visits(person)[:50])
    needs = selectors.needs_with_state(user, visits)
    for visit in visits:
        visit.need_items = needs.get(visit.pk, [])
    may_manage = permissions.may_manage(user, person)
    response = render(request, "care/person.html", {
        "volunteer_activities": list(activities_for_person(person.pk)),  # volunteers' (a peer's) selector
        "person": person,
        "memberships": selectors.open_memberships(person, user),
        "ended_memberships": selectors.ended_memberships(person, user),
        "carers": list(selectors.carers_of(person)),
        "past_carers": [a for a in selectors.assignment_history(person) if a.until is not None],
        "assign_form": AssignForm(candidates=selectors.carer_candidates(person)) if may_manage else None,
        "needs": selectors.person_needs(user, person),
        "may_file_need": permissions.may_file_need(user, person),
        "may_export_access": permissions.may_export_access(user, person),
        "access_form": AccessExportForm(auto_id="access_%s"),  # the reveal form has a purpose too
        "visits": visits,
        "revealed": revealed,
        "may_reveal": permissions.may_reveal(user, person),
        "may_manage": may_manage,
        "may_visit": permissions.may_visit(user, person),
        "reveal_form": reveal_form or RevealForm(),
        "override_form": override_form or OverrideForm(initial={"level": person.risk_override}),
        "today": timezone.localdate(),
        "high": RiskLevel.HIGH,
    }, status=status)
    if revealed is not None:
        response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_GET
def person_detail(request, pk):
    return _render_person(request, _visible_person(request, pk))


@staff_required
@require_POST
@returns_to("care:person", "pk")
def reveal(request, pk):
    person = _visible_person(request, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _render_person(request, person, reveal_form=form, status=400)
    clear = services.person_reveal(actor=request.user, person=person, purpose=form.cleaned_data["purpose"])
    return _render_person(request, person, revealed=clear)


@staff_required
@require_POST
@returns_to("care:person", "pk")
def override_risk(request, pk):
    person = _visible_person(request, pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        return _render_person(request, person, override_form=form, status=400)
    services.person_override_risk(actor=request.user, person=person, level=form.cleaned_data["level"],
                                  reason=form.cleaned_data["reason"])
    messages.success(request, _("Risk level saved."))
    return redirect("care:person", pk=person.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def visit_new(request, pk):
    user = request.user
    person = _visible_person(request, pk)
    permissions.require_visit(user, person)
    form = VisitForm(request.POST or None, request.FILES or None, items=services.checklist_items(person))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # Kept here rather than left to core.middleware: a refused visit comes back with everything
            # the visitor typed in the home, and the reason above it.
            try:
                visit, created = services.visit_record(
                    actor=user, person=person, visited_at=form.cleaned_data["visited_at"],
                    token=form.cleaned_data["token"], checklist=form.checklist(),
                    notes=form.cleaned_data["notes"], need=form.need(), photos=form.cleaned_data["photos"])
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                if created:
                    messages.success(request, _("Visit recorded.") if not visit.needs.exists()
                                     else _("Visit recorded; the need was filed as a demand."))
                else:
                    messages.info(request, _("This visit was recorded already; it was not recorded twice."))
                # The form's script forgets what it kept of this visit when it sees the redirect.
                return redirect("care:visit", pk=visit.pk)
        else:
            status = 400
    return render(request, "care/visit_form.html", {"person": person, "form": form,
                                                     "max_photos": services.MAX_VISIT_PHOTOS}, status=status)


@staff_required
@require_GET
def visit_detail(request, pk):
    """One visit: its checklist, notes, photos and the demands it filed, with their states now."""
    visit = selectors.visit_visible_to(request.user, pk)
    if visit is None:
        raise Http404(_("No such visit in your scope."))
    labels = dict(services.checklist_items(visit.person, day=timezone.localdate(visit.visited_at)))
    checks = [(labels.get(key, key), value) for key, value in visit.checklist.items()]
    return render(request, "care/visit.html", {
        "visit": visit, "person": visit.person, "checks": checks, "photos": list(visit.photos.all()),
        "needs": selectors.needs_with_state(request.user, [visit]).get(visit.pk, []),
    })


@staff_required
@require_GET
def visit_photo(request, pk, photo_id):
    """A visit's photo, to those who may see the person (media files are not public)."""
    visit = selectors.visit_visible_to(request.user, pk)
    photo = visit.photos.filter(pk=photo_id).first() if visit else None
    if photo is None:
        raise Http404
    try:
        response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    except FileNotFoundError:
        raise Http404 from None
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
@require_GET
def escalated(request):
    """走访超期: the people whose visit is so overdue that it came to the village's (or the township's)
    queue, for the staff of those units, with their responsible people to call."""
    user = request.user
    levels = selectors.escalation_levels_for(user)
    if not levels:
        raise NotAllowed(_("The overdue visits escalated to a village or township are for its staff."))
    level = request.GET.get("level") if request.GET.get("level") in levels else levels[0]
    qs = selectors.escalated_visible_to(user, level)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for person in page:
        person.days_overdue = (today - person.next_visit_due).days if person.next_visit_due else None
    return render(request, "care/escalated.html", {
        "page": page, "level": level, "levels": [(value, EscalationLevel(value).label) for value in levels],
        "today": today,
    })
