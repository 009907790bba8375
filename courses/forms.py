"""The forms of courses' pages. They parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from courses.models import Category, Mode
from courses.services import CourseData

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _dt_widget():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Course title"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices)
    centre = forms.CharField(label=_("Culture centre (文化馆/分馆)"), max_length=100)
    teacher = forms.CharField(label=_("Teacher"), max_length=50, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("Place of the sessions"), max_length=200, required=False)
    facility_id = forms.TypedChoiceField(label=_("Facility in the registry"), required=False, coerce=int,
                                         empty_value=None)
    capacity = forms.IntegerField(label=_("Places in the centre"), min_value=1, required=False,
                                  help_text=_("Empty: no limit. Online-only courses have none."))
    enrol_opens = forms.DateTimeField(label=_("Enrolment opens"), input_formats=DT_FORMATS, widget=_dt_widget(),
                                      required=False)
    enrol_closes = forms.DateTimeField(label=_("Enrolment closes"), input_formats=DT_FORMATS, widget=_dt_widget(),
                                       required=False)
    open_lessons = forms.BooleanField(label=_("Lessons open to everyone, without enrolling"), required=False)
    min_sessions = forms.IntegerField(label=_("Completion: sessions to attend"), min_value=0, initial=0)
    require_lessons = forms.BooleanField(label=_("Completion: every lesson opened"), required=False)

    def __init__(self, *args, facilities=(), units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility_id"].choices = [("", "—"), *[(f.pk, f.name) for f in facilities]]
        if units is not None:
            self.fields["unit"] = forms.ModelChoiceField(label=_("Area served"), queryset=units,
                                                         empty_label=None)
            self.order_fields(["title", "unit"])

    def data_object(self) -> CourseData:
        d = self.cleaned_data
        return CourseData(title=d["title"], category=d["category"], mode=d["mode"], centre=d["centre"],
                          teacher=d["teacher"], description=d["description"], place=d["place"],
                          facility_id=d["facility_id"], capacity=d["capacity"], enrol_opens=d["enrol_opens"],
                          enrol_closes=d["enrol_closes"], open_lessons=d["open_lessons"],
                          min_sessions=d["min_sessions"], require_lessons=d["require_lessons"])


class LessonForm(forms.Form):
    title = forms.CharField(label=_("Lesson title"), max_length=100)
    file = forms.FileField(label=_("File (MP4, WebM, MP3, M4A, WAV or PDF)"))


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), input_formats=DT_FORMATS, widget=_dt_widget())
    ends_at = forms.DateTimeField(label=_("Ends"), input_formats=DT_FORMATS, widget=_dt_widget())
    place = forms.CharField(label=pgettext_lazy("course", "Place"), max_length=200, required=False)
    topic = forms.CharField(label=pgettext_lazy("course", "Topic"), max_length=100, required=False)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Attendance code"), max_length=200)
