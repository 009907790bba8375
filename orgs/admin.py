"""Admin for the org network. Who may use it follows the scope rule rather than Django's model
permissions: superusers, and staff holding the 系统管理员 role, who see only the rows in their scope.
Every save goes through orgs.services; units and departments are deactivated, never deleted."""

from django.contrib import admin

from core.admin import ServiceAdminMixin, ServiceModelForm, XlsxAdminMixin
from orgs.importers import (
    DepartmentImporter,
    UnitImporter,
    department_export_rows,
    unit_export_rows,
)
from orgs.models import Department, Role, Unit
from orgs.permissions import may_administer
from orgs.selectors import departments_visible_to, units_visible_to
from orgs.services import department_save, unit_save


class ScopedAdmin(admin.ModelAdmin):
    """Open to superusers and administrators (Role.ADMIN); subclasses limit ``get_queryset`` to the
    administrator's scope, and the services check every write again."""

    def may_administer(self, request) -> bool:
        return request.user.is_active and may_administer(request.user)

    def has_module_permission(self, request):
        return self.may_administer(request)

    def has_view_permission(self, request, obj=None):
        return self.may_administer(request)

    def has_add_permission(self, request):
        return self.may_administer(request)

    def has_change_permission(self, request, obj=None):
        return self.may_administer(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: appeals and staff keep pointing at the row


class UnitForm(ServiceModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "short_name", "level", "kind", "parent", "latitude", "longitude", "is_active"]


@admin.register(Unit)
class UnitAdmin(ServiceAdminMixin, XlsxAdminMixin, ScopedAdmin):
    form = UnitForm
    list_display = ["code", "name", "short_name", "level", "kind", "parent", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["code", "name", "short_name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path"]
    fields = UnitForm.Meta.fields + ["path"]
    list_per_page = 100

    importer_class = UnitImporter
    export_columns = UnitImporter.export_columns()

    def get_queryset(self, request):
        return units_visible_to(request.user, roles=[Role.ADMIN]).select_related("parent")

    def service_save(self, *, actor, instance):
        return unit_save(actor=actor, unit=instance)

    def export_rows(self, request, queryset):
        return unit_export_rows(queryset)


class DepartmentForm(ServiceModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "short_name", "kind", "unit", "is_active"]


@admin.register(Department)
class DepartmentAdmin(ServiceAdminMixin, XlsxAdminMixin, ScopedAdmin):
    form = DepartmentForm
    list_display = ["code", "name", "short_name", "kind", "unit", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["kind", "unit__level", "is_active"]
    search_fields = ["code", "name", "short_name", "unit__name", "unit__code"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    list_per_page = 100

    importer_class = DepartmentImporter
    export_columns = DepartmentImporter.export_columns()

    def get_queryset(self, request):
        return departments_visible_to(request.user, roles=[Role.ADMIN])

    def service_save(self, *, actor, instance):
        return department_save(actor=actor, department=instance)

    def export_rows(self, request, queryset):
        return department_export_rows(queryset)
