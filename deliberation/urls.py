"""The deliberation hall under /deliberation/ (namespace "deliberation"): public and residents' pages
first, the staff's under staff/."""

from django.urls import path

from deliberation.views import public, staff

app_name = "deliberation"

urlpatterns = [
    path("", public.hall, name="hall"),
    path("t/<int:pk>/", public.topic_detail, name="topic"),
    path("t/<int:pk>/print/", public.topic_print, name="print"),
    path("t/<int:pk>/photo/<int:photo_pk>/", public.photo, name="photo"),
    path("t/<int:pk>/progress-photo/<int:note_pk>/", public.task_photo, name="task_photo"),
    path("t/<int:pk>/support/", public.support, name="support"),
    path("t/<int:pk>/comment/", public.comment, name="comment"),
    path("t/<int:pk>/vote/", public.vote, name="vote"),
    path("t/<int:pk>/rate/", public.rate, name="rate"),
    path("propose/", public.propose, name="propose"),
    path("residency/", public.residency, name="residency"),
    path("mine/", public.mine, name="mine"),
    path("staff/", staff.staff_hall, name="staff"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/rules/", staff.rules, name="rules"),
    path("staff/overdue/", staff.overdue, name="overdue"),
    path("staff/residents/", staff.residencies, name="residencies"),
    path("staff/residents/<int:pk>/", staff.residency_decide, name="residency_decide"),
    path("staff/t/<int:pk>/", staff.staff_topic, name="staff_topic"),
    path("staff/t/<int:pk>/sheet/", staff.meeting_sheet, name="sheet"),
    path("staff/t/<int:pk>/<slug:action>/", staff.staff_action, name="staff_action"),
    path("staff/comment/<int:pk>/", staff.moderate_comment, name="moderate_comment"),
    path("staff/task/<int:pk>/<slug:action>/", staff.task_action, name="task_action"),
]
