from django.contrib import admin
from django.urls import include, path

from minsheng.api import api

# Uploaded files (residents' photos) are never served as public media: each app serves them through
# a view that checks who is asking.
urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("appeals/", include("appeals.urls")),
    path("open311/v2/", include("open311.urls")),
    path("dispatch/", include("dispatch.urls")),
    path("care/", include("care.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("targets/", include("targets.urls")),
    path("facilities/", include("facilities.urls")),
    path("deliberation/", include("deliberation.urls")),
    path("employment/", include("employment.urls")),
    path("courses/", include("courses.urls")),
    path("events/", include("events.urls")),
    path("jobs/", include("core.urls")),
    path("", include("accounts.urls")),
    path("", include("web.urls")),
]

# A database outage answers 503 "系统繁忙" (JSON for the API), never a bare HTML 500.
handler500 = "core.boundary.server_error"
