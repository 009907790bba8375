"""The forms of facilities' pages. They parse; the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from facilities.models import FacilityType, ResourceKind, Status
from facilities.services import FacilityData

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _dt_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FacilityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.FloatField(label=_("Latitude"), required=False)
    longitude = forms.FloatField(label=_("Longitude"), required=False)
    capacity = forms.IntegerField(label=_("Capacity"), required=False, min_value=0)
    services = forms.CharField(label=_("Services"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    contact_name = forms.CharField(label=_("Contact person"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    hours = forms.CharField(label=_("Weekly opening hours"), required=False, max_length=1000,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("One line per group of days, e.g. “1-5 08:00-17:00” and “6,7 09:00-12:00”."))
    hours_note = forms.CharField(label=_("Opening hours note"), max_length=200, required=False)
    closed_on_holidays = forms.BooleanField(label=_("Closed on public holidays"), required=False)

    def __init__(self, *args, facility_type: FacilityType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_fields = list(facility_type.fields) if facility_type else []
        for spec in self.type_fields:
            name = f"field_{spec['name']}"
            if spec["type"] == "choice":
                self.fields[name] = forms.ChoiceField(label=spec["label"], required=False,
                                                      choices=[("", "—")] + [(c, c) for c in spec["choices"]])
            else:
                self.fields[name] = forms.CharField(label=spec["label"], required=False, max_length=200)

    def extra_fields(self):
        return [self[f"field_{spec['name']}"] for spec in self.type_fields]

    def data_object(self) -> FacilityData:
        d = self.cleaned_data
        return FacilityData(
            name=d["name"], address=d["address"], latitude=d["latitude"], longitude=d["longitude"],
            capacity=d["capacity"], services=d["services"], contact_name=d["contact_name"],
            contact_phone=d["contact_phone"], hours=d["hours"], hours_note=d["hours_note"],
            closed_on_holidays=d["closed_on_holidays"],
            values={spec["name"]: d.get(f"field_{spec['name']}") for spec in self.type_fields})


class NewFacilityForm(FacilityForm):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.OPERATING)
    since = forms.DateField(label=_("Status since"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = forms.ModelChoiceField(label=_("Unit"), queryset=units)
        self.order_fields(["unit", "name"])
        if not self.is_bound:
            self.initial.setdefault("since", timezone.localdate())


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo (JPEG, PNG or WebP)"))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class CaptionForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)


class ResourceForm(forms.Form):
    name = forms.CharField(label=_("What is booked"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=ResourceKind.choices)
    capacity = forms.IntegerField(label=_("Places per slot"), min_value=1, initial=1)
    book_cutoff_minutes = forms.IntegerField(label=_("Booking closes (minutes before)"), min_value=0, initial=0)
    cancel_cutoff_minutes = forms.IntegerField(label=_("Cancelling closes (minutes before)"), min_value=0,
                                               initial=60)
    price = forms.DecimalField(label=_("Full price of a meal"), min_value=0, max_digits=8, decimal_places=2,
                               required=False)
    closed_on_holidays = forms.BooleanField(label=_("No slots on public holidays"), required=False)


WEEKDAY_CHOICES = [(str(i), label) for i, label in enumerate(
    [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")])]
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]


class PatternForm(forms.Form):
    """A weekly pattern: the days, the hours, the places and how many weeks ahead slots are made."""

    weekdays = forms.MultipleChoiceField(label=_("Days of the week"), choices=WEEKDAY_CHOICES,
                                         widget=forms.CheckboxSelectMultiple, initial=["0", "1", "2", "3", "4"])
    starts = forms.TimeField(label=_("Slot starts at"), input_formats=TIME_FORMATS,
                             widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    ends = forms.TimeField(label=_("Slot ends at"), input_formats=TIME_FORMATS,
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    capacity = forms.IntegerField(label=_("Places (empty: the resource's)"), min_value=1, required=False)
    weeks_ahead = forms.IntegerField(label=_("Weeks ahead"), min_value=1, max_value=26, initial=4)
    valid_until = forms.DateField(label=_("Last day (optional)"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    menu = forms.CharField(label=_("Menu (for a meal)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class SlotForm(forms.Form):
    starts_at = forms.DateTimeField(label=pgettext_lazy("facilities", "Starts"), input_formats=DT_FORMATS, widget=_dt_widget())
    ends_at = forms.DateTimeField(label=pgettext_lazy("facilities", "Ends"), input_formats=DT_FORMATS, widget=_dt_widget())
    capacity = forms.IntegerField(label=_("Places (empty: the resource's)"), min_value=1, required=False)
    menu = forms.CharField(label=_("Menu (for a meal)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class BookingForm(forms.Form):
    """Booking a slot. For a meal the diner is always named, with their ID number: the price depends on
    their age and care category. ``for_other`` says the holder books for someone else (代订)."""

    for_name = forms.CharField(label=_("Name of the person it is for"), max_length=50, required=False)
    for_id_number = forms.CharField(label=_("Their ID number (身份证号)"), max_length=30, required=False)
    delivery = forms.BooleanField(label=_("Deliver the meal (送餐上门)"), required=False)
    delivery_address = forms.CharField(label=_("Delivery address"), max_length=200, required=False)


class CheckinForm(forms.Form):
    code = forms.CharField(label=_("Booking code (typed, or scanned from the QR code)"), max_length=300)
