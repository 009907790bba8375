"""The courses JSON API (/api/v1/courses/): a resident's app lists the culture centre's courses and a
course's lessons (with the URL of each file, Range requests honoured), enrols and cancels, and reads its
enrolments with their progress. A person's API token or a signed-in session; an organisation's API key
enrols no one. Errors come in minsheng/api.py's shapes, as everywhere."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from accounts.authentication import api_auth
from appeals.api import ErrorOut, RateLimitOut, ValidationErrorOut
from core.errors import NotAllowed, NotFound
from courses import selectors, services
from courses.models import Category, Enrolment, EnrolmentState, Lesson, LessonKind

router = Router(tags=["courses"], auth=api_auth)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut, 429: RateLimitOut}
PAGE_SIZE = 50
# A row id as the database holds it: anything else is a 422, never an overflow deeper down.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]


class CourseOut(Schema):
    id: int
    title: str
    category: str = Field(json_schema_extra={"enum": Category.values})
    category_name: str
    mode: str
    centre: str
    unit_code: str
    place: str
    teacher: str
    capacity: int | None = Field(description="Places in the centre; null: no limit.")
    enrolled: int
    status: str
    enrol_opens: datetime | None
    enrol_closes: datetime | None
    lessons: int
    open_lessons: bool = Field(description="Anyone signed in may open the lessons without enrolling.")


class CoursePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CourseOut]


class LessonOut(Schema):
    id: int
    title: str
    position: int
    kind: str = Field(json_schema_extra={"enum": LessonKind.values})
    content_type: str
    size: int
    url: str = Field(description="The file, served by the platform with HTTP Range requests.")
    opened: bool


class ProgressOut(Schema):
    sessions_attended: int
    sessions_needed: int
    lessons_opened: int
    lessons_total: int
    every_lesson_needed: bool
    completed: bool


class EnrolmentOut(Schema):
    id: int
    course_id: int
    course_title: str
    state: str = Field(json_schema_extra={"enum": EnrolmentState.values})
    code: str = Field(description="The attendance code its QR code carries.")
    created_at: datetime
    completed_at: datetime | None
    progress: ProgressOut


def _person(request: HttpRequest):
    """The person calling, or an anonymous user for an organisation's API key (it reads what anyone may)."""
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    return request.auth if isinstance(request.auth, User) else AnonymousUser()


def _resident(request: HttpRequest):
    from accounts.models import User

    actor = request.auth
    if not isinstance(actor, User) or not actor.is_resident or not actor.is_active:
        raise NotAllowed(_("This part of the courses API is for residents' accounts."))
    return actor


def course_out(course) -> dict:
    return {
        "id": course.pk, "title": course.title, "category": course.category,
        "category_name": str(course.get_category_display()), "mode": course.mode, "centre": course.centre,
        "unit_code": course.unit.code, "place": course.place, "teacher": course.teacher, "capacity": course.capacity,
        "enrolled": course.enrolled, "status": course.status, "enrol_opens": course.enrol_opens,
        "enrol_closes": course.enrol_closes, "lessons": getattr(course, "lesson_count", None) or course.lessons.count(),
        "open_lessons": course.open_lessons,
    }


def enrolment_out(enrolment: Enrolment) -> dict:
    p = services.completion_of(enrolment)
    return {
        "id": enrolment.pk, "course_id": enrolment.course_id, "course_title": enrolment.course.title,
        "state": enrolment.state, "code": enrolment.code, "created_at": enrolment.created_at,
        "completed_at": enrolment.completed_at,
        "progress": {"sessions_attended": p.attended, "sessions_needed": p.sessions_needed,
                     "lessons_opened": p.lessons_opened, "lessons_total": p.lessons_total,
                     "every_lesson_needed": p.lessons_needed, "completed": bool(enrolment.completed_at)},
    }


def _course(course_id: int):
    course = selectors.public_course(course_id)
    if course is None:
        raise NotFound(_("No such course."))
    return course


@router.get("/", response={200: CoursePage, 404: ErrorOut, **ERRORS}, summary="Published courses",
            description="Newest first. `unit` (a division code) gives the courses for the residents of that place: "
            "its own, those of the places below it, and the county culture centre's above it.")
def list_courses(request, category: Annotated[str, Query(description="A category's code.")] = "",
                 unit: Annotated[str, Query(max_length=15)] = "", q: Annotated[str, Query(max_length=50)] = "",
                 page: Annotated[int, Query(ge=1, le=10000)] = 1):
    from orgs.models import Unit

    place = Unit.objects.filter(code=unit).first() if unit else None
    if unit and place is None:
        raise NotFound(_("No unit has the code %(code)s.") % {"code": unit})
    qs = selectors.public_courses(unit=place, category=category if category in Category.values else "", query=q)
    count = qs.count()
    items = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE])
    return Status(200, {"count": count, "page": page, "page_size": PAGE_SIZE, "items": [course_out(c) for c in items]})


@router.get("/enrolments", response={200: list[EnrolmentOut], **ERRORS}, summary="Your enrolments (我的课程)")
def my_enrolments(request):
    resident = _resident(request)
    return Status(200, [enrolment_out(e) for e in selectors.enrolments_of(resident)[:200]])


@router.get("/{course_id}", response={200: CourseOut, 404: ErrorOut, **ERRORS}, summary="One published course")
def get_course(request, course_id: RowId):
    return Status(200, course_out(_course(course_id)))


@router.get("/{course_id}/lessons", response={200: list[LessonOut], 404: ErrorOut, **ERRORS},
            summary="A course's lessons", description="For those enrolled, or anyone when its lessons are open; "
            "403 otherwise.")
def list_lessons(request, course_id: RowId):
    course = _course(course_id)
    lessons = list(selectors.lessons_of(course))
    person = _person(request)
    if lessons and not services.may_open_lesson(person, lessons[0]):
        raise NotAllowed(_("Enrol in “%(title)s” to open its lessons.") % {"title": course.title})
    opened = selectors.opened_lessons(person, course)
    return Status(200, [_lesson_out(request, lesson, opened) for lesson in lessons])


def _lesson_out(request, lesson: Lesson, opened: set[int]) -> dict:
    return {"id": lesson.pk, "title": lesson.title, "position": lesson.position, "kind": lesson.kind,
            "content_type": lesson.content_type, "size": lesson.size, "opened": lesson.pk in opened,
            "url": request.build_absolute_uri(reverse("courses:lesson_file", args=[lesson.pk]))}


@router.post("/{course_id}/enrolments", response={201: EnrolmentOut, 404: ErrorOut, **ERRORS},
             summary="Enrol in a course", description="Enrolled while places last, else on the waiting list "
             "(`state`). A second enrolment in the same course is refused (400).")
def enrol(request, course_id: RowId):
    resident = _resident(request)
    enrolment = services.enrolment_create(actor=resident, course=_course(course_id))
    return Status(201, enrolment_out(Enrolment.objects.select_related("course").get(pk=enrolment.pk)))


@router.post("/enrolments/{enrolment_id}/cancel", response={200: EnrolmentOut, 404: ErrorOut, 409: ErrorOut, **ERRORS},
             summary="Cancel an enrolment")
def cancel(request, enrolment_id: RowId):
    resident = _resident(request)
    enrolment = Enrolment.objects.filter(pk=enrolment_id, resident=resident).first()
    if enrolment is None:
        raise NotFound(_("No such enrolment."))
    services.enrolment_cancel(actor=resident, enrolment=enrolment)
    return Status(200, enrolment_out(Enrolment.objects.select_related("course").get(pk=enrolment.pk)))
