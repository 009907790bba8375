from django.urls import include, path

app_name = "appeals"

urlpatterns = [
    path("", include("appeals.urls_resident")),
    path("staff/", include("appeals.urls_staff")),
    path("kpi/", include("appeals.urls_kpi")),
]
