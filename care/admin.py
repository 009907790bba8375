"""Admin for care: the categories and risk rules a city configures (city administrators), and the
registry with its xlsx import of the civil-affairs lists (administrators, within their scope). Every
save goes through care.services; nothing is deleted (memberships and assignments are ended)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from care import selectors, services
from care.importers import CareListImporter, care_export_rows
from care.models import CareAssignment, CareCategory, EscalationSettings, Person, RiskRule, SeasonalCheck
from core.admin import ServiceAdminMixin, ServiceModelForm, XlsxAdminMixin
from orgs.models import DepartmentKind, Level
from orgs.permissions import may_administer, may_administer_city


class _GatedAdmin(admin.ModelAdmin):
    """Open to the administrators ``may_open`` lets in; nothing is deleted here (deactivate or end it
    instead: memberships and history keep pointing at it)."""

    may_open = None  # staticmethod(user -> bool)

    def _may(self, request) -> bool:
        return request.user.is_active and self.may_open(request.user)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        return self._may(request)

    def has_delete_permission(self, request, obj=None):
        return False


class CityConfigAdmin(ServiceAdminMixin, _GatedAdmin):
    """One set for the city: superusers and city administrators."""

    may_open = staticmethod(may_administer_city)


class CareCategoryForm(ServiceModelForm):
    # The department types whose staff see the category's people (care.permissions.department_reach).
    served_by = forms.MultipleChoiceField(label=_("served by department types"), choices=DepartmentKind.choices,
                                          required=False, widget=forms.CheckboxSelectMultiple,
                                          help_text=_("Their staff see this category's people in their area, and "
                                                      "only this category of them."))

    class Meta:
        model = CareCategory
        fields = ["code", "name", "fields", "checklist", "served_by", "visit_days_high", "visit_days_medium",
                  "visit_days_low", "order", "is_active"]


@admin.register(CareCategory)
class CareCategoryAdmin(CityConfigAdmin):
    form = CareCategoryForm
    list_display = ["name", "code", "served_by_text", "visit_days_high", "visit_days_medium", "visit_days_low", "order",
                    "is_active"]
    list_editable = []
    search_fields = ["name", "code"]

    def service_save(self, *, actor, instance):
        return services.category_save(actor=actor, category=instance)

    @admin.display(description=_("served by department types"))
    def served_by_text(self, category):
        labels = dict(DepartmentKind.choices)
        return "、".join(str(labels.get(kind, kind)) for kind in category.served_by or []) or "—"


class RiskRuleForm(ServiceModelForm):
    class Meta:
        model = RiskRule
        fields = ["category", "subject", "field_name", "operator", "value", "level", "note", "is_active"]


@admin.register(RiskRule)
class RiskRuleAdmin(CityConfigAdmin):
    form = RiskRuleForm
    list_display = ["__str__", "note", "is_active"]
    list_filter = ["category", "level", "is_active"]

    def service_save(self, *, actor, instance):
        return services.risk_rule_save(actor=actor, rule=instance)


class SeasonalCheckForm(ServiceModelForm):
    class Meta:
        model = SeasonalCheck
        fields = ["name", "categories", "start_month", "start_day", "end_month", "end_day", "checklist", "is_active"]


@admin.register(SeasonalCheck)
class SeasonalCheckAdmin(CityConfigAdmin):
    form = SeasonalCheckForm
    list_display = ["name", "start_month", "start_day", "end_month", "end_day", "is_active"]
    filter_horizontal = ["categories"]

    def service_save(self, *, actor, instance):
        return services.seasonal_check_save(actor=actor, check=instance)


class EscalationSettingsForm(ServiceModelForm):
    class Meta:
        model = EscalationSettings
        fields = ["village_after_days", "township_after_days"]


@admin.register(EscalationSettings)
class EscalationSettingsAdmin(CityConfigAdmin):
    form = EscalationSettingsForm
    list_display = ["__str__", "village_after_days", "township_after_days"]

    def has_add_permission(self, request):
        return self._may(request) and not EscalationSettings.objects.exists()

    def service_save(self, *, actor, instance):
        return services.escalation_settings_save(actor=actor, config=instance)


class ScopedRegistryAdmin(_GatedAdmin):
    """Administrators (Role.ADMIN) and superusers, each seeing their scope."""

    may_open = staticmethod(may_administer)


class PersonForm(ServiceModelForm):
    id_number = forms.CharField(label=_("ID number (身份证号)"), max_length=20, required=False)
    phone = forms.CharField(label=_("phone"), max_length=20, required=False)

    class Meta:
        model = Person
        fields = ["name", "id_number", "phone", "address", "unit", "grid"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # never shown in clear here: the record page has the audited reveal
            self.fields.pop("id_number")
            self.fields.pop("phone")
        else:
            self.fields["id_number"].required = True
        if "unit" in self.fields:
            self.fields["unit"].queryset = self.fields["unit"].queryset.filter(level=Level.VILLAGE)
        if "grid" in self.fields:
            self.fields["grid"].queryset = self.fields["grid"].queryset.filter(level=Level.GRID)


@admin.register(Person)
class PersonAdmin(ServiceAdminMixin, XlsxAdminMixin, ScopedRegistryAdmin):
    form = PersonForm
    list_display = ["masked_name", "masked_id_number", "unit", "grid", "risk_level", "next_visit_due"]
    list_filter = ["risk_level", "memberships__category"]
    list_select_related = ["unit", "grid"]
    readonly_fields = ["sex", "birth_date", "risk_level", "last_visit_at", "next_visit_due"]
    autocomplete_fields = ["unit", "grid"]
    list_per_page = 100

    importer_class = CareListImporter
    import_in_background = True  # civil affairs' lists run to 100,000 rows: checked and imported by the worker
    export_columns = CareListImporter.export_columns()

    def get_queryset(self, request):
        return selectors.people_visible_to(request.user)

    @admin.display(description=_("name"), ordering="name")
    def masked_name(self, person):
        return person.masked_name

    @admin.display(description=_("ID number (身份证号)"))
    def masked_id_number(self, person):
        return person.masked_id_number

    def service_save(self, *, actor, instance):
        if instance.pk is None:
            return services.person_register(actor=actor, name=instance.name, id_number=instance.id_number,
                                            unit=instance.unit, grid=instance.grid, phone=instance.phone,
                                            address=instance.address)
        current = Person.objects.get(pk=instance.pk)
        return services.person_update(actor=actor, person=current, name=instance.name, unit=instance.unit,
                                      grid=instance.grid, phone=current.phone, address=instance.address)

    def export_rows(self, request, queryset):
        return care_export_rows(queryset)


class CareAssignmentForm(ServiceModelForm):
    class Meta:
        model = CareAssignment
        fields = ["person", "carer", "role", "since"]


@admin.register(CareAssignment)
class CareAssignmentAdmin(ServiceAdminMixin, ScopedRegistryAdmin):
    form = CareAssignmentForm
    list_display = ["person", "carer", "role", "since", "until"]
    list_filter = ["role"]
    raw_id_fields = ["person", "carer"]
    actions = ["end_assignments"]

    def get_queryset(self, request):
        return CareAssignment.objects.filter(person__in=selectors.people_visible_to(request.user)).select_related(
            "person", "carer")

    def has_change_permission(self, request, obj=None):
        return obj is None and self._may(request)  # end an assignment and start another, never edit one

    def service_save(self, *, actor, instance):
        return services.assignment_start(actor=actor, person=instance.person, carer=instance.carer,
                                         role=instance.role, since=instance.since)

    @admin.action(description=_("End the selected assignments"))
    def end_assignments(self, request, queryset):
        for assignment in queryset.filter(until__isnull=True):
            services.assignment_end(actor=request.user, assignment=assignment)

