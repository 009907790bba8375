"""The resident's side of an appeal: raise one from a phone, track it by its code without signing in,
and, as its signed-in owner, see it whole, rate the reply, add information or withdraw it."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import resident_required
from appeals import permissions
from appeals.forms import AddInfoForm, AppealForm, RateForm, TrackForm, WithdrawForm
from appeals.lifecycle import allowed_actions, check_transition
from appeals.models import Action, Appeal, AppealEvent, Channel, KpiSettings, Satisfaction, State
from appeals.notifications import SmsBackend, get_backends, sms_number
from appeals.selectors import appeal_by_code, appeals_visible_to
from appeals.services import (
    Intake,
    appeal_add_info,
    appeal_create,
    appeal_rate,
    appeal_withdraw,
)
from core import notes
from core.crypto import mask_phone
from core.errors import DomainError, NotAllowed
from core.middleware import returns_to
from core.ratelimit import limit_page


def spaced(code: str) -> str:
    """ABCDE 23456: easier to read aloud and to copy by hand."""
    return f"{code[:5]} {code[5:]}" if len(code) > 5 else code


def form_errors_to(form, exc: DomainError) -> None:
    for message in exc.details or [str(exc.message)]:
        form.add_error(None, str(message))


def intake_from(cleaned: dict, **extra) -> Intake:
    return Intake(
        title=cleaned["title"],
        description=cleaned["description"],
        appeal_type=cleaned["appeal_type"],
        place=cleaned.get("place"),
        address=cleaned.get("address", ""),
        anonymous=cleaned.get("anonymous", False),
        **extra,
    )


@require_http_methods(["GET", "POST"])
def appeal_new(request):
    """诉求 from a phone. The form comes back with everything typed when anything is wrong."""
    if request.user.is_authenticated and not request.user.is_resident:
        # Staff do not raise demands as residents; they record them for one.
        return redirect("appeals:record")
    return _appeal_new(request)


@resident_required
def _appeal_new(request):
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = appeal_create(actor=request.user, data=intake_from(form.cleaned_data, channel=Channel.WEB),
                                   photos=form.cleaned_data["photos"])
        except NotAllowed:
            raise  # refused outright: core.middleware says so
        except DomainError as exc:
            # Kept here: the form comes back with the problem on it and everything typed still there.
            form_errors_to(form, exc)
        else:
            return redirect("appeals:submitted", code=appeal.code)
    return render(request, "appeals/resident/new.html", {"form": form, "photos_lost": form.photos_lost()},
                  status=400 if form.is_bound and form.errors else 200)


def code_texted_to(appeal: Appeal) -> str:
    """The mobile number an SMS with the tracking code is queued for, or "" when none is: the confirmation
    page claims a text only when the CREATE event is in the outbox and SmsBackend, which the scheduler's
    sweep runs, will send it (its own conditions: an SMS backend configured, not a hotline import, a
    number that takes texts)."""
    queued = appeal.events.filter(action=Action.CREATE).exclude(delivery=AppealEvent.Delivery.NONE).exists()
    texts = any(isinstance(backend, SmsBackend) for _path, backend in get_backends())
    if not queued or not texts or appeal.channel == Channel.IMPORT:
        return ""
    return sms_number(appeal)


@require_GET
def submitted(request, code):
    """After a submission: the tracking code, big, and how to follow the appeal. For whoever raised or
    recorded it only; anyone else holding the code has the tracking page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("resident_login"))
    appeal = get_object_or_404(appeals_visible_to(request.user).filter(Q(resident=request.user) | Q(created_by=request.user)), code=code)
    texted = code_texted_to(appeal)
    return render(request, "appeals/resident/submitted.html", {
        "appeal": appeal,
        "code": spaced(appeal.code),
        "masked_phone": mask_phone(texted),
        "landline": mask_phone(appeal.contact_phone) if appeal.contact_phone and not sms_number(appeal) else "",
        "track_url": request.build_absolute_uri(reverse("appeals:track")),
        "by_staff": appeal.created_by_id == request.user.pk and appeal.resident_id != request.user.pk,
    })


@require_GET
@limit_page("track", lambda: settings.TRACK_RATE_LIMIT_PER_IP)
def track(request):
    """Type a code; ?code=… goes to its page. Nothing is said about codes that do not exist but that."""
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        appeal = appeal_by_code(form.cleaned_data["code"])
        if appeal is not None:
            return redirect("appeals:track_detail", code=appeal.code)
        form.add_error("code", _("No appeal has this tracking code. Check it against the SMS or the page you "
                                 "saw after submitting; the code has 10 letters and digits."))
    return render(request, "appeals/resident/track.html", {"form": form},
                  status=404 if form.is_bound and form.errors else 200)


# What each step means to a resident. Notes written by staff are shown only for the reply (and, to the
# owner, for a rejection); the resident's own words only to the owner.
PLAIN_WORDS = {
    Action.CREATE: lambda e: _("The appeal was received."),
    Action.DISPATCH: lambda e: _("Sent to %(to)s for handling.") % {"to": e.data.get("to", "—")},
    Action.ACCEPT: lambda e: _("The handling unit accepted it and is working on it."),
    Action.RETURN: lambda e: _("The unit found it is not theirs to handle; it is being sent to the right one."),
    Action.REASSIGN: lambda e: _("Sent to %(to)s instead.") % {"to": e.data.get("to", "—")},
    Action.TRANSFER: lambda e: _("Passed on to %(to)s, closer to the place.") % {"to": e.data.get("to", "—")},
    Action.REPLY: lambda e: _("The handling unit replied."),
    Action.RATE: lambda e: _("The reply was rated."),
    Action.REOPEN: lambda e: _("Handled again, because the reply did not satisfy."),
    Action.CLOSE: lambda e: _("Closed (办结)."),
    Action.MERGE: lambda e: _("Merged with another appeal about the same matter; it is handled there."),
    Action.REJECT: lambda e: _("Not accepted (不予受理)."),
    Action.WITHDRAW: lambda e: _("Withdrawn by the resident."),
    Action.ADD_INFO: lambda e: _("The resident added information."),
    Action.PROGRESS: lambda e: _("Progress update from the handling unit."),
}
OWNER_NOTES = {Action.ADD_INFO, Action.RATE, Action.WITHDRAW, Action.REJECT}


def public_timeline(appeal: Appeal, *, owner: bool) -> list[dict]:
    steps = []
    for event in appeal.events.filter(public=True).order_by("created_at", "id"):
        words = PLAIN_WORDS.get(event.action)
        if words is None:
            continue
        text = ""
        if event.action in (Action.REPLY, Action.PROGRESS) or (owner and event.action in OWNER_NOTES):
            text = notes.shown(event.note, event.data)
        extra = ""
        if owner and event.action == Action.RATE:
            extra = str(dict(Satisfaction.choices).get(event.data.get("satisfaction"), ""))
        if owner and event.action == Action.MERGE and event.data.get("into"):
            extra = _("Follow appeal %(code)s.") % {"code": spaced(event.data["into"])}
        steps.append({"at": event.created_at, "what": words(event), "text": text, "extra": extra,
                      "action": event.action})
    return steps


def rating_deadline(appeal: Appeal):
    if not appeal.replied_at:
        return None
    return appeal.replied_at + timedelta(days=KpiSettings.current().rating_days)


def owner_actions(user, appeal: Appeal) -> dict:
    """Which of rate / add information / withdraw the owner may do now."""
    allowed = set(allowed_actions(appeal.state))

    def ok(action):
        return action in allowed and permissions.may(user, action, appeal)

    deadline = rating_deadline(appeal)
    return {
        "rate": ok(Action.RATE) and deadline is not None and timezone.now() <= deadline,
        "add_info": ok(Action.ADD_INFO),
        "withdraw": ok(Action.WITHDRAW),
    }


@require_GET
@limit_page("track", lambda: settings.TRACK_RATE_LIMIT_PER_IP)
def track_detail(request, code):
    appeal = appeal_by_code(code)
    if appeal is None:
        form = TrackForm({"code": code})
        form.is_valid()
        form.add_error("code", _("No appeal has this tracking code. Check it against the SMS or the page you "
                                 "saw after submitting; the code has 10 letters and digits."))
        return render(request, "appeals/resident/track.html", {"form": form}, status=404)
    if appeal.code != code:
        return redirect("appeals:track_detail", code=appeal.code)
    return render_detail(request, appeal)


def render_detail(request, appeal, *, forms=None, status=200):
    owner = permissions.is_owner(request.user, appeal)
    context = {
        "appeal": appeal,
        "code": spaced(appeal.code),
        "owner": owner,
        "state_label": State(appeal.state).label,
        "timeline": public_timeline(appeal, owner=owner),
    }
    if owner:
        actions = owner_actions(request.user, appeal)
        forms = forms or {}
        context |= {
            "photos": list(appeal.photos.all()),
            "actions": actions,
            "rating_deadline": rating_deadline(appeal),
            "rate_form": forms.get("rate") or RateForm(),
            "add_info_form": forms.get("add_info") or AddInfoForm(),
            "withdraw_form": forms.get("withdraw") or WithdrawForm(),
        }
    return render(request, "appeals/resident/detail.html", context, status=status)


@resident_required
@require_GET
def mine(request):
    appeals = appeals_visible_to(request.user).order_by("-created_at", "-id")
    return render(request, "appeals/resident/mine.html", {
        "appeals": [{"appeal": a, "code": spaced(a.code), "state_label": State(a.state).label} for a in appeals],
    })


def _own_appeal(request, code) -> Appeal:
    """The signed-in resident's own appeal; anyone else's is simply not found."""
    return get_object_or_404(appeals_visible_to(request.user), code=code)


def _act(request, appeal, form_key, form, run, done_message):
    """Run one owner action. Bad input comes back on the form; a refusal by the service is shown as a
    message on the appeal's page by core.middleware (the views say where with ``returns_to``)."""
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return render_detail(request, appeal, forms={form_key: form}, status=400)
    run(form.cleaned_data)
    messages.success(request, done_message)
    return redirect("appeals:track_detail", code=appeal.code)


@resident_required
@require_POST
@returns_to("appeals:track_detail", "code")
def rate(request, code):
    appeal = _own_appeal(request, code)
    return _act(request, appeal, "rate", RateForm(request.POST),
                lambda d: appeal_rate(actor=request.user, appeal=appeal, satisfaction=d["satisfaction"],
                                      resolved=d["resolved"], comment=d["comment"]),
                _("Thank you for your rating."))


@resident_required
@require_POST
@returns_to("appeals:track_detail", "code")
def add_info(request, code):
    appeal = _own_appeal(request, code)
    return _act(request, appeal, "add_info", AddInfoForm(request.POST),
                lambda d: appeal_add_info(actor=request.user, appeal=appeal, text=d["text"]),
                _("Your information was added; the handling staff see it."))


@resident_required
@require_POST
@returns_to("appeals:track_detail", "code")
def withdraw(request, code):
    """撤回 cannot be undone: the first POST shows a confirmation page (with the reason typed carried
    along); only a POST with ``confirm`` withdraws."""
    appeal = _own_appeal(request, code)
    if not request.POST.get("confirm"):
        permissions.require(request.user, Action.WITHDRAW, appeal)
        check_transition(appeal, Action.WITHDRAW)  # a refusal goes to core.middleware, as below
        form = WithdrawForm(request.POST)
        if form.is_valid():
            return render(request, "appeals/resident/withdraw_confirm.html", {
                "appeal": appeal, "code": spaced(appeal.code), "reason": form.cleaned_data["reason"]})
    return _act(request, appeal, "withdraw", WithdrawForm(request.POST),
                lambda d: appeal_withdraw(actor=request.user, appeal=appeal, reason=d["reason"]),
                _("Your appeal was withdrawn."))


@resident_required
@require_GET
def photo(request, code, pk):
    """A photo of one's own appeal, served only to its owner (media files are not public)."""
    appeal = _own_appeal(request, code)
    item = get_object_or_404(appeal.photos, pk=pk)
    try:
        return FileResponse(item.image.open("rb"), content_type=item.content_type)
    except FileNotFoundError:
        raise Http404 from None
