"""events's pages under /events/ (namespace "events"): residents' first, staff's under staff/."""

from django.urls import path

from events.views import public, staff

app_name = "events"

urlpatterns = [
    path("", public.event_list, name="list"),
    path("place/", public.choose_place, name="choose_place"),
    path("mine/", public.mine, name="mine"),
    path("<int:pk>/", public.event_page, name="event"),
    path("<int:pk>/sign-up/", public.sign_up, name="sign_up"),
    path("sign-ups/<int:pk>/cancel/", public.cancel, name="cancel"),
    path("photos/<int:pk>/", public.photo, name="photo"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/<int:pk>/", staff.staff_event, name="staff_event"),
    path("staff/<int:pk>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/cancel/", staff.staff_cancel, name="staff_cancel"),
    path("staff/<int:pk>/results/", staff.staff_results, name="staff_results"),
    path("staff/<int:pk>/photos/", staff.staff_photo, name="staff_photo"),
    path("staff/<int:pk>/notice/", staff.notice, name="notice"),
    path("staff/<int:pk>/sign-ups/<int:signup_pk>/check-in/", staff.staff_check_in, name="staff_check_in"),
    path("staff/<int:pk>/<slug:action>/", staff.staff_action, name="staff_action"),
    path("checkin/", staff.checkin, name="checkin"),
    path("checkin/<str:code>/", staff.checkin_code, name="checkin_code"),
]
