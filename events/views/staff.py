"""The organisers' pages: the events of a scope (活动组织), creating and editing, publishing, closing,
cancelling and finishing; an event's sign-ups and teams with check-in by ticking the list; check-in by
the QR code's URL or its code; results and photos afterwards; and the printable A4 notice with a QR code."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from core.errors import BadInput, DomainError, NotAllowed
from core.middleware import returns_to
from events import lifecycle, permissions, selectors, services
from events.forms import CancelForm, CheckinForm, EventForm, PhotoForm, ResultsForm
from events.models import EventState, Signup, SignupState
from events.qr import qr_svg
from orgs.models import Level
from orgs.selectors import departments_visible_to, units_visible_to


def _event(request, pk):
    event = selectors.events_visible_to(request.user).filter(pk=pk).first()
    if event is None:
        raise Http404(_("No such event in your scope."))
    return event


def _units(user):
    return units_visible_to(user, roles=permissions.ORGANISE_ROLES).filter(
        is_active=True, level__in=[Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]).order_by("path")


def _departments(user):
    return departments_visible_to(user, roles=permissions.DEPARTMENT_ROLES).filter(
        kind__in=permissions.DEPARTMENT_KINDS).select_related("unit").order_by("unit__path", "name")


@staff_required
@require_GET
def staff_list(request):
    user = request.user
    if not permissions.may_open_staff(user):
        raise NotAllowed(_("活动组织 is for staff with a role in a unit or a 文旅/体育 department."))
    qs = selectors.events_visible_to(user)
    state = request.GET.get("state", "")
    if state in EventState.values:
        qs = qs.filter(state=state)
    now = timezone.now()
    events = list(qs.order_by("-starts_at", "-pk")[:200])
    return render(request, "events/staff_list.html", {
        "events": events, "states": EventState.choices, "state": state, "now": now,
        "may_create": permissions.may_organise_anywhere(user),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def staff_new(request):
    user = request.user
    if not permissions.may_organise_anywhere(user):
        raise NotAllowed(_("Only the handlers, administrators and community workers of a unit, or a 文旅/体育 "
                           "department's handlers, organise events."))
    departments = _departments(user)
    units = _units(user)
    dept_units = list(departments.values_list("unit_id", flat=True))
    if dept_units:
        from orgs.models import Unit

        units = Unit.objects.filter(pk__in=[*units.values_list("pk", flat=True), *dept_units]).order_by("path")
    form = EventForm(request.POST or None, units=units, departments=departments)
    if request.method == "POST" and form.is_valid():
        try:  # a refusal re-renders the form with what was typed
            event = services.event_create(actor=user, unit=form.cleaned_data["unit"], data=form.data_object(),
                                          department=form.cleaned_data.get("department"))
        except DomainError as error:
            for problem in error.details or [str(error.message)]:
                form.add_error(None, str(problem))
        else:
            messages.success(request, _("Saved as a draft: check it, then publish it."))
            return redirect("events:staff_event", pk=event.pk)
    return render(request, "events/staff_form.html", {"form": form, "event": None},
                  status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk):
    event = _event(request, pk)
    permissions.require_organise(request.user, event)
    lifecycle.check(event, "edit")
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        try:  # a refusal re-renders the form with what was typed
            services.event_update(actor=request.user, event=event, data=form.data_object())
        except DomainError as error:
            for problem in error.details or [str(error.message)]:
                form.add_error(None, str(problem))
        else:
            messages.success(request, _("Saved."))
            return redirect("events:staff_event", pk=event.pk)
    return render(request, "events/staff_form.html", {"form": form, "event": event},
                  status=400 if form.errors else 200)


@staff_required
@require_GET
def staff_event(request, pk):
    event = _event(request, pk)
    signups = list(selectors.event_signups(event))
    order = {SignupState.CHECKED_IN: 0, SignupState.CONFIRMED: 1, SignupState.WAITING: 2,
             SignupState.NO_SHOW: 3, SignupState.CANCELLED: 4}
    signups.sort(key=lambda s: (order.get(s.state, 9), s.created_at, s.pk))
    organise = permissions.may_organise(request.user, event)
    lines = "\n".join(" ".join(str(x) for x in (r.rank or "", r.award, r.winner) if x)
                      for r in event.results.all())
    return render(request, "events/staff_event.html", {
        "event": event, "signups": signups, "counts": selectors.signup_counts(event), "may_organise": organise,
        "allows": {action: lifecycle.allows(event, action) for action in lifecycle.TRANSITIONS},
        "cancel_form": CancelForm(), "photo_form": PhotoForm(),
        "results_form": ResultsForm(initial={"lines": lines, "note": event.results_note}),
        "photos": list(event.photos.all()), "facility": selectors.facility_choice(event.facility_id),
        "now": services._now(),
    })


ACTIONS = {"publish": (services.event_publish, _("Published: residents of its area see it now.")),
           "close": (services.event_close, _("Sign-up closed.")),
           "reopen": (services.event_reopen, _("Sign-up reopened.")),
           "finish": (services.event_finish, _("Marked finished: those who did not check in are recorded as not come."))}


@staff_required
@require_POST
@returns_to("events:staff_event", "pk")
def staff_action(request, pk, action):
    event = _event(request, pk)
    if action not in ACTIONS:
        raise Http404
    service, done = ACTIONS[action]
    service(actor=request.user, event=event)
    messages.success(request, done)
    return redirect("events:staff_event", pk=event.pk)


@staff_required
@require_POST
@returns_to("events:staff_event", "pk")
def staff_cancel(request, pk):
    event = _event(request, pk)
    services.event_cancel(actor=request.user, event=event, reason=request.POST.get("reason", ""))
    messages.success(request, _("The event is cancelled; its sign-ups with it."))
    return redirect("events:staff_event", pk=event.pk)


@staff_required
@require_POST
@returns_to("events:staff_event", "pk")
def staff_check_in(request, pk, signup_pk):
    """Tick a sign-up on the list."""
    event = _event(request, pk)
    signup = Signup.objects.filter(pk=signup_pk, event=event).first()
    if signup is None:
        raise Http404(_("No such sign-up."))
    signup = services.signup_check_in(actor=request.user, signup=signup)
    messages.success(request, _("%(name)s checked in.") % {"name": signup.shown_name})
    return redirect(reverse("events:staff_event", args=[event.pk]) + "#signups")


@staff_required
@require_POST
@returns_to("events:staff_event", "pk")
def staff_results(request, pk):
    event = _event(request, pk)
    lines = services.read_results(request.POST.get("lines", ""))
    services.results_record(actor=request.user, event=event,
                            results=services.Results(lines=lines, note=request.POST.get("note", "")))
    messages.success(request, _("The results are on the event's page."))
    return redirect("events:staff_event", pk=event.pk)


@staff_required
@require_POST
@returns_to("events:staff_event", "pk")
def staff_photo(request, pk):
    event = _event(request, pk)
    upload = request.FILES.get("image")
    if upload is None:
        raise BadInput(_("Choose a photo to upload."))
    services.photo_add(actor=request.user, event=event, upload=upload, caption=request.POST.get("caption", ""))
    messages.success(request, _("Photo added."))
    return redirect("events:staff_event", pk=event.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def checkin(request):
    """签到: scan a sign-up's QR code (the phone's camera opens checkin_code) or type its code."""
    if not permissions.may_organise_anywhere(request.user):
        raise NotAllowed(_("Check-in is for the organisers of events."))
    form = CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        signup = services.signup_by_code(form.cleaned_data["code"])
        if signup is None:
            form.add_error("code", _("No sign-up has this code."))
        else:
            return redirect("events:checkin_code", code=signup.code)
    return render(request, "events/checkin.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
def checkin_code(request, code):
    signup = services.signup_by_code(code)
    if signup is None or not permissions.may_organise(request.user, signup.event):
        raise Http404(_("No sign-up with this code at an event you organise."))
    if request.method == "POST":
        try:  # a refusal stays on this page, which shows the sign-up as it is
            signup = services.signup_check_in(actor=request.user, signup=signup)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("%(name)s checked in.") % {"name": signup.shown_name})
        return redirect("events:checkin_code", code=signup.code)
    return render(request, "events/checkin_signup.html", {
        "signup": signup, "event": signup.event, "members": list(signup.members.all())})


@staff_required
@require_GET
def notice(request, pk):
    """A4 notice (活动通知) for the notice board, with a QR code that opens the event on a phone."""
    event = _event(request, pk)
    if event.state == EventState.DRAFT:
        raise BadInput(_("Publish the event before printing its notice."))
    url = request.build_absolute_uri(reverse("events:event", args=[event.pk]))
    return render(request, "events/notice.html", {
        "event": event, "qr": qr_svg(url, event.title), "url": url, "printed": timezone.now(),
        "results": list(event.results.all()) if event.has_results else [],
        "organiser": event.department.name if event.department_id else event.unit.name,
    })


