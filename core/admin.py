"""Admin pieces every app shares: the read-only audit trail, import/export of a list as .xlsx, and
saving through the services so that an admin edit is checked and audited like any other."""

import base64
import copy
import hashlib
import json
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_events_visible_to, audit_record, verb_label
from core.crypto import blind_index, mask_id_number, mask_phone
from core.errors import DomainError
from core.models import AuditEvent
from core.xlsx import MAX_UPLOAD_BYTES, Column, write_xlsx, xlsx_response

admin.site.site_header = gettext_lazy("Minsheng administration")
admin.site.site_title = gettext_lazy("Minsheng administration")
admin.site.index_title = gettext_lazy("Reference data and accounts")


class _DryRun(Exception):
    pass


class ServiceModelForm(forms.ModelForm):
    """A model form that, once the fields are valid, runs the service on a copy of the instance in
    a rolled-back savepoint, so the service's own checks (scope, tree rules) show as form errors.

    ``actor`` and ``service`` (a callable ``service(actor=..., instance=...)``) are set by the
    ModelAdmin on the form class it builds for each request."""

    actor = None
    service = None

    def _post_clean(self):
        super()._post_clean()
        if self.service is None or any(key != NON_FIELD_ERRORS for key in self._errors):
            return
        try:
            with transaction.atomic():
                type(self).service(actor=self.actor, instance=copy.copy(self.instance))
                raise _DryRun
        except _DryRun:
            return
        except DomainError as exc:
            # The service's reasons replace the database constraints' generic wording.
            self._errors.pop(NON_FIELD_ERRORS, None)
            for message in exc.details or [exc.message]:
                self.add_error(None, str(message))
        except IntegrityError:
            self.add_error(None, _("This conflicts with a record that already exists."))


class ServiceAdminMixin:
    """Saves go through a service; a DomainError that still escapes (a race between the form check
    and the save) is shown as a message instead of a server error, and nothing is saved."""

    def service_save(self, *, actor, instance):
        """Save ``instance`` through its service (unit_save, department_save …)."""
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        if issubclass(form, ServiceModelForm):
            form.service = staticmethod(self.service_save)
        return form

    def save_model(self, request, obj, form, change):
        self.service_save(actor=request.user, instance=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class XlsxUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB.") % {
                "size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload


class XlsxAdminMixin:
    """Adds to a ModelAdmin: "Import from xlsx" (template download, dry run listing every bad row,
    then confirm), "Export to xlsx" for the whole (filtered, scoped) list, and the action
    "Export selected to xlsx". Subclasses give ``importer_class`` (a core.xlsx.Importer),
    ``export_columns`` and ``export_rows(request, queryset)``."""

    change_list_template = "admin/core/xlsx_change_list.html"
    import_template = "admin/core/xlsx_import.html"
    importer_class = None
    export_columns = ()
    export_name = "export"
    # Check and import in the background (core.jobs): for lists of many thousand rows, with a progress bar.
    import_in_background = False

    def export_rows(self, request, queryset):
        raise NotImplementedError

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.export_columns and self.has_view_permission(request):
            actions["export_xlsx"] = (
                type(self).export_xlsx, "export_xlsx", _("Export selected %(verbose_name_plural)s to xlsx"))
        return actions

    def _url_name(self, action):
        return f"{self.opts.app_label}_{self.opts.model_name}_{action}"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.xlsx_import_view), name=self._url_name("xlsx_import")),
            path("import/template/", wrap(self.xlsx_template_view), name=self._url_name("xlsx_template")),
            path("export/", wrap(self.xlsx_export_view), name=self._url_name("xlsx_export")),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "xlsx_can_import": self.importer_class is not None and self.has_add_permission(request),
            "xlsx_can_export": bool(self.export_columns),
        }
        return super().changelist_view(request, extra_context)

    def _filename(self, suffix):
        return f"{self.opts.verbose_name_plural}-{suffix}.xlsx"

    def _export(self, request, queryset):
        """Every export is in the audit trail: which list, how many rows, with which filters."""
        content = write_xlsx(columns=self.export_columns, rows=self.export_rows(request, queryset),
                             title=str(self.opts.verbose_name_plural))
        audit_record(actor=request.user, verb="admin.export", target=None, label=str(self.opts.verbose_name_plural),
                     data={"model": self.opts.label_lower, "rows": queryset.count(),
                           "query": request.GET.urlencode()[:500]})
        return xlsx_response(content, self._filename(timezone.localtime().strftime("%Y%m%d-%H%M")))

    @admin.action(description=gettext_lazy("Export selected to xlsx"))
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset)

    def xlsx_export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            queryset = self.get_queryset(request)
        return self._export(request, queryset)

    def xlsx_template_view(self, request):
        if self.importer_class is None or not self.has_add_permission(request):
            raise PermissionDenied
        importer = self.importer_class(actor=request.user)
        return xlsx_response(importer.template(), self._filename(_("template")))

    def _session_key(self):
        return f"xlsx-import:{self.opts.label_lower}"

    def xlsx_import_view(self, request):
        """Upload → dry run (every bad row listed; nothing saved) → confirm → import. The uploaded
        bytes wait in the session between the two steps, with a digest the confirm form repeats."""
        if self.importer_class is None or not self.has_add_permission(request):
            raise PermissionDenied
        importer = self.importer_class(actor=request.user)
        form, report, problem, token = XlsxUploadForm(), None, None, None
        if request.method == "POST" and request.POST.get("step") == "confirm":
            stored = request.session.get(self._session_key())
            if not stored or stored["digest"] != request.POST.get("token"):
                problem = _("The checked file is no longer available. Please upload it again.")
            else:
                content = base64.b64decode(stored["content"])
                report, problem = self._run(importer, content, commit=True)
                if report is not None and report.committed:
                    del request.session[self._session_key()]
                    self.message_user(request, _("Imported %(rows)s rows from %(name)s (%(outcomes)s).") % {
                        "rows": report.rows, "name": stored["name"],
                        "outcomes": self._outcomes_text(importer, report)}, messages.SUCCESS)
                    return HttpResponseRedirect(reverse(f"admin:{self._url_name('changelist')}"))
        elif request.method == "POST":
            form = XlsxUploadForm(request.POST, request.FILES)
            if form.is_valid() and self.import_in_background:
                from core.jobs import xlsx_import_start

                upload = form.cleaned_data["file"]
                flags = {name: request.POST.get(name) == "on" for name, _label, _help in importer.flags}
                cls = type(importer)
                job = xlsx_import_start(actor=request.user, importer_path=f"{cls.__module__}.{cls.__qualname__}",
                                        content=upload.read(), file_name=upload.name, options=flags,
                                        return_url=reverse(f"admin:{self._url_name('changelist')}"))
                return HttpResponseRedirect(reverse("core:job", kwargs={"pk": job.pk}))
            if form.is_valid():
                upload = form.cleaned_data["file"]
                content = upload.read()
                report, problem = self._run(importer, content, commit=False)
                if report is not None and report.ok:
                    token = hashlib.sha256(content).hexdigest()
                    request.session[self._session_key()] = {
                        "digest": token, "name": upload.name, "content": base64.b64encode(content).decode()}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import %(verbose_name_plural)s from xlsx") % {
                "verbose_name_plural": self.opts.verbose_name_plural},
            "form": form,
            "report": report,
            "problem": problem,
            "token": token,
            "outcomes": self._outcomes_text(importer, report) if report else "",
            "columns": [column for column in importer.columns if not column.export_only],
            "noun": importer.noun,
            "flags": importer.flags,
            "template_url": reverse(f"admin:{self._url_name('xlsx_template')}"),
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
            "has_view_permission": self.has_view_permission(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.import_template, context)

    @staticmethod
    def _run(importer, content, *, commit):
        import io

        try:
            return importer.run(io.BytesIO(content), commit=commit), None
        except DomainError as exc:
            return None, str(exc.message)

    @staticmethod
    def _outcomes_text(importer, report):
        return _(", ").join(f"{importer.outcome_labels.get(key, key)} {count}"
                            for key, count in sorted(report.outcomes.items()))


def _model_name(label_lower: str) -> str:
    """"appeals.appeal" → the model's verbose name, in the reader's language."""
    from django.apps import apps

    if not label_lower:
        return ""
    try:
        return str(apps.get_model(label_lower)._meta.verbose_name)
    except (LookupError, ValueError):
        return label_lower


# The shapes appeals.exports masks on staff pages: what a label or detail may carry of a resident.
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{16}[0-9Xx]|[1-9]\d{14})(?![0-9A-Za-z])")


def mask_personal(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1).upper()), text or "")
    return _MOBILE.sub(lambda m: mask_phone(m.group(1) + m.group(2) + m.group(3)), text)


def details_text(data: dict) -> str:
    """An event's details as one line people can read, masked, without blind indexes (a hash of a
    phone number is no one's business in a spreadsheet)."""
    shown = {key: value for key, value in (data or {}).items() if not key.endswith("_index")}
    return mask_personal(json.dumps(shown, ensure_ascii=False, sort_keys=True, default=str)) if shown else ""


def phone_search_indexes(term: str) -> set[str]:
    """Blind indexes a typed phone number may be stored under (13800138000, 0354-3021234)."""
    compact = re.sub(r"[\s()（）]", "", term)
    if not re.fullmatch(r"\+?[0-9-]{7,16}", compact):
        return set()
    digits = re.sub(r"\D", "", compact)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return {blind_index(form) for form in {compact, digits} if form}


class VerbFilter(admin.SimpleListFilter):
    title = gettext_lazy("action")
    parameter_name = "verb"

    def lookups(self, request, model_admin):
        verbs = model_admin.get_queryset(request).order_by().values_list("verb", flat=True).distinct()
        return sorted(((verb, verb_label(verb)) for verb in verbs), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(verb=self.value()) if self.value() else queryset


class TargetTypeFilter(admin.SimpleListFilter):
    title = gettext_lazy("target type")
    parameter_name = "target_type"

    def lookups(self, request, model_admin):
        types = model_admin.get_queryset(request).order_by().values_list("target_type", flat=True).distinct()
        return sorted(((kind, _model_name(kind)) for kind in types if kind), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(target_type=self.value()) if self.value() else queryset


AUDIT_COLUMNS = (
    Column("time", gettext_lazy("time"), width=18),
    Column("actor", gettext_lazy("actor"), width=16),
    Column("action", gettext_lazy("action"), width=28),
    Column("verb", gettext_lazy("action code"), width=26),
    Column("target_type", gettext_lazy("target type"), width=16),
    Column("target_id", gettext_lazy("target id"), width=10),
    Column("target", gettext_lazy("target"), width=30),
    Column("details", gettext_lazy("details"), width=60),
)


@admin.register(AuditEvent)
class AuditEventAdmin(XlsxAdminMixin, admin.ModelAdmin):
    """The one audit trail: every change an administrator or a service makes, every time personal data
    is shown in clear or exported. Append-only: it is read, filtered (who, what, when, whose data)
    and exported, never written from here. Who reads which rows is core.audit.audit_events_visible_to
    (a superuser and a city administrator everything; a county administrator their county's staff)."""

    list_display = ["created_at", "actor", "action", "target_display", "details"]
    list_display_links = ["created_at", "action"]
    list_filter = [VerbFilter, TargetTypeFilter, ("actor", admin.RelatedOnlyFieldListFilter),
                   ("created_at", admin.DateFieldListFilter)]
    search_fields = ["target_label", "=target_id", "actor__username", "actor__display_name", "verb"]
    search_help_text = gettext_lazy("Search by who acted, what they acted on (an appeal's code, a name) or a "
                                    "resident's phone number.")
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    fields = ["created_at", "actor", "action", "verb", "target_display", "target_id", "details"]
    readonly_fields = fields
    list_per_page = 50

    export_columns = AUDIT_COLUMNS
    export_name = "audit"

    def get_queryset(self, request):
        visible = audit_events_visible_to(request.user)
        queryset = visible if visible is not None else AuditEvent.objects.none()
        return queryset.select_related("actor")

    def _may_read(self, request) -> bool:
        return audit_events_visible_to(request.user) is not None

    def has_module_permission(self, request):
        return self._may_read(request)

    def has_view_permission(self, request, obj=None):
        return self._may_read(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("action"), ordering="verb")
    def action(self, event):
        return verb_label(event.verb)

    @admin.display(description=gettext_lazy("target"))
    def target_display(self, event):
        kind = _model_name(event.target_type)
        label = mask_personal(event.target_label)
        return f"{kind}: {label}" if kind and label else (label or kind or "—")

    @admin.display(description=gettext_lazy("details"))
    def details(self, event):
        return details_text(event.data)

    def get_search_results(self, request, queryset, search_term):
        filtered = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        indexes = phone_search_indexes(search_term.strip()) if search_term else set()
        if indexes:  # whose data: the views of a resident's details, found by their phone number
            queryset |= filtered.filter(data__phone_index__in=sorted(indexes))
        return queryset, may_have_duplicates

    def export_rows(self, request, queryset):
        for event in queryset.select_related("actor").iterator(chunk_size=500):
            yield {
                "time": timezone.localtime(event.created_at).replace(tzinfo=None, microsecond=0),
                "actor": event.actor.get_username() if event.actor else "",
                "action": verb_label(event.verb),
                "verb": event.verb,
                "target_type": _model_name(event.target_type),
                "target_id": event.target_id,
                "target": mask_personal(event.target_label),
                "details": details_text(event.data),
            }
