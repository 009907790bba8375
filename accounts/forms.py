"""Sign-in forms. They only check the shape of what was typed; the services decide the rest."""

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.services import normalize_phone
from core.errors import BadInput


class StaffLoginForm(AuthenticationForm):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True,
                                                             "autocapitalize": "none", "spellcheck": "false"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    error_messages = {
        "invalid_login": _("The username or password is not correct. Note that after several failed attempts "
                           "the account is locked for a while."),
        "inactive": _("This account has been disabled."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Enter your username.")
        self.fields["password"].error_messages["required"] = _("Enter your password.")


class ResidentPhoneForm(forms.Form):
    phone = forms.CharField(label=_("Mobile phone"), max_length=20,
                            error_messages={"required": _("Enter your mobile phone number.")},
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel",
                                                          "placeholder": "13800138000", "autofocus": True}))

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except BadInput as exc:
            raise forms.ValidationError(str(exc.message), code="phone") from None


class ResidentCodeForm(forms.Form):
    phone = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(label=_("Code from the SMS"), max_length=6,
                           error_messages={"required": _("Enter the 6-digit code from the SMS.")},
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "pattern": "[0-9]{6}", "autofocus": True}))

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except BadInput as exc:
            raise forms.ValidationError(str(exc.message), code="phone") from None

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("The code has 6 digits; check the SMS and type them again."), code="code")
        return code


class ConsentForm(forms.Form):
    """The first sign-in of a phone: the code (already checked, still unused) and the resident's consent to
    the privacy notice, unticked until they tick it."""

    phone = forms.CharField(widget=forms.HiddenInput)
    code = forms.CharField(widget=forms.HiddenInput, max_length=6)
    version = forms.CharField(widget=forms.HiddenInput, max_length=20)
    agree = forms.BooleanField(
        label=_("I have read the privacy notice and agree that my phone number and what I submit are handled as it "
                "describes."),
        error_messages={"required": _("To register, tick the box to agree, or choose “Do not agree”.")})

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except BadInput as exc:
            raise forms.ValidationError(str(exc.message), code="phone") from None
