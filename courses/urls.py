"""courses's pages under /courses/ (namespace "courses"): residents' first, staff's under staff/."""

from django.urls import path

from courses.views import public, staff

app_name = "courses"

urlpatterns = [
    path("", public.course_list, name="list"),
    path("<int:pk>/", public.course_page, name="course"),
    path("<int:pk>/enrol/", public.enrol, name="enrol"),
    path("mine/", public.my_courses, name="mine"),
    path("enrolments/<int:pk>/cancel/", public.cancel, name="cancel"),
    path("lessons/<int:pk>/", public.lesson_page, name="lesson"),
    path("lessons/<int:pk>/file/", public.lesson_file, name="lesson_file"),
    path("lessons/<int:pk>/done/", public.lesson_done, name="lesson_done"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/<int:pk>/", staff.staff_course, name="staff_course"),
    path("staff/<int:pk>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/status/", staff.staff_status, name="staff_status"),
    path("staff/<int:pk>/lessons/", staff.staff_lesson, name="staff_lesson"),
    path("staff/lessons/<int:pk>/remove/", staff.staff_lesson_remove, name="staff_lesson_remove"),
    path("staff/<int:pk>/sessions/", staff.staff_session_add, name="staff_session_add"),
    path("staff/sessions/<int:pk>/", staff.staff_session, name="staff_session"),
    path("staff/attend/", staff.attend, name="attend"),
    path("staff/attend/<str:code>/", staff.attend_code, name="attend_code"),
]
