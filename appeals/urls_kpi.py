from django.urls import path

from appeals.views import kpi

urlpatterns = [
    path("", kpi.kpi_index, name="kpi"),
    path("report.xlsx", kpi.kpi_export, name="kpi_export"),
]
