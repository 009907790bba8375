"""Admin for the deliberation hall: the city's sensitive-word list (city administrators). Topics are
moderated on the hall's own staff pages, never edited here."""

from django.contrib import admin

from core.admin import ServiceAdminMixin
from deliberation import services
from deliberation.models import SensitiveWord
from orgs.permissions import may_administer_city


@admin.register(SensitiveWord)
class SensitiveWordAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["word", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["word"]

    def service_save(self, *, actor, instance):
        return services.sensitive_word_save(actor=actor, word=instance)

    def _may(self, request):
        return request.user.is_active and may_administer_city(request.user)

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
