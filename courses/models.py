"""终身美育课堂: the digital culture centre's courses. A 文化馆 (county) or its 分馆 (township) offers a course
to the residents of its area, in the centre (sessions with attendance), online (lessons: video, audio or
PDF uploaded to the platform and served from it) or both; residents enrol, and a course's completion rule
(sessions attended, lessons opened) is computed for each enrolment."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.TextChoices):
    DANCE = "dance", _("Dance (舞蹈)")
    CALLIGRAPHY = "calligraphy", _("Calligraphy (书法)")
    VOCAL = "vocal", _("Singing (声乐)")
    INSTRUMENT = "instrument", _("Instruments (器乐)")
    PAINTING = "painting", _("Painting (美术)")
    HERITAGE = "heritage", _("Intangible heritage (非遗)")
    OTHER = "other", _("Other arts (其他)")


class Mode(models.TextChoices):
    CENTRE = "centre", _("In the centre (在馆)")
    ONLINE = "online", _("Online (线上)")
    BOTH = "both", _("In the centre and online (线上+在馆)")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (草稿)")
    PUBLISHED = "published", _("Published (已发布)")
    CLOSED = "closed", _("Closed (已结课)")


class Course(models.Model):
    """A course a culture centre offers. ``unit`` is the area it serves (the county for the 文化馆, a
    township for its 分馆): its keepers are the handlers and administrators of that unit or above and of a
    文旅 department at or above it (permissions.py). ``enrolled`` counts the live enrolments and is only
    moved by a conditional UPDATE (services.enrolment_create), so it never passes ``capacity``."""

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.CENTRE)
    centre = models.CharField(_("culture centre"), max_length=100,
                              help_text=_("The 文化馆 or 分馆 that gives the course, e.g. 榆次区文化馆."))
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("area served"), on_delete=models.PROTECT, related_name="+")
    unit_path = models.CharField(max_length=255, editable=False, db_index=True)
    # A facility of the registry (facilities app, a peer: looked up through facilities.selectors only).
    facility_id = models.PositiveIntegerField(_("facility"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    teacher = models.CharField(_("teacher"), max_length=50, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True,
                                           help_text=_("For sessions in the centre; empty: no limit."))
    enrolled = models.PositiveIntegerField(_("enrolled"), default=0, editable=False)
    enrol_opens = models.DateTimeField(_("enrolment opens"), null=True, blank=True)
    enrol_closes = models.DateTimeField(_("enrolment closes"), null=True, blank=True)
    open_lessons = models.BooleanField(_("lessons open to everyone"), default=False,
                                       help_text=_("Anyone may watch the lessons without enrolling."))
    # The completion rule: at least ``min_sessions`` sessions attended and, when asked, every lesson opened.
    min_sessions = models.PositiveSmallIntegerField(_("sessions to attend for completion"), default=0)
    require_lessons = models.BooleanField(_("every lesson opened for completion"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=CourseStatus.choices, default=CourseStatus.DRAFT,
                              editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["status", "category", "unit_path"], name="course_status_cat_path")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__isnull=True) | Q(enrolled__lte=F("capacity")),
                                   name="course_enrolled_within_capacity"),
            models.CheckConstraint(condition=Q(enrol_opens__isnull=True) | Q(enrol_closes__isnull=True)
                                   | Q(enrol_closes__gt=F("enrol_opens")), name="course_enrolment_window"),
        ]

    def __str__(self):
        return self.title

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.enrolled, 0)

    @property
    def has_sessions(self) -> bool:
        return self.mode in (Mode.CENTRE, Mode.BOTH)

    @property
    def has_rule(self) -> bool:
        return bool(self.min_sessions or self.require_lessons)


class Session(models.Model):
    """One class in the centre: when and where; staff take attendance."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    topic = models.CharField(pgettext_lazy("course", "topic"), max_length=100, blank=True)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        verbose_name = pgettext_lazy("course", "session")
        verbose_name_plural = pgettext_lazy("course", "sessions")
        ordering = ["starts_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="course_session_ends_after")]

    def __str__(self):
        return f"{self.course} {self.starts_at:%Y-%m-%d %H:%M}"


class LessonKind(models.TextChoices):
    VIDEO = "video", _("Video")
    AUDIO = "audio", _("Audio")
    PDF = "pdf", _("PDF document")


def lesson_path(instance, filename):
    # Under MEDIA_ROOT, which is never served as public media (minsheng/urls.py): only views.public.lesson_file.
    return f"courses/{instance.course_id}/{secrets.token_hex(12)}.{instance.extension}"


class Lesson(models.Model):
    """An uploaded lesson, its real type read from its bytes (services.sniff)."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=100)
    position = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("kind"), max_length=8, choices=LessonKind.choices, editable=False)
    file = models.FileField(_("file"), upload_to=lesson_path, max_length=200)
    extension = models.CharField(max_length=8, editable=False)
    content_type = models.CharField(max_length=40, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False)
    original_name = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["course_id", "position", "pk"]

    def __str__(self):
        return self.title


class EnrolmentState(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled (已报名)")
    WAITING = "waiting", _("Waiting list (候补)")
    CANCELLED = "cancelled", _("Cancelled (已取消)")


LIVE_STATES = [EnrolmentState.ENROLLED, EnrolmentState.WAITING]


def new_enrolment_code() -> str:
    return secrets.token_hex(6).upper()


class Enrolment(models.Model):
    """A resident's place in a course; ``code`` is what the QR code carries for attendance. ``completed_at``
    is set by services.enrolment_check_completion when the course's rule is met."""

    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="enrolments")
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.PROTECT,
                                 related_name="course_enrolments")
    state = models.CharField(_("state"), max_length=10, choices=EnrolmentState.choices)
    code = models.CharField(_("attendance code"), max_length=16, unique=True, default=new_enrolment_code,
                            editable=False)
    completed_at = models.DateTimeField(pgettext_lazy("course", "completed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["course_id", "created_at", "pk"]
        indexes = [models.Index(fields=["course", "state", "created_at"], name="course_enrolment_state"),
                   models.Index(fields=["resident", "state"], name="course_enrolment_resident")]
        constraints = [models.UniqueConstraint(fields=["course", "resident"], condition=Q(state__in=["enrolled", "waiting"]),
                                               name="course_one_live_enrolment")]

    def __str__(self):
        return self.code


class EnrolmentEvent(models.Model):
    """An enrolment's timeline: enrolled, promoted, cancelled, attended, completed."""

    enrolment = models.ForeignKey(Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE,
                                  related_name="events")
    verb = models.CharField(_("what"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("enrolment event")
        verbose_name_plural = _("enrolment events")
        ordering = ["enrolment_id", "at", "pk"]

    def __str__(self):
        return f"{self.enrolment_id} {self.verb}"


class Attendance(models.Model):
    """Present at a session: ticked on the list or scanned from the enrolment's QR code."""

    session = models.ForeignKey(Session, verbose_name=pgettext_lazy("course", "session"), on_delete=models.CASCADE,
                                related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE,
                                  related_name="attendances")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("marked by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField(_("marked at"), auto_now_add=True)
    by_scan = models.BooleanField(_("scanned"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="course_attendance_once")]

    def __str__(self):
        return f"{self.session_id} {self.enrolment_id}"


class LessonProgress(models.Model):
    """A person's use of a lesson: first and last opened, and finished (played to the end)."""

    lesson = models.ForeignKey(Lesson, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="progress")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resident"), on_delete=models.CASCADE,
                             related_name="+")
    first_opened_at = models.DateTimeField(_("first opened"), auto_now_add=True)
    last_opened_at = models.DateTimeField(_("last opened"), auto_now=True)
    opened = models.PositiveIntegerField(_("times opened"), default=1)
    finished = models.BooleanField(pgettext_lazy("course", "finished"), default=False)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["lesson", "user"], name="course_progress_once")]

    def __str__(self):
        return f"{self.lesson_id} {self.user_id}"
