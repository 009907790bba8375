"""The forms of the targets pages. They only parse; the services check and say what is wrong."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Department, Level, Unit
from targets import catalogue
from targets.models import ReportedIndicator
from targets.registry import Direction

MILESTONES = 4


class TargetForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    public_wording = forms.CharField(
        label=_("Public wording"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_unit = forms.ModelChoiceField(label=_("Owner unit"), queryset=Unit.objects.none())
    owner_department = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(), required=False
    )
    year = forms.IntegerField(label=_("Year"))
    indicator_code = forms.ChoiceField(label=_("Indicator"))
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    baseline = forms.CharField(label=_("Baseline"), max_length=20)
    target_value = forms.CharField(label=_("Target value"), max_length=20)
    covered_units = forms.ModelMultipleChoiceField(
        label=_("Units covered"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("Empty: the owner unit and everything below it."),
    )
    is_public = forms.BooleanField(label=_("On the public 民生实事 list"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), initial=50, min_value=0, max_value=999)

    def __init__(self, *args, units=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units
        self.fields["covered_units"].queryset = units
        self.fields["owner_department"].queryset = departments
        self.fields["indicator_code"].choices = catalogue.choices()
        self.fields["year"].initial = timezone.localdate().year
        for number in range(1, MILESTONES + 1):
            self.fields[f"m{number}_date"] = forms.DateField(
                label=_("Milestone %(n)s: date") % {"n": number},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
            self.fields[f"m{number}_value"] = forms.CharField(
                label=_("Milestone %(n)s: value") % {"n": number}, required=False, max_length=20
            )

    def milestones(self) -> list[tuple[date, str]]:
        out = []
        for number in range(1, MILESTONES + 1):
            day, value = self.cleaned_data.get(f"m{number}_date"), self.cleaned_data.get(f"m{number}_value")
            if day and (value or "").strip():
                out.append((day, value))
        return out

    @staticmethod
    def initial_for(target) -> dict:
        initial = {
            name: getattr(target, name)
            for name in (
                "title",
                "public_wording",
                "owner_unit",
                "owner_department",
                "year",
                "indicator_code",
                "direction",
                "baseline",
                "target_value",
                "is_public",
                "order",
            )
        }
        initial["covered_units"] = list(target.covered_units.all())
        for number, milestone in enumerate(target.milestones.all(), start=1):
            initial[f"m{number}_date"] = milestone.due_on
            initial[f"m{number}_value"] = milestone.value
        return initial


def quarter_ends(year: int) -> dict:
    return {f"m{q}_date": date(year, 3 * q, 31 if q in (1, 4) else 30) for q in range(1, 5)}


class ReportForm(forms.Form):
    indicator = forms.ModelChoiceField(label=_("Indicator"), queryset=ReportedIndicator.objects.all())
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    month = forms.CharField(label=_("Month"), max_length=7, help_text=_("Like 2026-03."))
    numerator = forms.CharField(label=_("Value or numerator"), max_length=20)
    denominator = forms.CharField(label=_("Denominator (rates only)"), max_length=20, required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label=_("Evidence (optional)"), required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.exclude(level=Level.GRID) if units is not None else Unit.objects.none()
        if not self.is_bound:
            today = timezone.localdate()
            self.fields["month"].initial = f"{today:%Y-%m}"


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File or photo"))
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Workbook (.xlsx)"))
