"""The resident's pages (and staff recording for a resident), under /appeals/."""

from django.urls import path

from appeals.views import intake_staff, resident

urlpatterns = [
    path("new/", resident.appeal_new, name="new"),
    path("record/", intake_staff.record, name="record"),
    path("submitted/<str:code>/", resident.submitted, name="submitted"),
    path("mine/", resident.mine, name="mine"),
    path("track/", resident.track, name="track"),
    path("track/<str:code>/", resident.track_detail, name="track_detail"),
    path("track/<str:code>/rate/", resident.rate, name="rate"),
    path("track/<str:code>/add-info/", resident.add_info, name="add_info"),
    path("track/<str:code>/withdraw/", resident.withdraw, name="withdraw"),
    path("track/<str:code>/photos/<int:pk>/", resident.photo, name="photo"),
]
