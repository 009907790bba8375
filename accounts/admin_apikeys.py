"""Admin for the API keys of integrating organisations: a superuser issues a key for an organisation
and the units it may work in (it is shown once, on the page that follows, and never again) and
revokes it. Keys are never edited or deleted: a revoked row stays for the audit trail.

Registered by an import at the end of accounts/admin.py, like admin_tokens."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.apikeys import apikey_issue, apikey_revoke
from accounts.models import ApiKey


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["organisation", "units", "may_create", "may_read"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ["organisation", "prefix", "scope", "may_create", "may_read", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "may_create", "may_read"]
    search_fields = ["organisation", "prefix"]
    autocomplete_fields = ["units"]
    actions = ["revoke"]

    @admin.display(description=gettext_lazy("units"))
    def scope(self, obj):
        return "、".join(unit.name for unit in obj.units.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["organisation", "prefix", "scope", "may_create", "may_read", "created_at", "created_by",
                "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        return ApiKeyForm.Meta.fields if obj is None else self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        data = form.cleaned_data
        issued, clear = apikey_issue(actor=request.user, organisation=data["organisation"], units=data["units"],
                                     may_create=data["may_create"], may_read=data["may_read"])
        obj.pk, obj.prefix = issued.pk, issued.prefix  # for the admin log entry
        request._issued_key = (issued, clear)

    def save_related(self, request, form, formsets, change):
        """The service set the units already."""

    def response_add(self, request, obj, post_url_continue=None):
        issued, clear = request._issued_key
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("API key issued"),
            "key": issued,
            "clear": clear,
        }
        response = TemplateResponse(request, "admin/accounts/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("Revoke selected API keys"))
    def revoke(self, request, queryset):
        count = 0
        for key in queryset:
            apikey_revoke(actor=request.user, key=key)
            count += 1
        self.message_user(request, _("Revoked %(count)s API keys.") % {"count": count}, messages.SUCCESS)
