"""The pages of targets, under /targets/ (namespace "targets")."""

from django.urls import path

from targets.views import public, staff

app_name = "targets"

urlpatterns = [
    path("", staff.dashboard, name="dashboard"),
    path("public/", public.public_list, name="public"),
    path("list/", staff.target_list, name="list"),
    path("new/", staff.target_new, name="target_new"),
    path("<int:pk>/", staff.target_detail, name="target"),
    path("<int:pk>/edit/", staff.target_edit, name="target_edit"),
    path("<int:pk>/refresh/", staff.target_refresh, name="target_refresh"),
    path("<int:pk>/evidence/", staff.target_evidence, name="target_evidence"),
    path("evidence/<int:pk>/", staff.evidence_file, name="evidence_file"),
    path("reports/", staff.reports, name="reports"),
    path("reports/<int:pk>/review/", staff.report_review, name="report_review"),
    path("reports/import/", staff.reports_import, name="reports_import"),
    path("reports/template.xlsx", staff.reports_template, name="reports_template"),
    path("monthly/", staff.monthly_reports, name="monthly"),
    path("monthly/<int:pk>/status/", staff.monthly_status, name="monthly_status"),
    path("monthly/<int:pk>/<str:kind>/", staff.monthly_file, name="monthly_file"),
]
