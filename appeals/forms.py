"""Forms for raising a demand: a resident on the web, or staff recording one for a resident. They check
the shape of what was typed and say clearly what is wrong; ``services.appeal_create`` decides the rest."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import AppealType, Channel, Satisfaction
from appeals.photos import MAX_PHOTOS, check_photos
from appeals.services import MAX_DESCRIPTION, MAX_TITLE
from core.errors import BadInput
from orgs.models import Level, Unit

PHOTO_HELP = _("Up to 5 photos (JPEG, PNG, WebP or GIF), at most 10 MB each.")


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; cleans to a list, checked to really be images."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        uploads = data if isinstance(data, (list, tuple)) else [data]
        files = [single(upload, initial) for upload in uploads if upload]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("You chose %(n)s photos; at most %(max)s may be attached.") % {"n": len(files), "max": MAX_PHOTOS},
                code="too_many",
            )
        try:
            check_photos(files)
        except BadInput as exc:
            raise forms.ValidationError(exc.details or [str(exc.message)], code="bad_photo") from None
        return files


class LongTextField(forms.CharField):
    """Browsers send line breaks as CR LF but count them as one character; count them as the browser does."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def place_choices(units) -> list:
    """Townships, villages/communities (and grids, when ``units`` has them) as a select grouped by
    township: "榆次区 北关街道" › "顺城社区". Group labels come from the ancestors, even outside ``units``."""
    units = list(units.filter(is_active=True, level__in=[Level.TOWNSHIP, Level.VILLAGE, Level.GRID])
                 .order_by("path").only("pk", "name", "short_name", "level", "path"))
    ancestor_codes = {code for unit in units for code in unit.path.strip("/").split("/")[1:3]}
    names = {u.code: u for u in Unit.objects.filter(code__in=ancestor_codes).only("code", "name", "short_name")}
    groups: dict[str, list] = {}
    for unit in units:
        codes = unit.path.strip("/").split("/")
        county = names.get(codes[1]) if len(codes) > 1 else None
        township = names.get(codes[2]) if len(codes) > 2 else None
        label = " ".join(u.display_short if u is township else u.name for u in (county, township) if u)
        if unit.level == Level.TOWNSHIP:
            option = _("All of %(name)s") % {"name": unit.display_short}
        else:
            option = unit.name
        groups.setdefault(label, []).append((str(unit.pk), option))
    return list(groups.items())


class AppealForm(forms.Form):
    """What a resident fills in on a phone."""

    appeal_type = forms.ChoiceField(
        label=_("What kind of matter is it?"), choices=AppealType.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of matter it is.")},
    )
    title = forms.CharField(
        label=_("Title"), max_length=MAX_TITLE,
        help_text=_("In a few words, e.g. “Street light broken outside building 3”."),
        error_messages={"required": _("Give your appeal a short title."),
                        "max_length": _("The title may be at most %(limit_value)d characters; yours has "
                                        "%(show_value)d.")},
    )
    description = LongTextField(
        label=_("Description"), max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 8, "data-counter": "description-counter"}),
        help_text=_("What happened, where exactly, since when, and what you would like done. Up to 4,000 "
                    "characters."),
        error_messages={"required": _("Describe the matter."),
                        "max_length": _("The description may be at most %(limit_value)d characters; yours has "
                                        "%(show_value)d. Please shorten it.")},
    )
    place = forms.ChoiceField(
        label=_("Village or community"), required=False,
        help_text=_("Where the matter is. If you are not sure, leave this and type the address below."),
    )
    address = forms.CharField(
        label=_("Address"), max_length=200, required=False,
        help_text=_("Street, building, or a landmark nearby."),
        error_messages={"max_length": _("The address may be at most %(limit_value)d characters.")},
    )
    photos = PhotosField(label=_("Photos (optional)"), help_text=PHOTO_HELP)
    anonymous = forms.BooleanField(
        label=_("Stay anonymous toward the handling staff"), required=False,
        help_text=_("Handlers will not see your name or phone number. The platform still keeps them to reply "
                    "to you."),
    )

    place_required = False

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units if units is not None else Unit.objects.all()
        empty = ("", _("Choose a place…") if self.place_required
                 else _("Not sure / not in the list"))
        self.fields["place"].choices = [empty, *place_choices(self.units)]
        self.fields["place"].required = self.place_required
        self.fields["place"].error_messages["required"] = _("Choose where the matter is.")
        self.fields["place"].error_messages["invalid_choice"] = _("Choose a place from the list.")

    def clean_place(self):
        value = self.cleaned_data.get("place")
        if not value:
            return None
        unit = self.units.filter(pk=value, is_active=True).first()
        if unit is None:
            raise forms.ValidationError(_("Choose a place from the list."), code="invalid_choice")
        return unit

    def clean(self):
        cleaned = super().clean()
        if not self.place_required and not cleaned.get("place") and not (cleaned.get("address") or "").strip() \
                and "place" not in self.errors and "address" not in self.errors:
            self.add_error("place", _("Choose the village or community, or type an address below."))
        return cleaned

    def photos_lost(self) -> bool:
        """Browsers cannot refill a file input: when the form comes back with errors, say so."""
        return bool(self.is_bound and self.errors and self.files.getlist(self.add_prefix("photos")))


class RecordForm(AppealForm):
    """Staff recording a demand for a resident: a phone call taken, or a grid worker's visit."""

    channel = forms.ChoiceField(label=_("How did the resident raise it?"), widget=forms.RadioSelect,
                                error_messages={"required": _("Choose how the resident raised it.")})
    contact_name = forms.CharField(
        label=_("Resident's name"), max_length=50,
        error_messages={"required": _("Enter the resident's name."),
                        "max_length": _("The name may be at most %(limit_value)d characters.")},
    )
    contact_phone = forms.CharField(
        label=_("Resident's phone"), max_length=20,
        help_text=_("A mobile number gets the tracking code by SMS; with a landline (such as 0354-3021234), "
                    "tell the resident the code."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        error_messages={"required": _("Enter the resident's phone number.")},
    )
    id_number = forms.CharField(
        label=_("ID number (optional)"), max_length=18, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        error_messages={"max_length": _("The ID number must be 18 characters: 17 digits and a digit or X.")},
    )

    place_required = True
    field_order = ["channel", "contact_name", "contact_phone", "id_number", "appeal_type", "title",
                   "description", "place", "address", "photos", "anonymous"]

    def __init__(self, *args, channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c, Channel(c).label) for c in channels]
        if len(channels) == 1:
            self.fields["channel"].initial = channels[0]
        self.fields["place"].label = _("Place")
        self.fields["place"].help_text = _("Only places in your area are listed.")
        self.fields["anonymous"].label = _("The resident asks to stay anonymous toward the handling staff")
        self.fields["anonymous"].help_text = ""

    def clean_contact_phone(self):
        from accounts.services import normalize_contact_phone

        if not self.cleaned_data["contact_phone"].strip():
            return ""
        try:
            return normalize_contact_phone(self.cleaned_data["contact_phone"])
        except BadInput as exc:
            raise forms.ValidationError(str(exc.message), code="phone") from None

    def clean_id_number(self):
        number = self.cleaned_data["id_number"].strip().upper()
        if number and not re.fullmatch(r"\d{17}[\dX]", number):
            raise forms.ValidationError(_("The ID number must be 18 characters: 17 digits and a digit or X."),
                                        code="id_number")
        return number


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("How satisfied are you with the reply?"),
                                     choices=Satisfaction.choices, widget=forms.RadioSelect,
                                     error_messages={"required": _("Choose 满意, 基本满意 or 不满意.")})
    resolved = forms.TypedChoiceField(
        label=_("Was the problem solved?"), widget=forms.RadioSelect,
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda v: v == "yes",
        error_messages={"required": _("Say whether the problem was solved.")},
    )
    comment = LongTextField(label=_("Comment (optional)"), max_length=1000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            error_messages={"max_length": _("The comment may be at most %(limit_value)d "
                                                            "characters; yours has %(show_value)d.")})


class AddInfoForm(forms.Form):
    text = LongTextField(label=_("Add information"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                         help_text=_("Something you forgot, or what has changed since. Up to 2,000 characters."),
                         error_messages={"required": _("Type the information to add."),
                                         "max_length": _("The information may be at most %(limit_value)d "
                                                         "characters; yours has %(show_value)d.")})


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why are you withdrawing it? (optional)"), max_length=500, required=False,
                             error_messages={"max_length": _("The reason may be at most %(limit_value)d "
                                                             "characters.")})


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20,
                           widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off",
                                                         "spellcheck": "false", "placeholder": "ABCDE 23456"}),
                           error_messages={"required": _("Enter the tracking code.")})
