"""The staff pages of care, under /care/ (namespace "care")."""

from django.urls import path

from care.views import registry, staff

app_name = "care"

urlpatterns = [
    path("", staff.mine, name="mine"),
    path("people/", staff.people, name="people"),
    path("units/", registry.unit_page, name="units"),
    path("units/export/", registry.unit_export, name="unit_export"),
    path("gaps/", registry.gaps, name="gaps"),
    path("gaps/export/", registry.gaps_export, name="gaps_export"),
    path("people/new/", registry.person_new, name="person_new"),
    path("people/export/", registry.people_export, name="people_export"),
    path("people/<int:pk>/", staff.person_detail, name="person"),
    path("people/<int:pk>/visit/", staff.visit_new, name="visit_new"),
    path("people/<int:pk>/reveal/", staff.reveal, name="reveal"),
    path("people/<int:pk>/risk/", staff.override_risk, name="override_risk"),
    path("people/<int:pk>/edit/", registry.person_edit, name="person_edit"),
    path("people/<int:pk>/end/", registry.person_end, name="person_end"),
    path("people/<int:pk>/categories/", registry.membership_new, name="membership_new"),
    path("people/<int:pk>/categories/<int:membership_pk>/end/", registry.membership_end, name="membership_end"),
    path("people/<int:pk>/carers/", registry.assignment_new, name="assignment_new"),
    path("people/<int:pk>/carers/<int:assignment_pk>/end/", registry.assignment_end, name="assignment_end"),
    path("people/<int:pk>/need/", registry.need_new, name="need_new"),
    path("people/<int:pk>/access-export/", registry.access_export, name="access_export"),
    path("visits/<int:pk>/", staff.visit_detail, name="visit"),
    path("visits/<int:pk>/photos/<int:photo_id>/", staff.visit_photo, name="visit_photo"),
    path("escalated/", staff.escalated, name="escalated"),
]
