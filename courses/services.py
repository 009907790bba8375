"""Every change in courses. Each function is keyword-only, atomic, checks the actor's permission again
(courses.permissions) and records what it did: an enrolment's own timeline (EnrolmentEvent) and the audit
trail (core.audit; labels in courses/audit.py). Pages, the API, the admin, the demo and the bench all come
through here.

Capacity holds under concurrency as facilities' bookings do: a place is taken by one conditional UPDATE
(``enrolled < capacity``), which the database applies to the row one writer at a time on PostgreSQL and
SQLite alike; whoever finds no place goes on the waiting list."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.audit import audit_record
from core.errors import BadInput, InvalidTransition, NotAllowed
from courses import permissions
from courses.models import (
    LIVE_STATES,
    Attendance,
    Category,
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentEvent,
    EnrolmentState,
    Lesson,
    LessonKind,
    LessonProgress,
    Mode,
    Session,
)

MAX_LESSON_BYTES = 500 * 1024 * 1024

# What a file's name may claim: extension → (kind, content type, the format its bytes must have).
CLAIMS = {
    "mp4": (LessonKind.VIDEO, "video/mp4", "mp4"),
    "webm": (LessonKind.VIDEO, "video/webm", "webm"),
    "mp3": (LessonKind.AUDIO, "audio/mpeg", "mp3"),
    "m4a": (LessonKind.AUDIO, "audio/mp4", "mp4"),
    "wav": (LessonKind.AUDIO, "audio/wav", "wav"),
    "pdf": (LessonKind.PDF, "application/pdf", "pdf"),
}
FORMAT_NAMES = {"mp4": "MP4", "webm": "WebM", "mp3": "MP3", "wav": "WAV", "pdf": "PDF"}
TRANSITIONS = {  # action: (from states, to state)
    "publish": ({CourseStatus.DRAFT, CourseStatus.CLOSED}, CourseStatus.PUBLISHED),
    "close": ({CourseStatus.PUBLISHED}, CourseStatus.CLOSED),
}


def _now() -> datetime:
    return timezone.now()


def _audit(actor, verb, target, data=None, label=None):
    return audit_record(actor=actor, verb=verb, target=target, data=data or {}, label=label)


def _event(enrolment, verb, actor, **data):
    return EnrolmentEvent.objects.create(enrolment=enrolment, verb=verb, actor=actor if getattr(actor, "pk", None)
                                         else None, data=data)


# --- a file's real type --------------------------------------------------------------------------------------

def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file show: mp4 (ISO base media, also m4a), webm, mp3, wav, pdf."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def lesson_file_check(upload) -> tuple[str, str, str]:
    """(extension, kind, content type) of an upload whose bytes are what its name claims; BadInput with a
    message saying what it really is otherwise. Reads only the first bytes: a large video stays on disk."""
    name = (getattr(upload, "name", "") or "").strip()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in CLAIMS:
        raise BadInput(_("A lesson must be a video (.mp4, .webm), audio (.mp3, .m4a, .wav) or PDF file: "
                         "“%(name)s” is none of these.") % {"name": name or "?"})
    if not upload.size:
        raise BadInput(_("“%(name)s” is empty: nothing was saved.") % {"name": name})
    if upload.size > MAX_LESSON_BYTES:
        raise BadInput(_("“%(name)s” is larger than %(mb)s MB: nothing was saved.") % {
            "name": name, "mb": MAX_LESSON_BYTES // (1024 * 1024)})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind, content_type, expected = CLAIMS[extension]
    real = sniff(head)
    if real != expected:
        raise BadInput(_("“%(name)s” claims to be %(claimed)s but its content is %(real)s: nothing was saved. "
                         "Export it again as %(claimed)s.") % {
            "name": name, "claimed": FORMAT_NAMES[expected],
            "real": FORMAT_NAMES.get(real, _("not a video, audio or PDF file"))})
    return extension, kind, content_type


# --- courses ------------------------------------------------------------------------------------------------

@dataclass
class CourseData:
    """What a staff member types about a course (the form, the admin, the API and the demo fill it)."""

    title: str
    category: str
    mode: str
    centre: str
    description: str = ""
    place: str = ""
    teacher: str = ""
    facility_id: int | None = None
    capacity: int | None = None
    enrol_opens: datetime | None = None
    enrol_closes: datetime | None = None
    open_lessons: bool = False
    min_sessions: int = 0
    require_lessons: bool = False


def _facility_name(actor, facility_id) -> str:
    """The facility's name, if ``actor`` sees it in the registry (facilities is a peer: its selectors only)."""
    from facilities.selectors import facilities_visible_to

    facility = facilities_visible_to(actor).filter(pk=facility_id).first()
    if facility is None:
        raise BadInput(_("Facility %(id)s is not in the registry of your area.") % {"id": facility_id})
    return facility.name


def _apply(actor, course: Course, data: CourseData) -> None:
    title = (data.title or "").strip()
    if not title:
        raise BadInput(_("Give the course a title."))
    if data.category not in Category.values:
        raise BadInput(_("Choose the course's category."))
    if data.mode not in Mode.values:
        raise BadInput(_("Choose whether the course is in the centre, online or both."))
    centre = (data.centre or "").strip()
    if not centre:
        raise BadInput(_("Name the culture centre (文化馆 or 分馆) that gives the course."))
    if data.capacity is not None and data.capacity < 1:
        raise BadInput(_("The places must be at least 1, or left empty for no limit."))
    if data.capacity is not None and course.pk and data.capacity < course.enrolled:
        raise BadInput(_("%(n)s residents are enrolled already: the places cannot be fewer.") % {"n": course.enrolled})
    if data.enrol_opens and data.enrol_closes and data.enrol_closes <= data.enrol_opens:
        raise BadInput(_("Enrolment must close after it opens."))
    if data.min_sessions < 0:
        raise BadInput(_("The sessions to attend cannot be negative."))
    place = (data.place or "").strip()[:200]
    if data.facility_id:
        facility_name = _facility_name(actor, data.facility_id)
        place = place or facility_name
    course.title, course.category, course.mode, course.centre = title[:100], data.category, data.mode, centre[:100]
    course.description = (data.description or "").strip()
    course.place, course.teacher = place, (data.teacher or "").strip()[:50]
    course.facility_id = data.facility_id or None
    course.capacity = data.capacity if data.mode != Mode.ONLINE else None
    course.enrol_opens, course.enrol_closes = data.enrol_opens, data.enrol_closes
    course.open_lessons, course.min_sessions = bool(data.open_lessons), int(data.min_sessions or 0)
    course.require_lessons = bool(data.require_lessons)


@transaction.atomic
def course_create(*, actor, unit, data: CourseData) -> Course:
    permissions.require_keep_in(actor, unit)
    course = Course(unit=unit, unit_path=unit.path, created_by=actor if getattr(actor, "pk", None) else None)
    _apply(actor, course, data)
    course.save()
    _audit(actor, "courses.course.create", course, {"centre": course.centre, "unit": unit.code})
    return course


@transaction.atomic
def course_update(*, actor, course: Course, data: CourseData) -> Course:
    locked = Course.objects.select_for_update().get(pk=course.pk)
    permissions.require_keep(actor, locked)
    _apply(actor, locked, data)
    locked.save()
    _audit(actor, "courses.course.update", locked)
    if locked.capacity is None or locked.capacity > locked.enrolled:  # more places: the waiting list moves up
        if locked.capacity is None:
            for waiting in Enrolment.objects.select_for_update().filter(course=locked, state=EnrolmentState.WAITING):
                Course.objects.filter(pk=locked.pk).update(enrolled=F("enrolled") + 1)
                waiting.state = EnrolmentState.ENROLLED
                waiting.save(update_fields=["state", "changed_at"])
                _event(waiting, "promote", actor)
        else:
            _promote(locked, actor)
        locked.refresh_from_db()
    return locked


@transaction.atomic
def course_set_status(*, actor, course: Course, action: str) -> Course:
    """发布 (publish) or 结课 (close) a course: the one transition table, TRANSITIONS."""
    locked = Course.objects.select_for_update().get(pk=course.pk)
    permissions.require_keep(actor, locked)
    if action not in TRANSITIONS:
        raise BadInput(_("Unknown action."))
    sources, target = TRANSITIONS[action]
    if locked.status not in sources:
        raise InvalidTransition(_("The course is %(state)s: it cannot be %(action)s.") % {
            "state": locked.get_status_display(), "action": pgettext("course", "published") if action == "publish" else pgettext("course", "closed")})
    if action == "publish" and locked.mode == Mode.ONLINE and not locked.lessons.exists():
        raise BadInput(_("An online course needs at least one lesson before it is published."))
    before = locked.status
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    _audit(actor, "courses.course.status", locked, {"from": before, "to": target})
    return locked


# --- lessons and sessions ---------------------------------------------------------------------------------

@transaction.atomic
def lesson_upload(*, actor, course: Course, title: str, upload, position: int | None = None) -> Lesson:
    """Store an uploaded lesson after checking its bytes are the type its name claims."""
    permissions.require_keep(actor, course)
    title = (title or "").strip()
    if not title:
        raise BadInput(_("Give the lesson a title."))
    extension, kind, content_type = lesson_file_check(upload)
    if position is None:
        position = (course.lessons.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    lesson = Lesson(course=course, title=title[:100], position=position, kind=kind, extension=extension,
                    content_type=content_type, size=upload.size, original_name=(upload.name or "")[:200])
    lesson.file.save(f"lesson.{extension}", upload, save=False)
    lesson.save()
    _audit(actor, "courses.lesson.upload", lesson, {"course": course.pk, "kind": kind, "bytes": upload.size})
    return lesson


@transaction.atomic
def lesson_remove(*, actor, lesson: Lesson) -> None:
    permissions.require_keep(actor, lesson.course)
    _audit(actor, "courses.lesson.remove", lesson, {"course": lesson.course_id})
    storage, name = lesson.file.storage, lesson.file.name
    lesson.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def session_add(*, actor, course: Course, starts_at: datetime, ends_at: datetime, place: str = "",
                topic: str = "") -> Session:
    permissions.require_keep(actor, course)
    if not course.has_sessions:
        raise BadInput(_("An online course has no sessions in the centre: change its mode first."))
    if ends_at <= starts_at:
        raise BadInput(_("A session must end after it starts."))
    session = Session.objects.create(course=course, starts_at=starts_at, ends_at=ends_at,
                                     place=(place or course.place or "").strip()[:200], topic=(topic or "").strip()[:100])
    _audit(actor, "courses.session.add", session, {"course": course.pk})
    return session


# --- enrolment ------------------------------------------------------------------------------------------------

def enrolment_window_open(course: Course, now: datetime) -> bool:
    return (course.status == CourseStatus.PUBLISHED and (course.enrol_opens is None or now >= course.enrol_opens)
            and (course.enrol_closes is None or now < course.enrol_closes))


def enrolment_create(*, actor, course: Course, now: datetime | None = None) -> Enrolment:
    """A signed-in resident enrols: a place while places last, else the waiting list. Not atomic as a whole
    on purpose: the conditional UPDATE that takes a place commits with the enrolment row (one transaction
    below), and concurrent enrolments never wait on a lock of the course's row."""
    now = now or _now()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed(_("Sign in to enrol."))
    if not actor.is_resident:
        raise NotAllowed(_("Residents enrol in courses with their own account."))
    course = Course.objects.get(pk=course.pk)
    if course.status != CourseStatus.PUBLISHED:
        raise BadInput(_("“%(title)s” is not taking enrolments.") % {"title": course.title})
    if course.enrol_opens and now < course.enrol_opens:
        raise BadInput(_("Enrolment for “%(title)s” opens at %(time)s.") % {
            "title": course.title, "time": f"{timezone.localtime(course.enrol_opens):%Y-%m-%d %H:%M}"})
    if course.enrol_closes and now >= course.enrol_closes:
        raise BadInput(_("Enrolment for “%(title)s” closed at %(time)s.") % {
            "title": course.title, "time": f"{timezone.localtime(course.enrol_closes):%Y-%m-%d %H:%M}"})
    refused = BadInput(_("You are enrolled in “%(title)s” already: see 我的课程.") % {"title": course.title})
    if Enrolment.objects.filter(course=course, resident=actor, state__in=LIVE_STATES).exists():
        raise refused
    with transaction.atomic():
        if course.capacity is None:
            Course.objects.filter(pk=course.pk).update(enrolled=F("enrolled") + 1)
            taken = True
        else:
            taken = Course.objects.filter(pk=course.pk, enrolled__lt=F("capacity")).update(enrolled=F("enrolled") + 1)
        state = EnrolmentState.ENROLLED if taken else EnrolmentState.WAITING
        enrolment = Enrolment(course=course, resident=actor, state=state)
        try:
            with transaction.atomic():
                enrolment.save()
        except IntegrityError:  # the same enrolment sent twice at once: the other one stands
            if taken:
                Course.objects.filter(pk=course.pk).update(enrolled=F("enrolled") - 1)
            raise refused from None
        _event(enrolment, "enrol", actor, state=state)
        _audit(actor, "courses.enrolment.create", enrolment, {"course": course.pk, "state": state},
               label=f"{course.title} · {enrolment.code}")
    return enrolment


def _promote(course: Course, actor) -> list[Enrolment]:
    """Fill freed places from the waiting list, first come first served."""
    promoted = []
    while True:
        waiting = (Enrolment.objects.select_for_update().filter(course=course, state=EnrolmentState.WAITING)
                   .order_by("created_at", "pk").first())
        if waiting is None:
            break
        if not Course.objects.filter(pk=course.pk, enrolled__lt=F("capacity")).update(enrolled=F("enrolled") + 1):
            break
        waiting.state = EnrolmentState.ENROLLED
        waiting.save(update_fields=["state", "changed_at"])
        _event(waiting, "promote", actor)
        promoted.append(waiting)
    return promoted


@transaction.atomic
def enrolment_cancel(*, actor, enrolment: Enrolment) -> Enrolment:
    """The resident (or the course's keepers) cancel; a place goes to the first on the waiting list."""
    course = Course.objects.select_for_update().get(pk=enrolment.course_id)
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.resident_id != getattr(actor, "pk", None) and not permissions.may_keep(actor, course):
        raise NotAllowed(_("Only the resident who enrolled, or the course's staff, may cancel an enrolment."))
    if locked.state not in LIVE_STATES:
        raise InvalidTransition(_("This enrolment is %(state)s already.") % {"state": locked.get_state_display()})
    was = locked.state
    locked.state = EnrolmentState.CANCELLED
    locked.save(update_fields=["state", "changed_at"])
    _event(locked, "cancel", actor, was=was)
    _audit(actor, "courses.enrolment.cancel", locked, {"course": course.pk, "was": was},
           label=f"{course.title} · {locked.code}")
    if was == EnrolmentState.ENROLLED:
        Course.objects.filter(pk=course.pk).update(enrolled=F("enrolled") - 1)
        if course.capacity is not None:
            _promote(course, actor)
    return locked


def enrolment_by_code(code: str) -> Enrolment | None:
    code = (code or "").strip().upper()
    if "/" in code:  # a scanned URL: the code is its last part
        code = code.rstrip("/").rsplit("/", 1)[-1]
    return Enrolment.objects.select_related("course", "resident").filter(code=code).first() if code else None


# --- attendance, progress and completion ---------------------------------------------------------------------

@dataclass
class Completion:
    attended: int
    sessions_needed: int
    lessons_opened: int
    lessons_total: int
    lessons_needed: bool
    done: bool


def completion_of(enrolment: Enrolment, *, lessons_total: int | None = None) -> Completion:
    """The course's rule over what the enrolment did: sessions attended ≥ ``min_sessions`` and, when the
    course asks, every lesson opened. A course with no rule completes no one."""
    course = enrolment.course
    attended = Attendance.objects.filter(enrolment=enrolment).count()
    if lessons_total is None:
        lessons_total = course.lessons.count()
    opened = LessonProgress.objects.filter(lesson__course=course, user_id=enrolment.resident_id).count()
    done = course.has_rule and enrolment.state == EnrolmentState.ENROLLED and attended >= course.min_sessions \
        and (not course.require_lessons or opened >= lessons_total)
    return Completion(attended=attended, sessions_needed=course.min_sessions, lessons_opened=opened,
                      lessons_total=lessons_total, lessons_needed=course.require_lessons, done=bool(done))


@transaction.atomic
def enrolment_check_completion(*, actor, enrolment: Enrolment) -> Enrolment:
    """Set (or clear, after attendance was taken back) ``completed_at`` as the rule says; the change is an
    event and an audit row. Called inside the services that change what the rule reads."""
    locked = Enrolment.objects.select_for_update(of=("self",)).select_related("course").get(pk=enrolment.pk)
    done = completion_of(locked).done
    if done and locked.completed_at is None:
        locked.completed_at = _now()
        verb = "complete"
    elif not done and locked.completed_at is not None:
        locked.completed_at = None
        verb = "uncomplete"
    else:
        return locked
    locked.save(update_fields=["completed_at", "changed_at"])
    _event(locked, verb, actor)
    _audit(actor, f"courses.enrolment.{verb}", locked, {"course": locked.course_id},
           label=f"{locked.course.title} · {locked.code}")
    return locked


@transaction.atomic
def attendance_mark(*, actor, session: Session, enrolment: Enrolment, by_scan: bool = False) -> Attendance:
    session = Session.objects.select_related("course").get(pk=session.pk)
    permissions.require_keep(actor, session.course)
    enrolment = Enrolment.objects.select_related("course").get(pk=enrolment.pk)
    if enrolment.course_id != session.course_id:
        raise BadInput(_("Enrolment %(code)s is for another course: %(title)s.") % {
            "code": enrolment.code, "title": enrolment.course.title})
    if enrolment.state != EnrolmentState.ENROLLED:
        raise InvalidTransition(_("Enrolment %(code)s is %(state)s: attendance is for enrolled residents.") % {
            "code": enrolment.code, "state": enrolment.get_state_display()})
    if session.is_cancelled:
        raise BadInput(_("The session was cancelled."))
    existing = Attendance.objects.filter(session=session, enrolment=enrolment).first()
    if existing is not None:
        return existing
    attendance = Attendance.objects.create(session=session, enrolment=enrolment, marked_by=actor, by_scan=by_scan)
    _event(enrolment, "attend", actor, session=session.pk, scan=by_scan)
    _audit(actor, "courses.attendance.mark", session, {"enrolment": enrolment.code, "scan": by_scan})
    enrolment_check_completion(actor=actor, enrolment=enrolment)
    return attendance


@transaction.atomic
def attendance_unmark(*, actor, session: Session, enrolment: Enrolment) -> None:
    session = Session.objects.select_related("course").get(pk=session.pk)
    permissions.require_keep(actor, session.course)
    deleted, _rows = Attendance.objects.filter(session=session, enrolment=enrolment).delete()
    if deleted:
        _event(enrolment, "unattend", actor, session=session.pk)
        _audit(actor, "courses.attendance.unmark", session, {"enrolment": enrolment.code})
        enrolment_check_completion(actor=actor, enrolment=enrolment)


@transaction.atomic
def attendance_set(*, actor, session: Session, present_ids: set[int]) -> tuple[int, int]:
    """The ticked list: the enrolments ticked are present, the others not. Returns (marked, unmarked)."""
    session = Session.objects.select_related("course").get(pk=session.pk)
    permissions.require_keep(actor, session.course)
    enrolments = list(Enrolment.objects.filter(course=session.course, state=EnrolmentState.ENROLLED))
    present = set(Attendance.objects.filter(session=session).values_list("enrolment_id", flat=True))
    marked = unmarked = 0
    for enrolment in enrolments:
        if enrolment.pk in present_ids and enrolment.pk not in present:
            attendance_mark(actor=actor, session=session, enrolment=enrolment)
            marked += 1
        elif enrolment.pk not in present_ids and enrolment.pk in present:
            attendance_unmark(actor=actor, session=session, enrolment=enrolment)
            unmarked += 1
    return marked, unmarked


def may_open_lesson(user, lesson: Lesson) -> bool:
    """A lesson's file: the course's keepers always; others when the course is published or closed and its
    lessons are open to everyone, or they are enrolled (not on the waiting list)."""
    course = lesson.course
    if getattr(user, "is_authenticated", False) and permissions.may_keep(user, course):
        return True
    if course.status == CourseStatus.DRAFT:
        return False
    if course.open_lessons:
        return True
    return bool(getattr(user, "is_authenticated", False) and user.is_resident and Enrolment.objects.filter(
        course=course, resident=user, state=EnrolmentState.ENROLLED).exists())


@transaction.atomic
def lesson_progress_record(*, actor, lesson: Lesson, finished: bool = False) -> LessonProgress | None:
    """A resident opened (or played to the end) a lesson; an enrolment's completion follows."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_resident:
        return None  # staff previewing and visitors leave no progress
    lesson = Lesson.objects.select_related("course").get(pk=lesson.pk)
    if not may_open_lesson(actor, lesson):
        raise NotAllowed(_("Enrol in “%(title)s” to open its lessons.") % {"title": lesson.course.title})
    progress, created = LessonProgress.objects.select_for_update().get_or_create(lesson=lesson, user=actor)
    if not created:
        progress.opened = F("opened") + 1
    if finished:
        progress.finished = True
    progress.save()
    enrolment = Enrolment.objects.filter(course_id=lesson.course_id, resident=actor,
                                         state=EnrolmentState.ENROLLED).first()
    if enrolment is not None and created:
        _event(enrolment, "open_lesson", actor, lesson=lesson.pk)
        enrolment_check_completion(actor=actor, enrolment=enrolment)
    progress.refresh_from_db()
    return progress
