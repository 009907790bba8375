"""Signing in and out: staff with username and password (django-axes locks an account out after too
many failures), residents with their phone and a one-time code sent by SMS."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ResidentCodeForm, ResidentPhoneForm, StaffLoginForm
from accounts.services import otp_request, otp_verify
from core.crypto import mask_phone
from core.errors import DomainError

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
    """Two steps on one page: the phone number, then the code sent to it by SMS."""
    if request.user.is_authenticated:
        return redirect(HOME)
    phone_form, code_form = ResidentPhoneForm(), None
    if request.method == "POST":
        if request.POST.get("step") == "code":
            code_form = ResidentCodeForm(request.POST)
            if code_form.is_valid():
                # Kept here rather than left to core.middleware: a wrong or expired code belongs on the
                # code field, with the form (and the phone it was sent to) still on the page.
                try:
                    user = otp_verify(phone=code_form.cleaned_data["phone"], code=code_form.cleaned_data["code"])
                except DomainError as exc:
                    code_form.add_error("code", str(exc.message))
                else:
                    if not user.is_resident:
                        # Staff accounts may carry a phone number, but they sign in with their password so
                        # that the lockout and the password policy apply to them.
                        code_form.add_error("code", _("This phone number belongs to a staff account. Staff sign "
                                                      "in with their username and password."))
                    else:
                        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                        return redirect(_safe_next(request) or HOME)
        else:
            phone_form = ResidentPhoneForm(request.POST)
            if phone_form.is_valid():
                phone = phone_form.cleaned_data["phone"]
                # Local for the same reason: "too many codes" is said on the phone field.
                try:
                    otp_request(phone=phone)
                except DomainError as exc:
                    phone_form.add_error("phone", str(exc.message))
                else:
                    messages.success(request, _("We have sent a 6-digit code to %(phone)s.")
                                     % {"phone": mask_phone(phone)})
                    code_form = ResidentCodeForm(initial={"phone": phone})
    phone = code_form["phone"].value() if code_form is not None else ""
    return render(request, "accounts/resident_login.html", {
        "phone_form": phone_form,
        "code_form": code_form,
        "masked_phone": mask_phone(phone),
        "phone": phone,
    })


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("login")
