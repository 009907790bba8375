"""The Django admin of targets: reported indicators (defined once by administrators, saved through the
service) and read-only lists of targets and reported figures (those are written on the staff pages)."""

from django.contrib import admin

from core.admin import ServiceAdminMixin, ServiceModelForm
from targets import permissions, services
from targets.models import IndicatorReport, ReportedIndicator, Target


class ReportedIndicatorForm(ServiceModelForm):
    class Meta:
        model = ReportedIndicator
        fields = [
            "code",
            "name",
            "unit_of_measure",
            "is_rate",
            "numerator_label",
            "denominator_label",
            "department_kind",
            "direction",
            "cumulative",
        ]


@admin.register(ReportedIndicator)
class ReportedIndicatorAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = ReportedIndicatorForm
    list_display = ["code", "name", "is_rate", "department_kind", "cumulative"]
    search_fields = ["code", "name"]

    def service_save(self, *, actor, instance):
        return services.reported_indicator_save(actor=actor, indicator=instance)

    def has_module_permission(self, request):
        return permissions.may_open_definitions(request.user)

    has_view_permission = has_add_permission = has_change_permission = lambda self, request, obj=None: (
        permissions.may_open_definitions(request.user)
    )

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Target)
class TargetAdmin(_ReadOnly):
    list_display = [
        "title",
        "year",
        "owner_unit",
        "indicator_code",
        "baseline",
        "target_value",
        "current_value",
        "current_status",
    ]
    list_filter = ["year", "current_status"]
    search_fields = ["title"]


@admin.register(IndicatorReport)
class IndicatorReportAdmin(_ReadOnly):
    list_display = ["indicator", "unit", "month", "numerator", "denominator", "state", "reviewed_by"]
    list_filter = ["state", "indicator"]
