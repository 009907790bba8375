"""GeoReport v2 resources; each ends in its format (.json or .xml), as the spec spells them."""

from django.urls import path, re_path

from open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>[^./]+)$"

urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^./]+)" + FMT, views.request_detail, name="request"),
    re_path(r"^(?P<rest>.*)$", views.not_found),
]
