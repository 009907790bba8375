"""How courses' audit rows read (found at start-up by core.apps; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "courses.course.create": _("Course created"),
    "courses.course.update": _("Course changed"),
    "courses.course.status": _("Course published or closed"),
    "courses.lesson.upload": _("Lesson uploaded"),
    "courses.lesson.remove": _("Lesson removed"),
    "courses.session.add": _("Course session added"),
    "courses.enrolment.create": _("Enrolled in a course"),
    "courses.enrolment.cancel": _("Course enrolment cancelled"),
    "courses.enrolment.complete": _("Course completed"),
    "courses.enrolment.uncomplete": _("Course completion withdrawn"),
    "courses.attendance.mark": _("Attendance marked"),
    "courses.attendance.unmark": _("Attendance taken back"),
})
