"""The forms of employment's pages: they parse what was typed; the services check it (every rule lives
there, so the importer and the API are held to the same)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appeals.forms import place_choices
from employment.models import (
    ContactWay,
    Education,
    Outcome,
    PostingKind,
    SeekerKind,
    SeekerStatus,
    ServiceKind,
    SubsidyForm,
)
from orgs.models import Level, Unit


def _units(scope_units=None):
    qs = scope_units if scope_units is not None else Unit.objects.all()
    return qs.filter(is_active=True)


class PlaceField(forms.ChoiceField):
    """A township, village or community, chosen from a list grouped by county and township."""

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        unit = Unit.objects.filter(pk=value, is_active=True).exclude(level=Level.GRID).first()
        if unit is None:
            raise forms.ValidationError(_("Choose a place from the list."))
        return unit


def _place(label, *, units=None, required=True):
    field = PlaceField(label=label, required=required, units=units)
    field.choices = [("", _("Choose a place…")), *place_choices(_units(units))]
    return field


class SeekerForm(forms.Form):
    name = forms.CharField(label=_("Name (姓名)"), max_length=50)
    id_number = forms.CharField(label=_("ID number (身份证号)"), max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    kind = forms.ChoiceField(label=_("I am"), choices=SeekerKind.choices)
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    school = forms.CharField(label=_("School"), max_length=100, required=False)
    major = forms.CharField(label=_("Major"), max_length=100, required=False)
    graduation_year = forms.IntegerField(label=_("Graduation year"), required=False, min_value=1950, max_value=2100)
    skills = forms.CharField(label=_("Skills"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("For example: 电工证, Excel, 驾驶, 会计"))
    wishes = forms.CharField(label=_("Jobs wanted"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("For example: 行政文员, 软件测试, 仓库管理"))
    desired_salary = forms.IntegerField(label=_("Lowest monthly pay wanted (元)"), required=False, min_value=0,
                                        max_value=1_000_000)

    def __init__(self, *args, resident=False, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _place(_("Your place of residence"), units=units)
        self.fields["desired_place"] = _place(_("Where you want to work"), required=False)
        if resident:
            del self.fields["phone"]  # the phone signed in with
            self.fields["name"].label = _("Your name (姓名)")
        else:
            self.fields["kind"].label = _("Kind of seeker")
            self.fields["unit"].label = _("Place of residence")


class ServiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=[
        (k, label) for k, label in ServiceKind.choices if k != ServiceKind.RECOMMENDATION])
    notes = forms.CharField(label=_("What was done"), max_length=500, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    given_on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


OUTCOME_ORDER = [Outcome.APPLIED, Outcome.INTERVIEWED, Outcome.HIRED, Outcome.DECLINED, Outcome.DONE]


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[(k, Outcome(k).label) for k in OUTCOME_ORDER])


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[
        (k, label) for k, label in SeekerStatus.choices if k != SeekerStatus.PUBLIC_WELFARE])


class SeekerFilterForm(forms.Form):
    q = forms.CharField(label=_("Name, school, major, ID number or phone"), required=False)
    kind = forms.ChoiceField(label=_("Kind of seeker"), required=False,
                             choices=[("", _("All")), *SeekerKind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All")), *SeekerStatus.choices])
    incomplete = forms.BooleanField(label=_("Graduates whose 1131 is incomplete"), required=False)


class EmployerForm(forms.Form):
    name = forms.CharField(label=_("Employer name"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code (统一社会信用代码)"), max_length=30,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    industry = forms.CharField(label=_("Industry"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Contact person"), max_length=50)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "tel"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _place(_("Located in"))


class PostingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PostingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=100)
    duties = forms.CharField(label=_("Duties"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    requirements = forms.CharField(label=_("Requirements"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    education = forms.ChoiceField(label=_("Lowest education"), choices=Education.choices)
    salary_min = forms.CharField(label=_("Monthly pay from (元)"), max_length=10,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    salary_max = forms.CharField(label=_("Monthly pay up to (元)"), max_length=10,
                                 widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    headcount = forms.CharField(label=_("Headcount"), max_length=6, initial="1",
                                widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    closes_on = forms.DateField(label=_("Closing date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    duration_months = forms.CharField(label=_("Internship: duration (months)"), max_length=3, required=False,
                                      widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    subsidy = forms.CharField(label=_("Internship: monthly subsidy (元)"), max_length=10, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "numeric"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _place(_("Place of work"))
        order = ["kind", "title", "duties", "requirements", "education", "salary_min", "salary_max", "unit",
                 "headcount", "closes_on", "duration_months", "subsidy"]
        self.order_fields(order)


class WelfarePostForm(forms.Form):
    title = forms.CharField(label=_("Post"), max_length=100, help_text=_("For example: 保洁, 护林, 养老护理"))
    duties = forms.CharField(label=_("Duties"), max_length=500, required=False)
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=60)
    monthly_subsidy = forms.IntegerField(label=_("Monthly subsidy (元)"), min_value=1)
    headcount = forms.IntegerField(label=pgettext_lazy("employment", "Places"), min_value=1, max_value=1000, initial=1)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _place(_("Where"), units=units)


class IdNumberForm(forms.Form):
    id_number = forms.CharField(label=_("The seeker's ID number"), max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "off"}))


class FairForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    venue = forms.CharField(label=_("Venue"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = _place(pgettext_lazy("employment", "Organised by"), units=units)


class FollowUpForm(forms.Form):
    way = forms.ChoiceField(label=_("Contact way"), choices=ContactWay.choices)
    followed_on = forms.DateField(label=_("Date"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    situation = forms.CharField(label=_("Situation (近况)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    needs = forms.CharField(label=_("Needs (需求)"), max_length=500, required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Next step (下一步)"), max_length=500, required=False)
    file_need = forms.BooleanField(label=_("File the need as a demand (诉求), to be dispatched and tracked"),
                                   required=False)


class SubsidyApplicationForm(forms.Form):
    """Parsed loosely (months as text, the amount as text): the services check and explain every rule."""

    form = forms.ChoiceField(label=_("Form of employment"), choices=SubsidyForm.choices)
    first_month = forms.CharField(label=_("From month"), max_length=10,
                                  widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}))
    last_month = forms.CharField(label=_("To month"), max_length=10,
                                 widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-03"}))
    monthly_amount = forms.CharField(label=_("Insurance paid per month (元)"), max_length=12,
                                     widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    proof = forms.CharField(label=_("Insurance payment proof (缴费凭证号)"), max_length=200, required=False)


class SubsidyDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        ("approve", _("Approve")), ("return", _("Return for correction")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason (shown to the applicant)"), max_length=300, required=False)


class SubsidyPaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(label=_("Payment reference (bank or treasury)"), max_length=64)
