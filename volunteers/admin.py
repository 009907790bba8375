"""Admin for 志愿服务: the list of skills (city administrators) and the volunteer organisations, social
work agencies and volunteer teams (administrators, within their scope). Saves go through
volunteers.services; nothing is deleted (an organisation is made inactive)."""

from django.contrib import admin

from core.admin import ServiceAdminMixin, ServiceModelForm
from orgs.permissions import may_administer, may_administer_city
from orgs.selectors import scope_for
from volunteers import services
from volunteers.models import Organisation, Skill


class _GatedAdmin(ServiceAdminMixin, admin.ModelAdmin):
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


class SkillForm(ServiceModelForm):
    class Meta:
        model = Skill
        fields = ["code", "name", "order", "is_active"]


@admin.register(Skill)
class SkillAdmin(_GatedAdmin):
    form = SkillForm
    may_open = staticmethod(may_administer_city)
    list_display = ["name", "code", "order", "is_active"]
    search_fields = ["name", "code"]

    def service_save(self, *, actor, instance):
        return services.skill_save(actor=actor, skill=instance)


class OrganisationForm(ServiceModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "credit_code", "unit", "contact", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(_GatedAdmin):
    form = OrganisationForm
    may_open = staticmethod(may_administer)
    list_display = ["name", "kind", "credit_code", "unit", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("unit")
        scope = scope_for(request.user, roles=["admin"])
        if scope.everything:
            return qs
        from django.db.models import Q

        q = Q(pk__in=[])
        for path in scope.unit_paths:
            q |= Q(unit__path__startswith=path)
        return qs.filter(q)

    def service_save(self, *, actor, instance):
        return services.organisation_save(actor=actor, organisation=instance)
