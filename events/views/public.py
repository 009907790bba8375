"""The residents' pages: the events of their community and county (upcoming first), an event's page with
sign-up (alone or as a team's captain), cancelling and the QR code for check-in, 我的活动, and the
event's photos, served only to those who may see the event."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import resident_required
from core.errors import BadInput, DomainError
from core.middleware import returns_to
from events import permissions, selectors, services
from events.forms import SignupForm, TeamSignupForm
from events.models import EventPhoto, EventState, Signup, SignupState
from events.qr import signup_qr_svg
from orgs.models import Level, Unit


def _villages():
    return Unit.objects.filter(level=Level.VILLAGE, is_active=True).select_related("parent").order_by("path")


@resident_required
@require_GET
def event_list(request):
    """文体活动: the events of the resident's village or community and of the units above it."""
    place = selectors.resident_place(request.user)
    if place is None:
        return render(request, "events/list.html", {"place": None, "villages": _villages()})
    upcoming, past = selectors.upcoming_and_past(selectors.events_for_place(place))
    mine = dict(Signup.objects.filter(resident=request.user, event__in=[e.pk for e in upcoming],
                                      state__in=[SignupState.CONFIRMED, SignupState.WAITING])
                .values_list("event_id", "state"))
    for event in upcoming:
        event.my_state = mine.get(event.pk)
    return render(request, "events/list.html", {"place": place, "upcoming": upcoming, "past": past,
                                                "villages": _villages(), "now": timezone.now()})


@resident_required
@require_POST
@returns_to("events:list")
def choose_place(request):
    """Where the resident lives: the residency the whole platform shares (deliberation keeps it)."""
    from deliberation.services import residency_declare

    raw = request.POST.get("unit", "")
    unit = _villages().filter(pk=raw).first() if raw.isdigit() else None
    if unit is None:
        raise BadInput(_("Choose the village or community you live in."))
    residency_declare(actor=request.user, unit=unit)
    messages.success(request, _("Saved: you see the events of %(unit)s and of the places above it.") % {
        "unit": unit.name})
    return redirect("events:list")


def _event_or_404(request, pk):
    event = selectors.event_for(request.user, pk)
    if event is None:
        raise Http404(_("No such event for your community or county."))
    return event


def event_context(request, event, *, form=None, status=200):
    user = request.user
    signup = selectors.live_signup(user, event)
    if signup is not None and signup.state == SignupState.CONFIRMED:
        signup.qr = signup_qr_svg(request, signup)
    now = services._now()
    open_now = (event.state == EventState.PUBLISHED and event.signup_opens_at <= now < event.signup_closes_at)
    if form is None and open_now and signup is None and permissions.is_resident(user):
        form = TeamSignupForm() if event.takes_teams else SignupForm()
    return {
        "event": event, "signup": signup, "form": form, "signup_open": open_now, "now": now,
        "may_cancel": signup is not None and signup.state in (SignupState.CONFIRMED, SignupState.WAITING)
        and now < event.signup_closes_at,
        "results": list(event.results.all()) if event.has_results else [],
        "photos": list(event.photos.all()),
        "facility": selectors.facility_choice(event.facility_id),
        "may_organise": permissions.may_organise(user, event),
        "is_resident": permissions.is_resident(user),
    }


def event_page(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("resident_login"))
    event = _event_or_404(request, pk)
    return render(request, "events/event.html", event_context(request, event))


@resident_required
@require_POST
def sign_up(request, pk):
    event = _event_or_404(request, pk)
    form = (TeamSignupForm if event.takes_teams else SignupForm)(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:  # a refusal re-renders the page with what was typed
            members = services.read_members(d["members"]) if event.takes_teams else None
            signup = services.signup_create(actor=request.user, event=event, name=d["name"], members=members)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            if signup.state == SignupState.CONFIRMED:
                messages.success(request, _("Signed up: show the QR code when you arrive."))
            else:
                messages.info(request, _("The places are taken: you are on the waiting list and will be signed up "
                                         "if a place frees up."))
            return redirect("events:event", pk=event.pk)
    # 200, not 400: the page is the form again with its message, and the browser should not log a failed load
    return render(request, "events/event.html", event_context(request, event, form=form))


@resident_required
@require_POST
@returns_to("events:mine")
def cancel(request, pk):
    signup = Signup.objects.select_related("event").filter(pk=pk, resident=request.user).first()
    if signup is None:
        raise Http404(_("No such sign-up."))
    services.signup_cancel(actor=request.user, signup=signup)
    messages.success(request, _("Sign-up cancelled."))
    return redirect("events:event", pk=signup.event_id)


@resident_required
@require_GET
def mine(request):
    """我的活动: the resident's sign-ups, with the QR code of each confirmed one."""
    now = timezone.now()
    signups = list(selectors.signups_of(request.user)[:100])
    upcoming, past = [], []
    for signup in signups:
        if signup.event.ends_at >= now and signup.state != SignupState.CANCELLED:
            if signup.state == SignupState.CONFIRMED:
                signup.qr = signup_qr_svg(request, signup)
            upcoming.append(signup)
        else:
            past.append(signup)
    return render(request, "events/mine.html", {"upcoming": upcoming, "past": past})


@require_GET
def photo(request, pk):
    """A photo, for those who may see its event (residents of its area, staff of its scope)."""
    item = EventPhoto.objects.filter(pk=pk).first()
    if item is None or selectors.event_for(request.user, item.event_id) is None:
        raise Http404(_("No such photo."))
    try:
        response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    except FileNotFoundError:
        raise Http404(_("No such photo.")) from None
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


