"""Every read in courses: the public catalogue, a resident's enrolments, and the staff's courses limited to
their scope (the scope rule of orgs.selectors, as courses.permissions reads it)."""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from courses import permissions
from courses.models import (
    Attendance,
    Course,
    CourseStatus,
    Enrolment,
    EnrolmentState,
    Lesson,
    LessonProgress,
    Session,
)
from courses.services import completion_of
from orgs.selectors import scope_for

PUBLIC_STATES = [CourseStatus.PUBLISHED, CourseStatus.CLOSED]


def public_courses(*, unit=None, category: str = "", query: str = "", include_closed: bool = False) -> QuerySet[Course]:
    """课程: published courses; for a place, those of its area: the courses of the place and the places below
    it, and of the units above it (the county 文化馆's courses are for every township's residents)."""
    qs = Course.objects.filter(status__in=PUBLIC_STATES if include_closed else [CourseStatus.PUBLISHED])
    if unit is not None:
        above = _ancestor_paths(unit.path)
        qs = qs.filter(Q(unit_path__startswith=unit.path) | Q(unit_path__in=above))
    if category:
        qs = qs.filter(category=category)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(centre__icontains=query) | Q(description__icontains=query))
    return qs.select_related("unit").annotate(lesson_count=Count("lessons", distinct=True)).order_by(
        "status", "-created_at", "pk")


def _ancestor_paths(path: str) -> list[str]:
    codes = [code for code in path.split("/") if code]
    return ["".join(f"{code}/" for code in codes[:n]) for n in range(1, len(codes))]


def public_course(pk) -> Course | None:
    return Course.objects.filter(pk=pk, status__in=PUBLIC_STATES).select_related("unit").first()


def lessons_of(course) -> QuerySet[Lesson]:
    return Lesson.objects.filter(course=course).order_by("position", "pk")


def upcoming_sessions(course, *, now: datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return Session.objects.filter(course=course, ends_at__gte=now, is_cancelled=False).order_by("starts_at")


def enrolment_of(user, course) -> Enrolment | None:
    if not getattr(user, "is_authenticated", False) or not user.is_resident:
        return None
    return Enrolment.objects.filter(course=course, resident=user, state__in=[
        EnrolmentState.ENROLLED, EnrolmentState.WAITING]).first()


def enrolments_of(user) -> QuerySet[Enrolment]:
    """我的课程: ``user``'s enrolments, live ones first, newest first."""
    if not getattr(user, "is_authenticated", False):
        return Enrolment.objects.none()
    return Enrolment.objects.filter(resident=user).select_related("course").order_by("state", "-created_at", "-pk")


def opened_lessons(user, course) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(LessonProgress.objects.filter(user=user, lesson__course=course).values_list("lesson_id", flat=True))


# --- the staff side ------------------------------------------------------------------------------------------

def courses_visible_to(user) -> QuerySet[Course]:
    """The courses ``user`` keeps: their units' subtrees, and a 文旅 department's area below its unit."""
    qs = Course.objects.select_related("unit")
    if not getattr(user, "is_authenticated", False) or user.is_resident:
        return qs.none()
    scope = scope_for(user, roles=permissions.KEEP_ROLES)
    if scope.everything:
        return qs
    q = Q(pk__in=[])
    for path in scope.unit_paths:
        q |= Q(unit_path__startswith=path)
    for kind, path in scope.department_subtrees:
        if kind == permissions.CULTURE:
            q |= Q(unit_path__startswith=path)
    return qs.filter(q)


def course_roster(course) -> list[Enrolment]:
    """The course's enrolments (live first) with each one's completion, for the staff's page."""
    enrolments = list(Enrolment.objects.filter(course=course).select_related("resident", "course")
                      .order_by("state", "created_at", "pk"))
    total = course.lessons.count()
    for enrolment in enrolments:
        enrolment.progress = completion_of(enrolment, lessons_total=total)
    return enrolments


def session_sheet(session) -> list[Enrolment]:
    """The attendance list of a session: the enrolled residents, each with ``present``."""
    present = set(Attendance.objects.filter(session=session).values_list("enrolment_id", flat=True))
    enrolments = list(Enrolment.objects.filter(course_id=session.course_id, state=EnrolmentState.ENROLLED)
                      .select_related("resident").order_by("created_at", "pk"))
    for enrolment in enrolments:
        enrolment.present = enrolment.pk in present
    return enrolments


def todays_session(course, *, now: datetime | None = None) -> Session | None:
    """The session of ``course`` a scan at ``now`` is for: today's, the one under way or next."""
    now = now or timezone.now()
    begin = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    sessions = list(Session.objects.filter(course=course, is_cancelled=False, starts_at__gte=begin,
                                           starts_at__lt=begin + timedelta(days=1)).order_by("starts_at"))
    for session in sessions:
        if session.ends_at >= now:
            return session
    return sessions[-1] if sessions else None


def enrolments_made(*, since, until, unit=None) -> int:
    qs = Enrolment.objects.filter(created_at__date__gte=since, created_at__date__lte=until)
    if unit is not None:
        qs = qs.filter(course__unit_path__startswith=unit.path)
    return qs.count()
