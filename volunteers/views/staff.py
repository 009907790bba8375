"""The staff pages of 志愿服务: volunteers of the scope (applications first) and one volunteer's record
(approve with the ID checked once, the audited reveal, the ledger with corrections), activities and the
new-activity form (a person in care's need included), an activity's page (its check-in QR, the roster
with check-in and check-out, suggestions with the reasons, invitations), and the page a volunteer's
own QR opens on the organiser's phone. Every read starts from volunteers.selectors; every change is one
service call."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from core.errors import DomainError, NotAllowed
from core.middleware import RETURN_ATTR, back_url, returns_to
from orgs.models import Level
from orgs.selectors import units_visible_to
from volunteers import permissions, selectors, services
from volunteers.forms import ActivityForm, CancelForm, CorrectionForm, DecideForm, RevealForm
from volunteers.models import NeedSource, Signup, SignupStatus, VolunteerStatus
from volunteers.qr import qr_svg, qr_svg_document

PAGE_SIZE = 30


def _require_open(user):
    if not permissions.may_open_staff(user):
        raise NotAllowed(_("These pages are for community, township and county staff."))


def _volunteer(request, pk):
    volunteer = selectors.volunteers_visible_to(request.user).filter(pk=pk).first()
    if volunteer is None:
        raise Http404(_("No such volunteer in your scope."))
    return volunteer


def _activity(request, pk):
    activity = selectors.activities_visible_to(request.user).filter(pk=pk).first()
    if activity is None:
        raise Http404(_("No such activity in your scope."))
    return activity


@staff_required
@require_GET
def volunteers(request):
    user = request.user
    _require_open(user)
    status = request.GET.get("status", "")
    qs = selectors.volunteers_visible_to(user)
    if status in VolunteerStatus.values:
        qs = qs.filter(status=status)
    applied = list(selectors.volunteers_visible_to(user).filter(status=VolunteerStatus.APPLIED)
                   .order_by("created_at")[:50])
    page = Paginator(qs.order_by("unit__path", "name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/staff_volunteers.html", {
        "page": page, "applied": applied, "status": status, "statuses": VolunteerStatus.choices,
        "may_manage": permissions.may_manage_any(user)})


def _render_volunteer(request, volunteer, *, revealed=None, decide_form=None, status=200):
    user = request.user
    entries = list(selectors.ledger(volunteer)[:100])
    response = render(request, "volunteers/staff_volunteer.html", {
        "volunteer": volunteer, "entries": entries, "revealed": revealed,
        "skills": list(volunteer.skills.all()),
        "total_hours": round(selectors.total_minutes(volunteer) / 60, 1),
        "may_manage": permissions.may_manage_unit(user, volunteer.unit),
        "decide_form": decide_form or DecideForm(), "reveal_form": RevealForm(), "correction_form": CorrectionForm(),
        "applied": volunteer.status != VolunteerStatus.APPROVED,
        "upcoming": list(selectors.upcoming_signups(volunteer)[:20]),
    }, status=status)
    if revealed is not None:
        response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_GET
def volunteer_detail(request, pk):
    _require_open(request.user)
    return _render_volunteer(request, _volunteer(request, pk))


@staff_required
@require_POST
@returns_to("volunteers:staff_volunteer", "pk")
def volunteer_decide(request, pk):
    volunteer = _volunteer(request, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _render_volunteer(request, volunteer, decide_form=form, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    services.volunteer_decide(actor=request.user, volunteer=volunteer, approve=approve,
                              id_checked=form.cleaned_data["id_checked"], note=form.cleaned_data["note"])
    messages.success(request, _("Approved.") if approve else _("Refused."))
    return redirect("volunteers:staff_volunteer", pk=volunteer.pk)


@staff_required
@require_POST
@returns_to("volunteers:staff_volunteer", "pk")
def volunteer_reveal(request, pk):
    volunteer = _volunteer(request, pk)
    form = RevealForm(request.POST)
    purpose = form.cleaned_data["purpose"] if form.is_valid() else ""
    clear = services.volunteer_reveal(actor=request.user, volunteer=volunteer, purpose=purpose)
    return _render_volunteer(request, volunteer, revealed=clear)


@staff_required
@require_POST
def hours_correct(request, pk):
    entry = selectors.hours_visible_to(request.user).filter(pk=pk).first()
    if entry is None:
        raise Http404(_("No such entry in your scope."))
    setattr(request, RETURN_ATTR, ("volunteers:staff_volunteer", {"pk": entry.volunteer_id}))
    form = CorrectionForm(request.POST)
    minutes = form.cleaned_data["minutes"] if form.is_valid() else request.POST.get("minutes")
    reason = request.POST.get("reason", "")
    services.hours_correct(actor=request.user, entry=entry, minutes=minutes, reason=reason)
    messages.success(request, _("Correction added to the ledger."))
    return redirect("volunteers:staff_volunteer", pk=entry.volunteer_id)


@staff_required
@require_GET
def activities(request):
    user = request.user
    _require_open(user)
    qs = selectors.with_places(selectors.activities_visible_to(user)).order_by("-created_at", "-pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/staff_activities.html", {
        "page": page, "may_manage": permissions.may_manage_any(user)})


def _manageable_units(user):
    scope = permissions.unit_scope(user, permissions.MANAGE_ROLES)
    units = units_visible_to(user, roles=permissions.MANAGE_ROLES).filter(is_active=True).exclude(level=Level.GRID)
    if not scope.everything and not scope.unit_paths:
        return units.none()
    return units.order_by("path")


@staff_required
@require_http_methods(["GET", "POST"])
def activity_new(request):
    user = request.user
    if not permissions.may_manage_any(user):
        raise NotAllowed(_("Only community, township and county staff may publish activities."))
    units = _manageable_units(user)
    initial = {}
    person = None
    if request.GET.get("care_person", "").isdigit():
        person_id = int(request.GET["care_person"])
        person = services.care_person_in_scope(user, person_id)
        initial = {"care_person": person_id, "need_source": NeedSource.CARE, "unit": person.unit_id}
    form = ActivityForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Caught here: the form keeps what was typed (slots included).
        try:
            activity = services.activity_create(
                actor=user, title=data["title"], description=data["description"], unit=data["unit"],
                place=data["place"], slots=form.slots(), skills=data["skills"], organisation=data["organisation"],
                need_source=data["need_source"], need_ref=data["need_ref"], care_person_id=data["care_person"],
                withdraw_cutoff_hours=data["withdraw_cutoff_hours"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Activity published: volunteers can sign up now."))
            return redirect("volunteers:staff_activity", pk=activity.pk)
    return render(request, "volunteers/staff_activity_form.html", {"form": form, "person": person},
                  status=400 if form.errors else 200)


@staff_required
@require_GET
def activity_detail(request, pk):
    user = request.user
    _require_open(user)
    activity = _activity(request, pk)
    checkin_url = request.build_absolute_uri(reverse("volunteers:checkin", args=[activity.checkin_code]))
    may_manage = permissions.may_manage_unit(user, activity.unit)
    return render(request, "volunteers/staff_activity.html", {
        "activity": activity, "slots": list(activity.slots.all()), "roster": list(selectors.roster(activity)),
        "skills": list(activity.skills.all()), "may_manage": may_manage,
        "suggestions": selectors.suggestions(user, activity) if may_manage else [],
        "checkin_url": checkin_url, "qr": qr_svg(checkin_url) if may_manage else "",
        "cancel_form": CancelForm(), "now": timezone.now(),
    })


@staff_required
@require_POST
@returns_to("volunteers:staff_activity", "pk")
def activity_cancel(request, pk):
    activity = _activity(request, pk)
    services.activity_cancel(actor=request.user, activity=activity, reason=request.POST.get("reason", ""))
    messages.success(request, _("Activity cancelled."))
    return redirect("volunteers:staff_activity", pk=pk)


@staff_required
@require_POST
@returns_to("volunteers:staff_activity", "pk")
def invite(request, pk, volunteer):
    user = request.user
    activity = _activity(request, pk)
    found = next((s for s in selectors.suggestions(user, activity, limit=500) if s.volunteer.pk == volunteer), None)
    if found is None:
        raise Http404(_("This volunteer is not among the suggestions for the activity."))
    services.invitation_send(actor=user, activity=activity, volunteer=found.volunteer, reasons=found.reasons)
    messages.success(request, _("%(name)s is invited.") % {"name": found.volunteer.masked_name})
    return redirect("volunteers:staff_activity", pk=pk)


def _signup(request, pk):
    signup = (Signup.objects.select_related("slot__activity__unit", "volunteer")
              .filter(pk=pk, slot__activity__in=selectors.activities_visible_to(request.user)).first())
    if signup is None:
        raise Http404(_("No such sign-up in your scope."))
    return signup


@staff_required
@require_POST
def signup_check(request, pk, action):
    """The organiser checks a volunteer in or out (from the roster, or after scanning their code)."""
    if action not in ("in", "out"):
        raise Http404
    signup = _signup(request, pk)
    setattr(request, RETURN_ATTR, ("volunteers:staff_activity", {"pk": signup.slot.activity_id}))
    if action == "in":
        services.signup_check_in(actor=request.user, signup=signup)
        messages.success(request, _("%(name)s checked in.") % {"name": signup.volunteer.masked_name})
    else:
        entry = services.signup_check_out(actor=request.user, signup=signup)
        messages.success(request, _("%(name)s checked out: %(minutes)s minutes.") % {
            "name": signup.volunteer.masked_name, "minutes": entry.minutes})
    return redirect(back_url(request))


@staff_required
@require_GET
def scan(request, code):
    """What a volunteer's own QR code opens on the organiser's phone: their sign-ups for today in the
    organiser's scope, with check-in and check-out."""
    _require_open(request.user)
    volunteer = selectors.volunteer_by_code(code)
    if volunteer is None:
        raise Http404(_("This QR code is not a volunteer's."))
    now = timezone.now()
    signups = list(Signup.objects.filter(
        volunteer=volunteer, status=SignupStatus.SIGNED_UP,
        slot__activity__in=selectors.activities_visible_to(request.user),
        slot__starts_at__date__lte=timezone.localdate(now), slot__ends_at__gte=now - timedelta(hours=12),
    ).select_related("slot__activity").order_by("slot__starts_at"))
    return render(request, "volunteers/staff_scan.html", {"volunteer": volunteer, "signups": signups})


@staff_required
@require_GET
def activity_qr(request, pk):
    activity = _activity(request, pk)
    url = request.build_absolute_uri(reverse("volunteers:checkin", args=[activity.checkin_code]))
    return HttpResponse(qr_svg_document(url, scale=12), content_type="image/svg+xml")

