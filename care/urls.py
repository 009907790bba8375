"""The staff pages of care, under /care/ (namespace "care")."""

from django.urls import path

from care.views import staff

app_name = "care"

urlpatterns = [
    path("", staff.mine, name="mine"),
    path("people/", staff.people, name="people"),
    path("units/", staff.unit_page, name="units"),
    path("people/<int:pk>/", staff.person_detail, name="person"),
    path("people/<int:pk>/visit/", staff.visit_new, name="visit_new"),
    path("people/<int:pk>/reveal/", staff.reveal, name="reveal"),
    path("people/<int:pk>/risk/", staff.override_risk, name="override_risk"),
    path("visits/<int:pk>/", staff.visit_detail, name="visit"),
    path("visits/<int:pk>/photos/<int:photo_id>/", staff.visit_photo, name="visit_photo"),
    path("escalated/", staff.escalated, name="escalated"),
]
