"""Admin for accounts and the roles they hold. Phone numbers are shown masked; a new number or
password is typed into empty fields, never read back. Saves go through accounts.services.staff_save
and orgs.services.membership_grant / membership_revoke. Residents' accounts are read-only here."""

from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.importers import StaffImporter, membership_export_rows, staff_export_rows, staff_visible_to
from accounts.models import User, UserKind
from accounts.permissions import may_manage_account
from accounts.services import normalize_phone, staff_save
from core.admin import ServiceAdminMixin, ServiceModelForm, XlsxAdminMixin
from core.crypto import blind_index
from core.errors import BadInput
from orgs.admin import ScopedAdmin
from orgs.models import Membership, Role
from orgs.selectors import departments_visible_to, memberships_visible_to, units_visible_to
from orgs.services import membership_grant, membership_revoke


def _limit_places(db_field, request, kwargs):
    """Offer only the units and departments where the administrator may grant a role."""
    if db_field.name == "unit":
        kwargs["queryset"] = units_visible_to(request.user, roles=[Role.ADMIN])
    elif db_field.name == "department":
        kwargs["queryset"] = departments_visible_to(request.user, roles=[Role.ADMIN])
    elif db_field.name == "user":
        kwargs["queryset"] = staff_visible_to(request.user).filter(kind=UserKind.STAFF)
    return kwargs


def _grant(actor, membership: Membership, user) -> Membership:
    granted = membership_grant(actor=actor, user=user, role=membership.role, unit=membership.unit,
                               department=membership.department)
    membership.pk, membership.created_at = granted.pk, granted.created_at
    return granted


def _regrant(actor, membership: Membership) -> None:
    """Changing a role is revoking the old one and granting the new, each checked and audited."""
    previous = Membership.objects.select_related("unit", "department__unit", "user").get(pk=membership.pk)
    membership_revoke(actor=actor, membership=previous)
    membership.pk = None
    _grant(actor, membership, membership.user)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["unit", "department", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["unit", "department"]
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **_limit_places(db_field, request, kwargs))

    def _may(self, request, obj):
        return request.user.is_active and (obj is None or may_manage_account(request.user, obj))

    def has_view_permission(self, request, obj=None):
        return True  # the parent admin decides who sees the account

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)


class StaffForm(forms.ModelForm):
    new_phone = forms.CharField(
        label=gettext_lazy("New mobile phone"), required=False, max_length=32,
        help_text=gettext_lazy("Leave empty to keep the number on file."))
    new_password = forms.CharField(
        label=gettext_lazy("New password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Leave empty to keep the password. A new account without a password "
                               "cannot sign in until one is set."))

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "is_active", "is_staff", "is_superuser"]

    def clean_new_phone(self):
        raw = self.cleaned_data.get("new_phone", "")
        if not raw:
            return ""
        try:
            phone = normalize_phone(raw)
        except BadInput as exc:
            raise forms.ValidationError(str(exc.message)) from None
        if User.objects.filter(phone_index=blind_index(phone)).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another account already uses this phone number."))
        return phone

    def _post_clean(self):
        super()._post_clean()
        password = self.cleaned_data.get("new_password")
        if password:
            try:
                validate_password(password, self.instance)
            except forms.ValidationError as exc:
                self.add_error("new_password", exc)


@admin.register(User)
class UserAdmin(ServiceAdminMixin, XlsxAdminMixin, ScopedAdmin):
    form = StaffForm
    inlines = [MembershipInline]
    list_display = ["username", "display_name", "kind", "phone_masked", "roles", "is_active", "is_staff",
                    "last_login"]
    list_filter = ["kind", "is_active", "is_staff", "memberships__role"]
    search_fields = ["username", "display_name", "email"]
    readonly_fields = ["kind", "phone_masked", "last_login", "date_joined"]
    ordering = ["kind", "username"]

    importer_class = StaffImporter
    export_columns = StaffImporter.export_columns()

    @admin.display(description=gettext_lazy("mobile phone"))
    def phone_masked(self, obj):
        return obj.masked_phone

    @admin.display(description=gettext_lazy("roles"))
    def roles(self, obj):
        return "；".join(str(m) for m in obj.memberships.all())

    def get_queryset(self, request):
        return staff_visible_to(request.user).prefetch_related(
            "memberships__unit", "memberships__department")

    def get_search_results(self, request, queryset, search_term):
        """Phones are encrypted, so a search for a number looks up its blind index."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            phone = normalize_phone(search_term)
        except BadInput:
            return results, may_have_duplicates
        return results | queryset.filter(phone_index=blind_index(phone)), may_have_duplicates

    def has_change_permission(self, request, obj=None):
        if obj is not None and (obj.kind != UserKind.STAFF or not may_manage_account(request.user, obj)):
            return False
        return super().has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        dates = (gettext_lazy("Dates"), {"fields": ["last_login", "date_joined"]})
        if obj is not None and not self.has_change_permission(request, obj):
            return [(None, {"fields": ["username", "display_name", "kind", "phone_masked", "is_active"]}), dates]
        access = ["is_active", "is_staff"] + (["is_superuser"] if request.user.is_superuser else [])
        phone = (["phone_masked"] if obj else []) + ["new_phone", "new_password"]
        fieldsets = [
            (None, {"fields": ["username", "display_name", "email"]}),
            (gettext_lazy("Phone and password"), {"fields": phone}),
            (gettext_lazy("Access"), {"fields": access}),
        ]
        return fieldsets + ([dates] if obj else [])

    def save_model(self, request, obj, form, change):
        staff_save(actor=request.user, user=obj, password=form.cleaned_data.get("new_password") or None,
                   phone=form.cleaned_data.get("new_phone") or None)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership_revoke(actor=request.user, membership=membership)
        for membership, _fields in formset.changed_objects:
            _regrant(request.user, membership)
        for membership in formset.new_objects:
            _grant(request.user, membership, form.instance)

    def export_rows(self, request, queryset):
        if request.user.is_superuser:
            return staff_export_rows(queryset)
        visible = set(memberships_visible_to(request.user, roles=[Role.ADMIN]).values_list("pk", flat=True))
        return staff_export_rows(queryset, memberships=visible)


class MembershipForm(ServiceModelForm):
    class Meta:
        model = Membership
        fields = ["user", "unit", "department", "role"]


@admin.register(Membership)
class MembershipAdmin(ServiceAdminMixin, XlsxAdminMixin, ScopedAdmin):
    form = MembershipForm
    list_display = ["user", "role", "unit", "department", "created_at"]
    list_filter = ["role", "unit__level", "department__kind"]
    search_fields = ["user__username", "user__display_name", "unit__name", "unit__code", "department__name",
                     "department__code"]
    autocomplete_fields = ["user", "unit", "department"]
    list_select_related = ["user", "unit", "department"]

    importer_class = StaffImporter
    export_columns = StaffImporter.export_columns()

    def get_queryset(self, request):
        return memberships_visible_to(request.user, roles=[Role.ADMIN])

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **_limit_places(db_field, request, kwargs))

    def has_delete_permission(self, request, obj=None):
        return self.may_administer(request)

    def service_save(self, *, actor, instance):
        if instance.pk:
            _regrant(actor, instance)
        else:
            _grant(actor, instance, instance.user)
        return instance

    def delete_model(self, request, obj):
        membership_revoke(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            membership_revoke(actor=request.user, membership=membership)

    def export_rows(self, request, queryset):
        return membership_export_rows(queryset)


# API tokens and API keys have their own module; importing it registers their admin (issue once, revoke).
from accounts import admin_credentials  # noqa: E402,F401
