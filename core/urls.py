"""Core's pages, under /jobs/ (namespace "core")."""

from django.urls import path

from core import views

app_name = "core"

urlpatterns = [
    path("<uuid:pk>/", views.job_page, name="job"),
    path("<uuid:pk>/status/", views.job_status, name="job_status"),
    path("<uuid:pk>/confirm/", views.job_confirm, name="job_confirm"),
]
