"""Admin for facilities: the types and meal price rules a city configures (city administrators), and
the registry and its staff for administrators within their scope. Every save goes through
facilities.services; nothing is deleted (a facility is closed, 停用, and its history stays)."""

from django.contrib import admin

from core.admin import ServiceAdminMixin, ServiceModelForm
from facilities import selectors, services
from facilities.hours import hours_text
from facilities.models import Facility, FacilityStaff, FacilityType, PriceRule
from orgs.permissions import may_administer, may_administer_city


class _GatedAdmin(admin.ModelAdmin):
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


class FacilityTypeForm(ServiceModelForm):
    class Meta:
        model = FacilityType
        fields = ["code", "name", "department_kind", "serves_meals", "fields", "order", "is_active"]


@admin.register(FacilityType)
class FacilityTypeAdmin(ServiceAdminMixin, _GatedAdmin):
    may_open = staticmethod(may_administer_city)
    form = FacilityTypeForm
    list_display = ["name", "code", "department_kind", "serves_meals", "order", "is_active"]

    def service_save(self, *, actor, instance):
        return services.facility_type_save(actor=actor, facility_type=instance)


class PriceRuleForm(ServiceModelForm):
    class Meta:
        model = PriceRule
        fields = ["name", "care_category", "min_age", "price", "is_active"]


@admin.register(PriceRule)
class PriceRuleAdmin(ServiceAdminMixin, _GatedAdmin):
    may_open = staticmethod(may_administer_city)
    form = PriceRuleForm
    list_display = ["name", "care_category", "min_age", "price", "is_active"]

    def service_save(self, *, actor, instance):
        return services.price_rule_save(actor=actor, rule=instance)


class FacilityForm(ServiceModelForm):
    class Meta:
        model = Facility
        fields = ["type", "name", "unit", "address", "latitude", "longitude", "capacity", "services",
                  "contact_name", "contact_phone", "hours_note", "closed_on_holidays", "values"]


def _data(instance: Facility, hours: str) -> services.FacilityData:
    return services.FacilityData(
        name=instance.name, address=instance.address, latitude=instance.latitude, longitude=instance.longitude,
        capacity=instance.capacity, services=instance.services, contact_name=instance.contact_name,
        contact_phone=instance.contact_phone, hours=hours, hours_note=instance.hours_note, values=instance.values,
        closed_on_holidays=instance.closed_on_holidays)


@admin.register(Facility)
class FacilityAdmin(ServiceAdminMixin, _GatedAdmin):
    """Registering and editing; opening hours, photos, status and bookings are on the staff pages."""

    may_open = staticmethod(may_administer)
    form = FacilityForm
    list_display = ["name", "type", "unit", "status", "status_since"]
    list_filter = ["type", "status"]
    search_fields = ["name", "address"]
    autocomplete_fields = []
    raw_id_fields = ["unit"]

    def get_queryset(self, request):
        return selectors.facilities_visible_to(request.user)

    def service_save(self, *, actor, instance):
        if instance.pk is None:
            return services.facility_register(actor=actor, facility_type=instance.type, unit=instance.unit,
                                              data=_data(instance, ""))
        current = Facility.objects.get(pk=instance.pk)
        return services.facility_update(actor=actor, facility=current, unit=instance.unit,
                                        data=_data(instance, hours_text(current.opening_periods.all())))


class FacilityStaffForm(ServiceModelForm):
    class Meta:
        model = FacilityStaff
        fields = ["facility", "user"]


@admin.register(FacilityStaff)
class FacilityStaffAdmin(ServiceAdminMixin, _GatedAdmin):
    may_open = staticmethod(may_administer)
    form = FacilityStaffForm
    list_display = ["facility", "user", "since", "until"]
    raw_id_fields = ["facility", "user"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(facility__in=selectors.facilities_visible_to(request.user))

    def service_save(self, *, actor, instance):
        return services.facility_staff_add(actor=actor, facility=instance.facility, user=instance.user)
