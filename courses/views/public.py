"""The residents' pages: the course catalogue by place and category (no sign-in), a course's page with its
sessions and lessons, enrolling and cancelling, a lesson's player, the lesson's file (access checked, Range
requests honoured), and 我的课程 with each enrolment's progress and QR code for attendance."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import resident_required
from core.errors import NotAllowed
from core.middleware import returns_to
from core.storage import read_range
from core.storage import stat as storage_stat
from courses import permissions, selectors, services
from courses.models import Category, Enrolment, EnrolmentState, Lesson
from courses.qr import enrolment_qr_svg
from courses.ranges import ranged_file_response
from orgs.models import Level, Unit

PAGE_SIZE = 20


def _places():
    return Unit.objects.filter(is_active=True, level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]).order_by("path")


@require_GET
def course_list(request):
    """课程: by place and category, readable without signing in."""
    params = request.GET
    unit = Unit.objects.filter(pk=params.get("unit")).first() if params.get("unit", "").isdigit() else None
    category = params.get("category", "") if params.get("category", "") in Category.values else ""
    query = params.get("q", "").strip()[:50]
    qs = selectors.public_courses(unit=unit, category=category, query=query)
    page = Paginator(qs, PAGE_SIZE, allow_empty_first_page=True).get_page(params.get("page"))
    keep = params.copy()
    keep.pop("page", None)
    return render(request, "courses/list.html", {
        "page": page, "places": _places(), "categories": Category.choices, "unit": unit, "category": category,
        "query": query, "filter_query": keep.urlencode(),
    })


@require_GET
def course_page(request, pk):
    course = selectors.public_course(pk)
    if course is None:
        raise Http404(_("No such course."))
    user = request.user
    enrolment = selectors.enrolment_of(user, course)
    lessons = list(selectors.lessons_of(course))
    opened = selectors.opened_lessons(user, course)
    for lesson in lessons:
        lesson.opened = lesson.pk in opened
    may_watch = bool(lessons) and services.may_open_lesson(user, lessons[0])
    return render(request, "courses/course.html", {
        "course": course, "enrolment": enrolment, "lessons": lessons, "may_watch": may_watch,
        "sessions": list(selectors.upcoming_sessions(course)),
        "window_open": services.enrolment_window_open(course, services._now()),
        "progress": services.completion_of(enrolment, lessons_total=len(lessons)) if enrolment else None,
        "may_keep": user.is_authenticated and permissions.may_keep(user, course),
    })


@require_http_methods(["POST"])
@returns_to("courses:course", "pk")
def enrol(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("courses:course", args=[pk]), reverse("resident_login"))
    course = selectors.public_course(pk)
    if course is None:
        raise Http404(_("No such course."))
    enrolment = services.enrolment_create(actor=request.user, course=course)
    if enrolment.state == EnrolmentState.ENROLLED:
        messages.success(request, _("Enrolled: your course is in 我的课程."))
    else:
        messages.info(request, _("The course is full: you are on the waiting list and will be enrolled if a "
                                 "place frees up."))
    return redirect("courses:course", pk=pk)


@resident_required
@require_POST
@returns_to("courses:mine")
def cancel(request, pk):
    enrolment = Enrolment.objects.filter(pk=pk, resident=request.user).first()
    if enrolment is None:
        raise Http404(_("No such enrolment."))
    services.enrolment_cancel(actor=request.user, enrolment=enrolment)
    messages.success(request, _("Enrolment cancelled."))
    return redirect("courses:mine")


@resident_required
@require_GET
def my_courses(request):
    enrolments = list(selectors.enrolments_of(request.user)[:100])
    for enrolment in enrolments:
        if enrolment.state != EnrolmentState.CANCELLED:
            enrolment.progress = services.completion_of(enrolment)
            enrolment.next_sessions = list(selectors.upcoming_sessions(enrolment.course)[:2])
        if enrolment.state == EnrolmentState.ENROLLED and enrolment.course.has_sessions:
            enrolment.qr = enrolment_qr_svg(request, enrolment)
    return render(request, "courses/mine.html", {
        "live": [e for e in enrolments if e.state != EnrolmentState.CANCELLED],
        "cancelled": [e for e in enrolments if e.state == EnrolmentState.CANCELLED],
    })


def _lesson(request, pk) -> Lesson:
    lesson = Lesson.objects.select_related("course").filter(pk=pk).first()
    if lesson is None:
        raise Http404(_("No such lesson."))
    if not services.may_open_lesson(request.user, lesson):
        if lesson.course.status == "draft":
            raise Http404(_("No such lesson."))
        raise NotAllowed(_("Enrol in “%(title)s” to open its lessons.") % {"title": lesson.course.title})
    return lesson


@require_GET
def lesson_page(request, pk):
    """A lesson's player (HTML5 <video>/<audio>, or the PDF); opening it records the resident's progress."""
    lesson = _lesson(request, pk)
    services.lesson_progress_record(actor=request.user, lesson=lesson)
    lessons = list(selectors.lessons_of(lesson.course))
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    return render(request, "courses/lesson.html", {
        "lesson": lesson, "course": lesson.course,
        "previous": lessons[index - 1] if index > 0 else None,
        "next": lessons[index + 1] if index + 1 < len(lessons) else None,
    })


@require_http_methods(["GET", "HEAD"])
def lesson_file(request, pk):
    """The lesson's bytes, from the platform itself, with Range requests (seeking in a video on a phone)."""
    lesson = _lesson(request, pk)
    storage, name = lesson.file.storage, lesson.file.name
    # Streamed through the platform on every storage, never a redirect to a signed URL of the store: the store
    # is on the intranet (a resident's phone may not reach it), a signed URL would open the lesson to anyone
    # it is passed to until it expires, and each range is checked against the enrolment like the first.
    try:
        size, modified = storage_stat(storage, name)
    except FileNotFoundError:
        raise Http404(_("The lesson's file is missing; tell the culture centre.")) from None
    filename = quote(f"{lesson.title}.{lesson.extension}")
    return ranged_file_response(
        request, read_span=lambda start, length: read_range(storage, name, start, length), size=size,
        content_type=lesson.content_type, etag=f'"{lesson.pk}-{size}-{int(modified)}"', modified=modified,
        filename=filename)


@require_POST
def lesson_done(request, pk):
    """The player reached the end (courses/static/courses/lesson.js): the lesson is finished."""
    lesson = _lesson(request, pk)
    services.lesson_progress_record(actor=request.user, lesson=lesson, finished=True)
    return HttpResponse(status=204)
