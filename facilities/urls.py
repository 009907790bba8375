"""facilities' pages under /facilities/ (namespace "facilities"): residents' first, staff's under staff/."""

from django.urls import path

from facilities.views import public, staff

app_name = "facilities"

urlpatterns = [
    path("", public.directory, name="directory"),
    path("<int:pk>/", public.facility_page, name="facility"),
    path("photos/<int:pk>/", public.photo, name="photo"),
    path("slots/<int:slot_pk>/book/", public.book, name="book"),
    path("bookings/", public.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/cancel/", public.cancel, name="cancel"),
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_new, name="staff_new"),
    path("staff/<int:pk>/", staff.staff_facility, name="staff_facility"),
    path("staff/<int:pk>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/status/", staff.staff_status, name="staff_status"),
    path("staff/<int:pk>/photos/", staff.staff_photo, name="staff_photo"),
    path("staff/<int:pk>/photos/<int:photo_pk>/", staff.staff_photo_edit, name="staff_photo_edit"),
    path("staff/<int:pk>/photos/<int:photo_pk>/remove/", staff.staff_photo_remove, name="staff_photo_remove"),
    path("staff/<int:pk>/resources/", staff.staff_resource, name="staff_resource"),
    path("staff/<int:pk>/resources/<int:resource_pk>/", staff.staff_resource_edit, name="staff_resource_edit"),
    path("staff/<int:pk>/resources/<int:resource_pk>/retire/", staff.staff_resource_retire,
         name="staff_resource_retire"),
    path("staff/<int:pk>/resources/<int:resource_pk>/patterns/", staff.staff_pattern_add, name="staff_pattern_add"),
    path("staff/<int:pk>/patterns/<int:pattern_pk>/stop/", staff.staff_pattern_stop, name="staff_pattern_stop"),
    path("staff/<int:pk>/resources/<int:resource_pk>/slots/", staff.staff_slot_add, name="staff_slot_add"),
    path("staff/slots/<int:pk>/", staff.staff_slot, name="staff_slot"),
    path("staff/slots/<int:pk>/no-shows/", staff.staff_no_shows, name="staff_no_shows"),
    path("checkin/", staff.checkin, name="checkin"),
    path("checkin/<str:code>/", staff.checkin_code, name="checkin_code"),
    path("canteen/", staff.canteen, name="canteen"),
    path("canteen/subsidies.xlsx", staff.canteen_export, name="canteen_export"),
]
