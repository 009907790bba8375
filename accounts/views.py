"""Signing in and out: staff with username and password (django-axes locks an account out after too
many failures), residents with their phone and a one-time code sent by SMS, registering on the first
sign-in once they agree to the privacy notice; and the device's 关怀模式 (elder mode) switch."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import ConsentForm, ResidentCodeForm, ResidentPhoneForm, StaffLoginForm
from accounts.privacy import PRIVACY_NOTICE_VERSION
from accounts.services import CodeSentRecently, ConsentRequired, otp_request, otp_resend_wait, otp_verify
from accounts.sms import demo_message
from core.context_processors import CARE_COOKIE
from core.crypto import mask_phone
from core.errors import DomainError, TooMany
from core.ratelimit import client_address

# Where a signed-in person lands: the site root, whichever app answers it.
HOME = "/"


class StaffLogin(LoginView):
    """Username and password; django-axes counts failures and locks the account out after too many."""

    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


staff_login = StaffLogin.as_view()


def _safe_next(request) -> str | None:
    """Where to go after signing in (?next=, which the forms keep by posting to the same URL)."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return None


@require_http_methods(["GET", "POST"])
def resident_login(request):
    """The phone number, then the code sent to it by SMS; the first time, the privacy notice to agree to
    before the account is made. Each step is its own screen, with one thing to do."""
    if request.user.is_authenticated:
        return redirect(HOME)
    step = request.POST.get("step") if request.method == "POST" else None
    if step == "decline":
        # Nothing was created and the code is left to expire.
        messages.info(request, _("You did not agree, so no account was created and nothing was kept. You can still "
                                 "track a demand by its code, or call the 12345 hotline."))
        return redirect(HOME)
    if step == "consent":
        return _consent_step(request, ConsentForm(request.POST))
    phone_form, code_form = ResidentPhoneForm(), None
    limited = None  # a sign-in limit that was reached: the page says so on the field, and answers 429
    if step == "code":
        code_form = ResidentCodeForm(request.POST)
        if code_form.is_valid():
            # Kept here rather than left to core.middleware: a wrong or expired code belongs on the
            # code field, with the form (and the phone it was sent to) still on the page.
            phone, code = code_form.cleaned_data["phone"], code_form.cleaned_data["code"]
            try:
                user = otp_verify(phone=phone, code=code)
            except ConsentRequired:
                return _consent_step(request, ConsentForm(initial={"phone": phone, "code": code,
                                                                   "version": PRIVACY_NOTICE_VERSION}))
            except DomainError as exc:
                code_form.add_error("code", str(exc.message))
                limited = exc if isinstance(exc, TooMany) else None
            else:
                response = _signed_in(request, user, code_form)
                if response is not None:
                    return response
    elif request.method == "POST":  # the phone step (also "send a new code")
        phone_form = ResidentPhoneForm(request.POST)
        if phone_form.is_valid():
            phone = phone_form.cleaned_data["phone"]
            # Local for the same reason: "too many codes" is said on the phone field.
            try:
                otp_request(phone=phone, address=client_address(request))
            except CodeSentRecently as exc:
                # A code is already on its way (the resident pressed "send a new code" too soon, or came
                # back to the phone step): stay on the code step, with the wait shown.
                messages.info(request, str(exc.message))
                code_form = ResidentCodeForm(initial={"phone": phone})
            except DomainError as exc:
                phone_form.add_error("phone", str(exc.message))
                limited = exc if isinstance(exc, TooMany) else None
            else:
                messages.success(request, _("We have sent a 6-digit code to %(phone)s.")
                                 % {"phone": mask_phone(phone)})
                code_form = ResidentCodeForm(initial={"phone": phone})
    phone = code_form["phone"].value() if code_form is not None else ""
    response = render(request, "accounts/resident_login.html", {
        "phone_form": phone_form,
        "code_form": code_form,
        "masked_phone": mask_phone(phone),
        "phone": phone,
        # The server says how long until another code may be sent; core/static/core/countdown.js counts down.
        "resend_wait": _resend_wait(phone) if code_form is not None else 0,
        # A local run (DEBUG on, accounts.sms.DemoBackend) shows the demo's SMS here rather than in the log.
        "demo_sms": demo_message(phone) if code_form is not None else "",
    }, status=429 if limited else 200)
    if limited:
        # The same page with the message on the field, so a person reads why; the status and Retry-After
        # tell a client, a proxy or a monitor that a limit was reached rather than a form mistake made.
        response["Retry-After"] = str(max(1, limited.retry_after))
    return response


def _resend_wait(phone: str) -> int:
    try:
        return otp_resend_wait(phone=phone)
    except DomainError:  # a tampered hidden phone field: the code form says so
        return 0


def _signed_in(request, user, form):
    if not user.is_resident:
        # Staff accounts may carry a phone number, but they sign in with their password so
        # that the lockout and the password policy apply to them.
        form.add_error("code", _("This phone number belongs to a staff account. Staff sign "
                                 "in with their username and password."))
        return None
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect(_safe_next(request) or HOME)


def _consent_step(request, form):
    """The first sign-in of a phone: the privacy notice in brief, and an unticked box to agree to it."""
    if form.is_bound and form.is_valid():
        try:
            user = otp_verify(phone=form.cleaned_data["phone"], code=form.cleaned_data["code"],
                              consent_version=form.cleaned_data["version"])
        except ConsentRequired:
            # The notice changed while the resident read it: show the current one.
            form = ConsentForm(initial={**form.cleaned_data, "version": PRIVACY_NOTICE_VERSION})
        except DomainError as exc:
            # The code expired while the notice was read: back to the phone step to ask for a new one.
            messages.error(request, str(exc.message))
            return redirect(request.get_full_path())
        else:
            response = _signed_in(request, user, form)
            if response is not None:
                return response
    return render(request, "accounts/resident_consent.html", {"form": form, "version": PRIVACY_NOTICE_VERSION},
                  status=400 if form.is_bound and form.errors else 200)


@require_GET
def privacy_notice(request):
    """个人信息保护告知: what the platform collects from residents, why, who sees it, for how long, and
    their rights (PIPL). Linked from the resident sign-in, the consent step and every page's footer."""
    return render(request, "accounts/privacy.html", {"version": PRIVACY_NOTICE_VERSION})


# A year: the choice belongs to the device, and an elderly resident should not have to make it again.
CARE_COOKIE_AGE = 365 * 24 * 3600


@require_POST
def care_mode(request):
    """Switch 关怀模式 (elder mode) on or off for this device: a cookie, no account needed."""
    target = _safe_next(request) or HOME
    response = redirect(target)
    if request.POST.get("care") == "on":
        response.set_cookie(CARE_COOKIE, "1", max_age=CARE_COOKIE_AGE, samesite="Lax", httponly=True,
                            secure=request.is_secure())
        messages.info(request, _("Care mode is on: larger text and buttons, on this device."))
    else:
        response.delete_cookie(CARE_COOKIE, samesite="Lax")
        messages.info(request, _("Care mode is off."))
    return response


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("login")
