"""The forms of care's pages. They parse; the services decide."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.models import AppealType
from care.models import CareCategory, RiskLevel
from care.services import CHECK_VALUES, NeedInput

CHECK_CHOICES = list(zip(CHECK_VALUES, [_("OK"), _("Concern")], strict=True))
class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files in one input, cleaned to a list; the service checks that they are images."""

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, (list, tuple)) else [data]
        return [super(PhotosField, self).clean(upload, initial) for upload in uploads if upload]


NEED_TYPES = [(kind, AppealType(kind).label) for kind in (AppealType.HELP, AppealType.COMPLAINT, AppealType.SUGGESTION)]


class VisitForm(forms.Form):
    """A visit, on a phone. ``token`` is made when the form is first shown and sent back with it, so
    the same form sent twice records one visit."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    visited_at = forms.DateTimeField(
        label=_("Time of the visit"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    found_need = forms.BooleanField(label=_("Found a need to be handled (files a demand)"), required=False)
    need_type = forms.ChoiceField(label=_("Kind of demand"), choices=NEED_TYPES, initial="help", required=False)
    need_title = forms.CharField(label=_("The need, in a few words"), required=False, max_length=100)
    need_description = forms.CharField(label=_("What was found and what is needed"), required=False,
                                       max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    # Checked by the service (core.images); the widget only lets a phone open its camera.
    photos = PhotosField(label=_("Photos"), required=False, widget=MultipleFileInput(
        attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "multiple": True}),
        help_text=_("Up to 6 photos (JPEG, PNG, WebP or GIF), at most 10 MB each."))

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))
        for key, label in self.items:
            seasonal = key.startswith("season")  # a seasonal check is made once in its window: optional
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=label, choices=CHECK_CHOICES, initial=None if seasonal else "ok", widget=forms.RadioSelect,
                required=not seasonal)

    def check_fields(self):
        return [self[f"check_{key}"] for key, _label in self.items]

    def clean(self):
        data = super().clean()
        if data.get("found_need"):
            if not (data.get("need_title") or "").strip():
                self.add_error("need_title", _("Say in a few words what is needed."))
            if not (data.get("need_description") or "").strip():
                self.add_error("need_description", _("Describe what was found and what is needed."))
        return data

    def checklist(self) -> dict:
        return {key: self.cleaned_data[f"check_{key}"] for key, _label in self.items
                if self.cleaned_data.get(f"check_{key}")}

    def need(self) -> NeedInput | None:
        data = self.cleaned_data
        if not data.get("found_need"):
            return None
        return NeedInput(title=data["need_title"].strip(), description=data["need_description"].strip(),
                         appeal_type=data.get("need_type") or "help")


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("Why you need them in clear"), max_length=200,
                              widget=forms.TextInput(attrs={"placeholder": _("e.g. to call about tomorrow's visit")}))


class OverrideForm(forms.Form):
    level = forms.ChoiceField(label=_("Risk level"), required=False,
                              choices=[("", _("As the rules give it"))] + list(RiskLevel.choices))
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, address, whole ID number or phone"), required=False, max_length=50)
    category = forms.ModelChoiceField(label=_("Care category"), queryset=CareCategory.objects.filter(is_active=True),
                                      required=False, empty_label=_("All categories"))
    risk = forms.ChoiceField(label=_("Risk"), choices=[("", _("Any risk"))] + list(RiskLevel.choices),
                             required=False)
