"""The culture centre staff's pages (课程管理): the courses of their scope, creating and editing a course,
publishing and closing it, uploading lessons, adding sessions, taking attendance (a list to tick, or the
enrolment's QR code scanned), and the enrolments with each one's completion."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import staff_required
from core.errors import BadInput, DomainError, NotAllowed
from core.middleware import returns_to
from courses import permissions, selectors, services
from courses.forms import CodeForm, CourseForm, LessonForm, SessionForm
from courses.models import Course, EnrolmentState, Lesson, Session
from orgs.models import Level
from orgs.selectors import units_visible_to


def _course(request, pk) -> Course:
    course = selectors.courses_visible_to(request.user).filter(pk=pk).first()
    if course is None:
        raise Http404(_("No such course in your scope."))
    return course


def _require_staff_page(user):
    if not permissions.may_open_staff(user):
        raise NotAllowed(_("Courses are kept by the culture centre's staff (文旅) and the handlers of a unit."))


def _keep_units(user):
    units = units_visible_to(user, roles=permissions.KEEP_ROLES).filter(
        is_active=True, level__in=[Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]).order_by("path")
    return units.filter(pk__in=[u.pk for u in units if permissions.may_keep_in(user, u.path)])


def _facilities(user):
    from facilities.selectors import facilities_visible_to  # a peer: its selectors only

    return list(facilities_visible_to(user).filter(status="operating").order_by("unit_path", "name")[:300])


@staff_required
@require_GET
def staff_list(request):
    _require_staff_page(request.user)
    courses = selectors.courses_visible_to(request.user).order_by("status", "-created_at", "pk")
    return render(request, "courses/staff_list.html", {"courses": courses[:200]})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_new(request):
    user = request.user
    _require_staff_page(user)
    units = _keep_units(user)
    form = CourseForm(request.POST or None, facilities=_facilities(user), units=units)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=user, unit=form.cleaned_data["unit"], data=form.data_object())
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Course created as a draft: add its sessions or lessons, then publish it."))
            return redirect("courses:staff_course", pk=course.pk)
    return render(request, "courses/staff_new.html", {"form": form}, status=400 if form.errors else 200)


def _render_course(request, course, *, form=None, lesson_form=None, session_form=None, code=200):
    user = request.user
    initial = {f: getattr(course, f) for f in ("title", "category", "mode", "centre", "teacher", "description",
                                               "place", "facility_id", "capacity", "enrol_opens", "enrol_closes",
                                               "open_lessons", "min_sessions", "require_lessons")}
    roster = selectors.course_roster(course)
    live = [e for e in roster if e.state != EnrolmentState.CANCELLED]
    return render(request, "courses/staff_course.html", {
        "course": course, "may_keep": permissions.may_keep(user, course),
        "form": form or CourseForm(initial=initial, facilities=_facilities(user)),
        "lesson_form": lesson_form or LessonForm(), "session_form": session_form or SessionForm(),
        "lessons": list(selectors.lessons_of(course)), "sessions": course.sessions.order_by("starts_at"),
        "roster": live, "completed": [e for e in live if e.completed_at],
        "enrolled": sum(1 for e in live if e.state == EnrolmentState.ENROLLED),
        "waiting": sum(1 for e in live if e.state == EnrolmentState.WAITING),
    }, status=code)


@staff_required
@require_GET
def staff_course(request, pk):
    return _render_course(request, _course(request, pk))


@staff_required
@require_POST
def staff_edit(request, pk):
    course = _course(request, pk)
    form = CourseForm(request.POST, facilities=_facilities(request.user))
    if form.is_valid():
        try:
            services.course_update(actor=request.user, course=course, data=form.data_object())
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("courses:staff_course", pk=pk)
    return _render_course(request, course, form=form, code=400)


@staff_required
@require_POST
@returns_to("courses:staff_course", "pk")
def staff_status(request, pk):
    course = services.course_set_status(actor=request.user, course=_course(request, pk),
                                        action=request.POST.get("action", ""))
    messages.success(request, _("The course is now %(state)s.") % {"state": course.get_status_display()})
    return redirect("courses:staff_course", pk=pk)


@staff_required
@require_POST
def staff_lesson(request, pk):
    course = _course(request, pk)
    form = LessonForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.lesson_upload(actor=request.user, course=course, title=form.cleaned_data["title"],
                                   upload=form.cleaned_data["file"])
        except DomainError as error:  # re-render the form with the title typed and the reason
            form.add_error("file", str(error.message))
        else:
            messages.success(request, _("Lesson uploaded."))
            return redirect("courses:staff_course", pk=pk)
    return _render_course(request, course, lesson_form=form, code=400)


@staff_required
@require_POST
@returns_to("courses:staff_list")
def staff_lesson_remove(request, pk):
    lesson = Lesson.objects.select_related("course").filter(
        pk=pk, course__in=selectors.courses_visible_to(request.user)).first()
    if lesson is None:
        raise Http404(_("No such lesson."))
    services.lesson_remove(actor=request.user, lesson=lesson)
    messages.success(request, _("Lesson removed."))
    return redirect("courses:staff_course", pk=lesson.course_id)


@staff_required
@require_POST
def staff_session_add(request, pk):
    course = _course(request, pk)
    form = SessionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.session_add(actor=request.user, course=course, starts_at=d["starts_at"], ends_at=d["ends_at"],
                                 place=d["place"], topic=d["topic"])
        except DomainError as error:  # re-render the form with what was typed
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Session added."))
            return redirect("courses:staff_course", pk=pk)
    return _render_course(request, course, session_form=form, code=400)


def _session(request, pk) -> Session:
    session = Session.objects.select_related("course").filter(
        pk=pk, course__in=selectors.courses_visible_to(request.user)).first()
    if session is None:
        raise Http404(_("No such session in your scope."))
    return session


@staff_required
@require_http_methods(["GET", "POST"])
@returns_to("courses:staff_session", "pk")
def staff_session(request, pk):
    """The attendance list of a session: tick who came (or scan their QR codes: attend_code)."""
    session = _session(request, pk)
    if request.method == "POST":
        present = {int(v) for v in request.POST.getlist("present") if v.isdigit()}
        marked, unmarked = services.attendance_set(actor=request.user, session=session, present_ids=present)
        messages.success(request, _("Attendance saved: %(marked)s marked present, %(unmarked)s taken back.") % {
            "marked": marked, "unmarked": unmarked})
        return redirect("courses:staff_session", pk=pk)
    sheet = selectors.session_sheet(session)
    return render(request, "courses/staff_session.html", {
        "session": session, "course": session.course, "sheet": sheet,
        "present": sum(1 for e in sheet if e.present), "may_keep": permissions.may_keep(request.user, session.course),
    })


@staff_required
@require_http_methods(["GET", "POST"])
def attend(request):
    """签到: type the enrolment's code, or scan the QR code (its URL opens attend_code directly)."""
    _require_staff_page(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = services.enrolment_by_code(form.cleaned_data["code"])
        if enrolment is None:
            form.add_error("code", _("No enrolment has this code."))
        else:
            return redirect("courses:attend_code", code=enrolment.code)
    return render(request, "courses/attend.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
@require_http_methods(["GET", "POST"])
@returns_to("courses:attend")
def attend_code(request, code):
    enrolment = services.enrolment_by_code(code)
    if enrolment is None or not permissions.may_keep(request.user, enrolment.course):
        raise Http404(_("No enrolment with this code in your scope."))
    session = selectors.todays_session(enrolment.course)
    if request.method == "POST":
        if session is None:
            raise BadInput(_("“%(title)s” has no session today.") % {"title": enrolment.course.title})
        services.attendance_mark(actor=request.user, session=session, enrolment=enrolment, by_scan=True)
        messages.success(request, _("Present: %(who)s.") % {"who": enrolment.resident.masked_phone})
        return redirect("courses:attend_code", code=enrolment.code)
    present = session is not None and session.attendances.filter(enrolment=enrolment).exists()
    return render(request, "courses/attend_code.html", {
        "enrolment": enrolment, "session": session, "present": present,
        "progress": services.completion_of(enrolment),
    })
