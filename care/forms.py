"""The forms of care's pages. They parse; the services decide."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import UserKind
from appeals.models import AppealType
from care.models import CareCategory, CarerRole, EndReason, FieldType, RiskLevel, Source
from care.selectors import RecordStatus
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
    status = forms.ChoiceField(label=_("Records"), required=False, choices=[
        (RecordStatus.CURRENT, _("Current")), (RecordStatus.ENDED, _("Ended (moved away, died)")),
        (RecordStatus.ALL, _("All"))])


# --- the registry's staff pages -------------------------------------------------------------------------

class PersonForm(forms.Form):
    """Register a person (or change one: the ID number is who they are, and is not asked again)."""

    name = forms.CharField(label=_("Name (姓名)"), max_length=50)
    id_number = forms.CharField(label=_("ID number (身份证号)"), max_length=24,
                                help_text=_("18 characters; the sex and birth date are read from it."))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    unit = forms.ModelChoiceField(label=_("Village / community"), queryset=None, empty_label=None)
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=None, required=False, empty_label=_("Not known"))

    def __init__(self, *args, units, grids, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["grid"].queryset = grids
        self.fields["grid"].label_from_instance = lambda grid: f"{grid.parent.name} · {grid.display_short}"
        if editing:
            del self.fields["id_number"]
            self.fields["phone"].help_text = _("Leave it as it is to keep the number on file.")


class MembershipForm(forms.Form):
    """Add a person to a category (or change their open membership), with the category's own fields."""

    since = forms.DateField(label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices)

    def __init__(self, *args, category, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        if not self.is_bound:
            self.initial.setdefault("since", timezone.localdate())
        for spec in category.fields:
            name = f"field_{spec['name']}"
            if spec["type"] == FieldType.CHOICE:
                field = forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in spec.get("choices", [])])
            elif spec["type"] == FieldType.DATE:
                field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
            elif spec["type"] == FieldType.NUMBER:
                field = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
            else:
                field = forms.CharField(max_length=200)
            field.label, field.required = spec["label"], False
            self.fields[name] = field

    def value_fields(self):
        return [self[f"field_{spec['name']}"] for spec in self.category.fields]

    def values(self) -> dict:
        out = {}
        for spec in self.category.fields:
            value = self.cleaned_data.get(f"field_{spec['name']}")
            if value not in (None, ""):
                out[spec["name"]] = value.isoformat() if hasattr(value, "isoformat") else value
        return out


class MembershipEndForm(forms.Form):
    until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class AssignForm(forms.Form):
    """Make someone responsible: one of the village's staff, or any staff account by its user name (a
    volunteer, the village doctor)."""

    carer = forms.ChoiceField(label=_("Responsible person"), required=False)
    username = forms.CharField(label=_("Or a staff account's user name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=CarerRole.choices)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(c.user.pk): c.user for c in candidates}
        self.fields["carer"].choices = [("", "—")] + [
            (str(c.user.pk), f"{c.user} · {c.post} · {CarerRole(c.role).label}") for c in candidates]
        if candidates and not self.is_bound:
            self.initial.setdefault("role", candidates[0].role)

    def clean(self):
        from accounts.models import User

        data = super().clean()
        username = (data.get("username") or "").strip()
        if username:
            user = User.objects.filter(username=username, is_active=True, kind=UserKind.STAFF).first()
            if user is None:
                self.add_error("username", _("No active staff account has this user name."))
            data["user"] = user
        elif data.get("carer"):
            data["user"] = self.candidates.get(data["carer"])
        else:
            raise forms.ValidationError(_("Choose the responsible person, or give a staff account's user name."))
        return data


class EndRecordForm(forms.Form):
    ended_on = forms.DateField(label=_("Ended on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.ChoiceField(label=_("Why"), choices=EndReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=200, required=False,
                           help_text=_("E.g. where they moved to; required when the reason is “other”."))


class NeedForm(forms.Form):
    need_type = forms.ChoiceField(label=_("Kind of demand"), choices=NEED_TYPES, initial="help")
    title = forms.CharField(label=_("The need, in a few words"), max_length=100)
    description = forms.CharField(label=_("What was found and what is needed"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def need(self) -> NeedInput:
        data = self.cleaned_data
        return NeedInput(title=data["title"].strip(), description=data["description"].strip(),
                         appeal_type=data["need_type"])


class AccessExportForm(forms.Form):
    purpose = forms.CharField(label=_("Purpose"), max_length=200,
                              widget=forms.TextInput(attrs={"placeholder": _("e.g. the person's written request of today")}))
    fmt = forms.ChoiceField(label=_("Format"), choices=[("xlsx", _("Spreadsheet (xlsx)")),
                                                       ("print", _("Printable page"))], initial="xlsx",
                            widget=forms.RadioSelect)


class GapFilterForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Care category"), queryset=CareCategory.objects.filter(is_active=True),
                                      required=False, empty_label=_("All categories"))
