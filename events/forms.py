"""The forms of events' pages. They parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import EventKind
from events.services import EventData

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _dt(label):
    return forms.DateTimeField(label=label, input_formats=DT_FORMATS, required=False,
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of event"), choices=EventKind.choices)
    description = forms.CharField(label=_("What it is, who may take part"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("Where (venue and address)"), max_length=200, required=False)
    facility_id = forms.IntegerField(label=_("Facility number (optional)"), required=False, min_value=1,
                                     help_text=_("The number of a facility in 找设施: its name and address fill "
                                                 "“Where” when that is left empty."))
    starts_at = _dt(_("Starts"))
    ends_at = _dt(_("Ends"))
    signup_opens_at = _dt(_("Sign-up opens"))
    signup_closes_at = _dt(_("Sign-up and cancelling close"))
    capacity = forms.IntegerField(label=_("Places (people, or teams when teams sign up)"), required=False)
    takes_teams = forms.BooleanField(label=_("Teams sign up (a captain lists the members)"), required=False)
    team_min = forms.IntegerField(label=_("Smallest team"), required=False)
    team_max = forms.IntegerField(label=_("Largest team"), required=False)
    contact_phone = forms.CharField(label=_("Organisers' phone"), max_length=30, required=False)

    def __init__(self, *args, units=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"] = forms.ModelChoiceField(label=_("Organised by (its residents and those below it "
                                                                 "see it)"), queryset=units)
            self.order_fields(["unit"])
        if departments is not None and departments.exists():
            self.fields["department"] = forms.ModelChoiceField(
                label=_("For a department (文旅/体育)"), queryset=departments, required=False,
                help_text=_("Leave empty for the unit's own event."))
            self.order_fields(["unit", "department"])

    def data_object(self) -> EventData:
        d = self.cleaned_data
        return EventData(
            title=d["title"], kind=d["kind"], description=d["description"], place=d["place"],
            facility_id=d["facility_id"], starts_at=d["starts_at"], ends_at=d["ends_at"],
            signup_opens_at=d["signup_opens_at"], signup_closes_at=d["signup_closes_at"], capacity=d["capacity"],
            takes_teams=d["takes_teams"], team_min=d["team_min"], team_max=d["team_max"],
            contact_phone=d["contact_phone"])

    @classmethod
    def initial_for(cls, event) -> dict:
        return {name: getattr(event, name) for name in (
            "title", "kind", "description", "place", "facility_id", "starts_at", "ends_at", "signup_opens_at",
            "signup_closes_at", "capacity", "takes_teams", "team_min", "team_max", "contact_phone")}


class SignupForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=30)


class TeamSignupForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=50)
    members = forms.CharField(
        label=_("Members, one a line: name and mobile"), max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "王芳 13800138000\n李强 13900139000"}),
        help_text=_("You included, as captain. The mobile is optional; it is kept encrypted and shown masked."))


class CheckinForm(forms.Form):
    code = forms.CharField(label=_("Check-in code or the QR code's address"), max_length=300)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why it is cancelled"), max_length=200)


class ResultsForm(forms.Form):
    lines = forms.CharField(
        label=_("Results, one a line: rank, award, team or person"), required=False, max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "1 一等奖 北关象棋队\n2 二等奖 顺城象棋队\n优秀奖 王芳"}))
    note = forms.CharField(label=_("A few words on how it went"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo (JPEG, PNG, WebP)"))
    caption = forms.CharField(label=_("Caption"), max_length=100, required=False)
