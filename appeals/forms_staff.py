"""Forms of the staff pages: the queue filters and one small form per action on an appeal.

Forms only parse what was typed; the services decide whether the action may happen. Choices that
name a department or unit are limited to the acting user's scope, so a form never offers what the
service would refuse.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from appeals.models import AppealType, Channel, State
from orgs.models import Department, Level, Role, Unit
from orgs.selectors import departments_visible_to, units_visible_to

# Units that can hold an appeal when chosen by a dispatcher (a county or city goes through a department).
DISPATCH_UNIT_LEVELS = [Level.TOWNSHIP, Level.VILLAGE]
# Units offered as a place filter: everything but grids, which would make the list unusably long.
PLACE_FILTER_LEVELS = [Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]
INDENT = {Level.CITY: "", Level.COUNTY: "\u3000", Level.TOWNSHIP: "\u3000\u3000", Level.VILLAGE: "\u3000\u3000\u3000"}


ANY = _("Any")


def _blank(choices):
    return [("", ANY), *choices]


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Words or tracking code")}))
    state = forms.ChoiceField(label=_("State"), required=False)
    appeal_type = forms.ChoiceField(label=_("Type"), required=False)
    department = forms.ModelChoiceField(label=_("Handling department"), required=False, queryset=Department.objects.none(),
                                        empty_label=_("Any"))
    place = forms.ModelChoiceField(label=_("Place (including below)"), required=False,
                                   queryset=Unit.objects.none(), empty_label=_("Any"))
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    received_from = forms.DateField(label=_("Received from"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    received_to = forms.DateField(label=_("Received until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = _blank(State.choices)
        self.fields["appeal_type"].choices = _blank(AppealType.choices)
        self.fields["channel"].choices = _blank(Channel.choices)
        self.fields["department"].queryset = departments_visible_to(user).filter(is_active=True).order_by(
            "unit__path", "kind", "name")
        places = units_visible_to(user).filter(is_active=True, level__in=PLACE_FILTER_LEVELS).order_by("path")
        self.fields["place"].queryset = places
        self.fields["place"].label_from_instance = lambda unit: f"{INDENT.get(unit.level, '')}{unit.name}"

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict:
        """Keyword arguments for selectors.appeals_filtered (only valid values)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "state": data.get("state", ""),
            "appeal_type": data.get("appeal_type", ""),
            "department": data.get("department"),
            "place": data.get("place"),
            "channel": data.get("channel", ""),
            "received_from": data.get("received_from"),
            "received_to": data.get("received_to"),
            "query": data.get("q", ""),
        }


class TargetField(forms.ChoiceField):
    """A department or a township/village unit, as "d:<id>" or "u:<id>", grouped in the select."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.objects = {}

    def set_targets(self, departments, units):
        self.objects = {f"d:{d.pk}": d for d in departments} | {f"u:{u.pk}": u for u in units}
        department_choices = [(f"d:{d.pk}", f"{d.name}") for d in departments]
        unit_choices = [(f"u:{u.pk}", f"{INDENT.get(u.level, '')}{u.name}") for u in units]
        choices = [("", _("Choose…"))]
        if department_choices:
            choices.append((_("Departments"), department_choices))
        if unit_choices:
            choices.append((_("Township offices and village/community committees"), unit_choices))
        self.choices = choices

    def clean(self, value):
        value = super().clean(value)
        return self.objects.get(value)


def dispatch_targets(user):
    """Where ``user`` may send appeals: departments and township/village units in their dispatcher scope."""
    roles = [Role.DISPATCHER]
    departments = departments_visible_to(user, roles=roles).filter(is_active=True).order_by("unit__path", "kind")
    units = units_visible_to(user, roles=roles).filter(is_active=True, level__in=DISPATCH_UNIT_LEVELS).order_by("path")
    return list(departments), list(units)


class DispatchForm(forms.Form):
    target = TargetField(label=_("Send to"))
    note = forms.CharField(label=_("Note to the handler"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, targets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].set_targets(*(targets or dispatch_targets(user)))


class ReassignForm(DispatchForm):
    pass


class EmptyForm(forms.Form):
    """Actions that need nothing but the button (签收)."""


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class TransferForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Pass down to"), queryset=Unit.objects.none(), empty_label=_("Choose…"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, appeal, **kwargs):
        super().__init__(*args, **kwargs)
        holder = appeal.assigned_department.unit if appeal.assigned_department_id else appeal.assigned_unit
        units = Unit.objects.none()
        if holder is not None:
            units = Unit.objects.filter(path__startswith=holder.path, is_active=True,
                                        level__in=DISPATCH_UNIT_LEVELS).exclude(pk=holder.pk).order_by("path")
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: f"{INDENT.get(unit.level, '')}{unit.name}"


class ExtensionRequestForm(forms.Form):
    new_due_at = forms.DateTimeField(label=_("New deadline"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve (批准)")), ("deny", _("Deny (驳回)"))])
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class UrgeForm(forms.Form):
    note = forms.CharField(label=_("Urging note (督办意见)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    answer_due_at = forms.DateTimeField(
        label=_("Answer by (反馈期限)"), required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for 2 working days."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


class UrgeAnswerForm(forms.Form):
    """督办反馈: the answer to one open urging (the oldest, unless the handler picks another)."""

    urge = forms.ModelChoiceField(label=_("Urging"), queryset=None, empty_label=None)
    text = forms.CharField(label=_("Answer to the supervisor (督办反馈)"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, urges, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["urge"]
        field.queryset = urges
        field.label_from_instance = lambda urge: f"{urge.created_at:%Y-%m-%d %H:%M} · {urge.note[:40]}"
        first = urges.first()
        field.initial = first.pk if first else None
        if urges.count() == 1:
            field.widget = forms.HiddenInput()


class ProgressNoteForm(forms.Form):
    """进展记录: an interim note, shown to the resident when marked public."""

    text = forms.CharField(label=_("Progress note (进展记录)"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(label=_("Who sees it"), widget=forms.RadioSelect, initial="internal",
                                   choices=[("internal", _("Staff only (内部)")),
                                            ("public", _("Also the resident, on the tracking page (公开)"))])


class ReplyForm(forms.Form):
    template = forms.ModelChoiceField(label=_("Start from a reply template"), required=False, queryset=None,
                                      empty_label=_("No template"))
    text = forms.CharField(label=_("Reply to the resident"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
        self.fields["template"].widget.attrs["data-confirm"] = _("Replace the text you have written with the template?")
        # The template's text travels with its option so the page's script can fill the text box.
        self.templates = list(templates)

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and data.get("template"):
            data["text"] = data["template"].body  # no script: the chosen template is the reply
        if not (data.get("text") or "").strip() and not self.errors:
            self.add_error("text", _("Write the reply, or choose a template."))
        return data


class MergeForm(forms.Form):
    into = forms.CharField(label=_("Main appeal's tracking code"), max_length=20)
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_into(self):
        return self.cleaned_data["into"].strip().upper().replace("-", "").replace(" ", "")


class BulkDispatchForm(forms.Form):
    codes = forms.MultipleChoiceField(label=_("Appeals"), error_messages={
        "required": _("Tick the appeals to dispatch first.")})
    target = TargetField(label=_("Send the ticked appeals to"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].set_targets(*dispatch_targets(user))
        # Any code may be ticked; the view looks each one up in the user's scope and says which failed.
        self.fields["codes"].choices = [(code, code) for code in (self.data.getlist("codes") if self.is_bound else [])]
