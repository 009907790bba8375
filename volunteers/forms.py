"""The forms of 志愿服务's pages. They parse; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from orgs.models import Level, Unit
from volunteers.models import Band, NeedSource, Organisation, Skill
from volunteers.services import SlotInput

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
SLOT_ROWS = 3


def _skills():
    return Skill.objects.filter(is_active=True)


class AvailabilityMixin:
    """One checkbox group per weekday: the bands of the day the volunteer is usually free."""

    def add_availability(self, initial: dict | None = None):
        for day in range(7):
            self.fields[f"day_{day}"] = forms.MultipleChoiceField(
                label=WEEKDAYS[day], choices=Band.choices, required=False, widget=forms.CheckboxSelectMultiple,
                initial=(initial or {}).get(str(day), []))

    def day_fields(self):
        return [self[f"day_{day}"] for day in range(7)]

    def availability(self) -> dict:
        return {str(day): self.cleaned_data.get(f"day_{day}") or [] for day in range(7)}


class ApplyForm(AvailabilityMixin, forms.Form):
    name = forms.CharField(label=_("Name (姓名)"), max_length=50)
    id_number = forms.CharField(label=_("ID number (身份证号)"), max_length=20,
                                help_text=_("Checked once by the community against your ID card; kept encrypted."))
    unit = forms.ModelChoiceField(label=_("Village or community you will serve"),
                                  queryset=Unit.objects.filter(level=Level.VILLAGE, is_active=True).order_by("path"))
    organisation = forms.ModelChoiceField(label=_("Team or agency (optional)"), required=False,
                                          queryset=Organisation.objects.filter(is_active=True),
                                          empty_label=_("None yet"))
    skills = forms.ModelMultipleChoiceField(label=_("What you can offer"), queryset=Skill.objects.none(),
                                            required=False, widget=forms.CheckboxSelectMultiple)
    consent = forms.BooleanField(
        label=_("I agree that my name, ID number and service hours are kept to organise volunteering and "
                "certify my hours, and that organisers may contact me about activities."), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = _skills()
        self.add_availability()


class ProfileForm(AvailabilityMixin, forms.Form):
    skills = forms.ModelMultipleChoiceField(label=_("What you can offer"), queryset=Skill.objects.none(),
                                            required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, volunteer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skills"].queryset = _skills()
        if volunteer is not None and not self.is_bound:
            self.initial["skills"] = list(volunteer.skills.all())
        self.add_availability(volunteer.availability if volunteer is not None else None)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    id_checked = forms.BooleanField(label=_("I checked the ID card against the number given"), required=False)
    note = forms.CharField(label=_("Note (required when refusing)"), max_length=200, required=False)


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("Why you need it in clear"), max_length=200)


class CorrectionForm(forms.Form):
    minutes = forms.IntegerField(label=_("Correct to (minutes)"), min_value=0, max_value=1440)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    description = forms.CharField(label=_("What volunteers will do"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    organisation = forms.ModelChoiceField(label=_("Organised by (optional)"), required=False,
                                          queryset=Organisation.objects.filter(is_active=True))
    place = forms.CharField(label=_("Meeting place"), max_length=200)
    skills = forms.ModelMultipleChoiceField(label=_("Skills needed"), queryset=Skill.objects.none(),
                                            required=False, widget=forms.CheckboxSelectMultiple)
    need_source = forms.ChoiceField(label=_("The need comes from"), choices=NeedSource.choices,
                                    initial=NeedSource.COMMUNITY)
    need_ref = forms.CharField(label=_("Reference of the need (optional)"), required=False, max_length=100)
    care_person = forms.IntegerField(label=_("Person in care (number, optional)"), required=False, min_value=1)
    withdraw_cutoff_hours = forms.IntegerField(label=_("Volunteers may withdraw until (hours before)"),
                                               min_value=0, max_value=168, initial=12)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.none()
        self.fields["skills"].queryset = _skills()
        for row in range(1, SLOT_ROWS + 1):
            required = row == 1
            self.fields[f"slot{row}_start"] = forms.DateTimeField(
                label=_("Starts"), required=required, input_formats=DATETIME_FORMATS,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
            self.fields[f"slot{row}_end"] = forms.DateTimeField(
                label=_("Ends"), required=required, input_formats=DATETIME_FORMATS,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
            self.fields[f"slot{row}_capacity"] = forms.IntegerField(label=_("Places"), required=required,
                                                                    min_value=1, max_value=500)

    def slot_rows(self):
        return [(self[f"slot{row}_start"], self[f"slot{row}_end"], self[f"slot{row}_capacity"])
                for row in range(1, SLOT_ROWS + 1)]

    def clean(self):
        data = super().clean()
        for row in range(2, SLOT_ROWS + 1):
            parts = [data.get(f"slot{row}_{key}") for key in ("start", "end", "capacity")]
            if any(part is not None for part in parts) and not all(part is not None for part in parts):
                self.add_error(f"slot{row}_start", _("Give this slot its start, end and places, or leave it empty."))
        return data

    def slots(self) -> list[SlotInput]:
        out = []
        for row in range(1, SLOT_ROWS + 1):
            start = self.cleaned_data.get(f"slot{row}_start")
            if start is None:
                continue
            out.append(SlotInput(starts_at=timezone.make_aware(start) if timezone.is_naive(start) else start,
                                 ends_at=self.cleaned_data[f"slot{row}_end"],
                                 capacity=self.cleaned_data[f"slot{row}_capacity"]))
        return out
