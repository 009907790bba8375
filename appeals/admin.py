"""Admin for the settings the demand loop runs on: the holiday calendar (放假/调休), deadline rules,
reply templates (答复模板), categories and the 三率 weights.

Scope: none of these belong to a county; they are one set for the whole city. So every
administrator (系统管理员, as in orgs.admin) may read them — a county needs to know the holidays its
deadlines count — but only a superuser or an administrator of the city unit may change them
(orgs.permissions.may_administer_city). Every save and delete goes through appeals.services, which
checks that again and writes the audit row. Deadlines read the calendar and the rules afresh each
time (appeals.deadlines), so an edit counts for every deadline computed after it; deadlines
already set are not moved. Categories are deactivated, never deleted (appeals point at them); the
settings row is changed, never added twice or deleted."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy

from appeals import services
from appeals.calendar_import import WEEKDAYS, CalendarImporter, calendar_export_rows
from appeals.models import CalendarDay, Category, DeadlineRule, KpiSettings, ReplyTemplate
from core.admin import ServiceAdminMixin, ServiceModelForm, XlsxAdminMixin
from orgs.models import DepartmentKind
from orgs.permissions import may_administer, may_administer_city

DEPARTMENT_KIND_CHOICES = [("", gettext_lazy("Any department"))] + list(DepartmentKind.choices)


class CitySettingsAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Read by every administrator, changed by a city administrator; deletes go through
    ``service_delete``."""

    def _reads(self, request) -> bool:
        return request.user.is_active and may_administer(request.user)

    def _writes(self, request) -> bool:
        return may_administer_city(request.user)

    def has_module_permission(self, request):
        return self._reads(request)

    def has_view_permission(self, request, obj=None):
        return self._reads(request)

    def has_add_permission(self, request):
        return self._writes(request)

    def has_change_permission(self, request, obj=None):
        return self._writes(request)

    def has_delete_permission(self, request, obj=None):
        return self._writes(request) and self.service_delete is not None

    service_delete = None  # a callable (actor=, instance=) where rows may be deleted

    def delete_model(self, request, obj):
        type(self).service_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            type(self).service_delete(actor=request.user, instance=obj)


class CalendarDayForm(ServiceModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "name"]
        help_texts = {"kind": gettext_lazy("A make-up working day (调休上班) is a Saturday or Sunday worked.")}


@admin.register(CalendarDay)
class CalendarDayAdmin(XlsxAdminMixin, CitySettingsAdmin):
    form = CalendarDayForm
    list_display = ["date", "weekday", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name"]
    date_hierarchy = "date"
    list_per_page = 100

    importer_class = CalendarImporter
    export_columns = CalendarImporter.export_columns()

    @admin.display(description=gettext_lazy("Weekday"))
    def weekday(self, day):
        return WEEKDAYS[day.date.weekday()]

    def service_save(self, *, actor, instance):
        return services.calendar_day_save(actor=actor, day=instance)

    @staticmethod
    def service_delete(*, actor, instance):
        services.calendar_day_delete(actor=actor, day=instance)

    def export_rows(self, request, queryset):
        return calendar_export_rows(queryset)


class DeadlineRuleForm(ServiceModelForm):
    class Meta:
        model = DeadlineRule
        fields = ["urgency", "appeal_type", "category", "handle_amount", "handle_unit", "accept_working_hours"]


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(CitySettingsAdmin):
    form = DeadlineRuleForm
    list_display = ["urgency", "appeal_type", "category", "handle_amount", "handle_unit", "accept_working_hours"]
    list_display_links = ["urgency", "appeal_type"]
    list_filter = ["urgency", "handle_unit"]
    list_select_related = ["category"]
    autocomplete_fields = ["category"]

    def service_save(self, *, actor, instance):
        return services.deadline_rule_save(actor=actor, rule=instance)

    @staticmethod
    def service_delete(*, actor, instance):
        services.deadline_rule_delete(actor=actor, rule=instance)


class ReplyTemplateForm(ServiceModelForm):
    department_kind = forms.ChoiceField(label=gettext_lazy("for department type"), choices=DEPARTMENT_KIND_CHOICES,
                                        required=False)

    class Meta:
        model = ReplyTemplate
        fields = ["name", "department_kind", "body"]


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(CitySettingsAdmin):
    form = ReplyTemplateForm
    list_display = ["name", "department_kind_display"]
    list_filter = ["department_kind"]
    search_fields = ["name", "body"]

    @admin.display(description=gettext_lazy("for department type"), ordering="department_kind")
    def department_kind_display(self, template):
        return DepartmentKind(template.department_kind).label if template.department_kind else \
            DEPARTMENT_KIND_CHOICES[0][1]

    def service_save(self, *, actor, instance):
        return services.reply_template_save(actor=actor, template=instance)

    @staticmethod
    def service_delete(*, actor, instance):
        services.reply_template_delete(actor=actor, template=instance)


class CategoryForm(ServiceModelForm):
    default_department_kind = forms.ChoiceField(label=gettext_lazy("usual department type"),
                                                choices=DEPARTMENT_KIND_CHOICES, required=False)

    class Meta:
        model = Category
        fields = ["code", "name", "parent", "urgency", "default_department_kind", "is_active"]


@admin.register(Category)
class CategoryAdmin(CitySettingsAdmin):
    form = CategoryForm
    list_display = ["code", "name", "parent", "urgency", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["urgency", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]

    def service_save(self, *, actor, instance):
        return services.category_save(actor=actor, category=instance)


class KpiSettingsForm(ServiceModelForm):
    class Meta:
        model = KpiSettings
        fields = ["response_weight", "resolution_weight", "satisfaction_weight", "basic_satisfied_value",
                  "max_returns", "rating_days"]
        help_texts = {"response_weight": gettext_lazy("The three weights add up to 1.")}


@admin.register(KpiSettings)
class KpiSettingsAdmin(CitySettingsAdmin):
    form = KpiSettingsForm
    list_display = ["__str__", "response_weight", "resolution_weight", "satisfaction_weight", "max_returns",
                    "rating_days"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not KpiSettings.objects.exists()

    def service_save(self, *, actor, instance):
        return services.kpi_settings_save(actor=actor, settings_row=instance)
