"""Admin for API tokens (a person's, to call the API as them) and API keys (an integrating
organisation's, scoped to units): a superuser issues one (the secret is shown once, on the page that
follows, and never again) and revokes it. Credentials are never edited or deleted: a revoked row
stays for the audit trail.

Registered by an import at the end of accounts/admin.py."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.apikeys import apikey_issue, apikey_revoke
from accounts.models import ApiKey, ApiToken
from accounts.tokens import token_issue, token_revoke


class CredentialAdmin(admin.ModelAdmin):
    """Superusers only; add (issue) and the revoke action, nothing else. A kind says which fields its
    form asks for (``issue_fields``), which it shows (``shown_fields``), how it issues and revokes
    (``issue``, ``revoke_one`` and a ``revoke`` action with its own label) and what its "issued" page
    says."""

    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    actions = ["revoke"]
    issue_fields: list[str] = []
    shown_fields: list[str] = []  # on a credential's own page, all read-only, before the common ones
    issued_title = ""
    secret_id = ""  # the element id of the secret on the issued page

    def issue(self, request, data: dict):
        """(credential, clear secret) for the form's cleaned ``data``."""
        raise NotImplementedError

    def revoke_one(self, request, credential) -> None:
        raise NotImplementedError

    def issued_texts(self, credential) -> dict:
        """What the issued page says: ``about`` the credential, how to ``use`` it, the ``back`` link."""
        raise NotImplementedError

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
        return [*self.shown_fields, "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_fields(self, request, obj=None):
        return self.issue_fields if obj is None else self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        issued, clear = self.issue(request, form.cleaned_data)
        obj.pk, obj.prefix = issued.pk, issued.prefix  # for the admin log entry
        request._issued_credential = (issued, clear)

    def save_related(self, request, form, formsets, change):
        """The issuing service saved everything, related rows included."""

    def response_add(self, request, obj, post_url_continue=None):
        issued, clear = request._issued_credential
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.issued_title,
            "credential": issued,
            "clear": clear,
            "secret_id": self.secret_id,
            **self.issued_texts(issued),
        }
        response = TemplateResponse(request, "admin/accounts/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def revoke_selected(self, request, queryset):
        count = 0
        for credential in queryset:
            self.revoke_one(request, credential)
            count += 1
        self.message_user(request, self.revoked_message(count), messages.SUCCESS)

    def revoked_message(self, count: int) -> str:
        raise NotImplementedError


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(CredentialAdmin):
    form = ApiTokenForm
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    issue_fields = ApiTokenForm.Meta.fields
    shown_fields = ["user", "name", "prefix"]
    issued_title = gettext_lazy("API token issued")
    secret_id = "api-token"

    def issue(self, request, data):
        return token_issue(actor=request.user, user=data["user"], name=data["name"])

    def revoke_one(self, request, credential):
        token_revoke(actor=request.user, token=credential)

    @admin.action(description=gettext_lazy("Revoke selected API tokens"))
    def revoke(self, request, queryset):
        self.revoke_selected(request, queryset)

    def revoked_message(self, count):
        return _("Revoked %(count)s API tokens.") % {"count": count}

    def issued_texts(self, credential):
        return {
            "about": _("The token “%(name)s” acts as %(user)s.") % {"name": credential.name, "user": credential.user},
            "use": _("Send it with every request:"),
            "back": _("Back to the API tokens"),
        }


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["organisation", "units", "may_create", "may_read"]


@admin.register(ApiKey)
class ApiKeyAdmin(CredentialAdmin):
    form = ApiKeyForm
    list_display = ["organisation", "prefix", "scope", "may_create", "may_read", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = [*CredentialAdmin.list_filter, "may_create", "may_read"]
    search_fields = ["organisation", "prefix"]
    autocomplete_fields = ["units"]
    issue_fields = ApiKeyForm.Meta.fields
    shown_fields = ["organisation", "prefix", "scope", "may_create", "may_read"]
    issued_title = gettext_lazy("API key issued")
    secret_id = "api-key"

    @admin.display(description=gettext_lazy("units"))
    def scope(self, obj):
        return "、".join(unit.name for unit in obj.units.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    def issue(self, request, data):
        return apikey_issue(actor=request.user, organisation=data["organisation"], units=data["units"],
                            may_create=data["may_create"], may_read=data["may_read"])

    def revoke_one(self, request, credential):
        apikey_revoke(actor=request.user, key=credential)

    @admin.action(description=gettext_lazy("Revoke selected API keys"))
    def revoke(self, request, queryset):
        self.revoke_selected(request, queryset)

    def revoked_message(self, count):
        return _("Revoked %(count)s API keys.") % {"count": count}

    def issued_texts(self, credential):
        about = _("The key for “%(organisation)s” works in these units and the units below them:") % {
            "organisation": credential.organisation}
        return {
            "about": f"{about}{'、'.join(unit.name for unit in credential.units.all())}",
            "use": _("Open311 clients send it as the api_key parameter; the native API takes it with every "
                     "request as:"),
            "back": _("Back to the API keys"),
        }
