"""Admin for dispatch: classifier versions (read-only, with the action that activates one: the
rollback), the responsibility catalogue (edited and imported from xlsx through the services), and
the recorded training examples (read-only; a wrong one is deleted through the service, audited)."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.admin import ServiceAdminMixin, ServiceModelForm, XlsxAdminMixin
from core.errors import DomainError
from dispatch.catalogue import CatalogueImporter, catalogue_export_rows
from dispatch.labels import display
from dispatch.models import CatalogueEntry, ClassifierVersion, TrainingExample
from dispatch.permissions import may_manage_models
from dispatch.services import catalogue_entry_save, classifier_activate, training_examples_delete
from orgs.models import Role
from orgs.permissions import may_administer
from orgs.selectors import departments_visible_to


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "created_at", "trained_on", "n_samples", "cv_macro_f1", "is_active", "activated_at"]
    list_filter = ["is_active"]
    fields = ["version", "created_at", "created_by", "trained_on", "n_samples", "label_names", "cv_macro_f1",
              "per_class", "is_active", "activated_at", "model_sha256"]
    readonly_fields = fields
    actions = ["activate_version"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("model")

    def has_module_permission(self, request):
        return request.user.is_active and may_manage_models(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False  # versions come from training (manage.py dispatch_train, the scheduled task)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # kept: a rollback needs the old versions, and the audit trail points at them

    @admin.display(description=gettext_lazy("labels"))
    def label_names(self, obj):
        return "、".join(display(label) for label in obj.labels or [])

    @admin.display(description=gettext_lazy("cross-validated macro-F1"))
    def cv_macro_f1(self, obj):
        value = obj.metrics.get("macro_f1")
        return "—" if value is None else f"{value:.3f}"

    @admin.display(description=gettext_lazy("per category (cross-validated)"))
    def per_class(self, obj):
        rows = obj.metrics.get("per_class") or {}
        if not rows:
            return "—"
        head = format_html("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>", _("label"),
                           _("precision"), _("recall"), _("F1"), _("support"))
        # Numbers formatted first: format_html escapes its arguments into strings.
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((display(label), f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                                  r["support"]) for label, r in rows.items()))
        return format_html("<table>{}{}</table>", head, body)

    @admin.action(description=gettext_lazy("Activate the selected version (roll back or forward)"))
    def activate_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one version to activate."), messages.ERROR)
            return
        version = queryset.get()
        try:
            classifier_activate(actor=request.user, version=version)
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return
        self.message_user(request, _("Version %(version)s now routes appeals.") % {"version": version.version},
                          messages.SUCCESS)


class CatalogueEntryForm(ServiceModelForm):
    class Meta:
        model = CatalogueEntry
        fields = ["phrase", "department", "label", "weight", "note", "is_active"]


class CategoryFilter(admin.SimpleListFilter):
    """The catalogue's categories and department types, as people read them (民政, not civil_affairs)."""

    title = gettext_lazy("category")
    parameter_name = "label"

    def lookups(self, request, model_admin):
        labels = CatalogueEntry.objects.exclude(label="").values_list("label", flat=True).distinct()
        return sorted(((label, display(label)) for label in labels), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(label=self.value()) if self.value() else queryset


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(ServiceAdminMixin, XlsxAdminMixin, admin.ModelAdmin):
    form = CatalogueEntryForm
    list_display = ["phrase", "department", "category", "weight", "is_active", "updated_at"]

    list_filter = ["is_active", CategoryFilter]
    search_fields = ["phrase", "label", "department__name", "department__code"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
    list_per_page = 100

    importer_class = CatalogueImporter
    export_columns = CatalogueImporter.export_columns()

    @admin.display(description=gettext_lazy("category"), ordering="label")
    def category(self, obj):
        return display(obj.label) if obj.label else "—"

    def _allowed(self, request):
        return request.user.is_active and may_administer(request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead, so the audit trail keeps what routed past appeals

    def get_queryset(self, request):
        if may_manage_models(request.user):
            return super().get_queryset(request)
        departments = departments_visible_to(request.user, roles=[Role.ADMIN])
        return super().get_queryset(request).filter(Q(department__in=departments) | Q(department__isnull=True))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "department":
            kwargs["queryset"] = departments_visible_to(request.user, roles=[Role.ADMIN])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def service_save(self, *, actor, instance):
        return catalogue_entry_save(actor=actor, entry=instance)

    def export_rows(self, request, queryset):
        return catalogue_export_rows(queryset)


@admin.register(TrainingExample)
class TrainingExampleAdmin(admin.ModelAdmin):
    list_display = ["created_at", "label", "predicted_label", "source", "reference", "short_text"]
    list_filter = ["source", "label"]
    search_fields = ["text", "label", "reference"]
    fields = ["created_at", "created_by", "source", "reference", "label", "predicted_label", "classifier_version",
              "text"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return request.user.is_active and may_manage_models(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and may_manage_models(request.user)  # a wrong example can be removed

    def delete_model(self, request, obj):
        training_examples_delete(actor=request.user, examples=[obj])

    def delete_queryset(self, request, queryset):
        training_examples_delete(actor=request.user, examples=queryset)

    @admin.display(description=gettext_lazy("text"))
    def short_text(self, obj):
        return obj.text[:60]
