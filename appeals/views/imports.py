"""The dispatcher's page for importing a 12345 hotline export: upload → dry run with a row-by-row
report (nothing saved) → confirm → import.

A small file (at most SYNC_MAX_BYTES and SYNC_MAX_ROWS rows: a few seconds of work) is checked and
imported in the request, its bytes waiting in the session between the two steps with a digest the
confirm form repeats. A larger one is written to disk as it arrives and handed to the task worker
(core.jobs, appeals.importers.run_hotline_job): the person follows its progress on the job's page, where
the dry run's report offers the import; either way what is imported is exactly the file that was checked."""

import base64
import hashlib

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import staff_required
from appeals import permissions
from appeals.importers import (
    DEFAULT_HEADERS,
    FIELD_LABELS,
    HOTLINE_IMPORT,
    HotlineImporter,
    default_places_for,
    hotline_import_start,
    parse_mapping,
)
from core import jobs
from core.errors import DomainError
from core.middleware import returns_to
from core.xlsx import MAX_UPLOAD_BYTES
from orgs.models import Unit

SESSION_KEY = "appeals-hotline-import"
# Files up to this size are counted in the request; up to SYNC_MAX_ROWS rows they are also imported there.
SYNC_MAX_BYTES = 256 * 1024
SYNC_MAX_ROWS = 200


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Hotline export (.xlsx or .csv)"),
                           help_text=gettext_lazy("CSV files may be UTF-8 or GB18030 (older systems)."))
    place = forms.ModelChoiceField(Unit.objects.none(), label=gettext_lazy("Unit for rows that name none"),
                                   empty_label=None)
    mapping = forms.CharField(
        label=gettext_lazy("Column mapping (optional)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "来电号码=contact_phone"}),
        help_text=gettext_lazy("Only for columns with unusual names: one “column=field” a line."))
    good_rows_only = forms.BooleanField(
        label=gettext_lazy("Import the good rows and leave the bad ones out"), required=False,
        help_text=gettext_lazy("Without this, a file with any bad row is refused as a whole."))

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB; split it into several files.")
                                        % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return upload

    def clean_mapping(self):
        try:
            return parse_mapping(self.cleaned_data["mapping"].splitlines())
        except DomainError as exc:
            raise forms.ValidationError(exc.details or [exc.message]) from None


def _run(user, stored, *, commit):
    place = Unit.objects.filter(pk=stored["place"]).first()
    importer = HotlineImporter(actor=user, mapping=stored["mapping"], default_place=place)
    # Kept here rather than left to core.middleware: a file that cannot be read is reported on the page,
    # beside the upload form with the unit and the column mapping as they were chosen.
    try:
        return importer.run(base64.b64decode(stored["content"]), commit=commit,
                            good_rows_only=stored["good_rows_only"]), None
    except DomainError as exc:
        return None, str(exc.message)


def _small(upload, mapping) -> bool:
    """Whether a file is quick enough to check in the request: small, and with few rows (a file that
    cannot be read is small too: the page says why at once)."""
    if upload.size > SYNC_MAX_BYTES:
        return False
    content = upload.read()
    upload.seek(0)
    try:
        _names, rows = HotlineImporter(actor=None, mapping=mapping)._open(content)
        for count, _row in enumerate(rows, start=1):
            if count > SYNC_MAX_ROWS:
                return False
    except DomainError:
        pass
    return True


def _to_job_file(upload) -> str:
    """The upload, copied a chunk at a time (never whole in memory) to where the worker reads it (core.jobs)."""
    return jobs.job_file_save(upload, prefix="hotline")


@staff_required
def hotline_import(request):
    if not permissions.may_import_hotline(request.user):
        raise PermissionDenied(_("Only dispatchers import hotline exports."))
    places = default_places_for(request.user)
    form, result, problem, token, stored = ImportForm(places=places), None, None, None, None
    if request.method == "POST" and request.POST.get("step") == "confirm":
        stored = request.session.get(SESSION_KEY)
        if not stored or stored["digest"] != request.POST.get("token"):
            problem = _("The checked file is no longer available. Please upload it again.")
        else:
            result, problem = _run(request.user, stored, commit=True)
            if result is not None and result.committed:
                del request.session[SESSION_KEY]
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES, places=places)
        if form.is_valid() and not _small(form.cleaned_data["file"], form.cleaned_data["mapping"]):
            upload = form.cleaned_data["file"]
            job = hotline_import_start(actor=request.user, file_path=_to_job_file(upload), file_name=upload.name,
                                       mapping=form.cleaned_data["mapping"], place=form.cleaned_data["place"],
                                       good_rows_only=form.cleaned_data["good_rows_only"],
                                       return_url=reverse("appeals:staff_import"))
            return redirect("appeals:staff_import_job", pk=job.pk)
        if form.is_valid():
            content = form.cleaned_data["file"].read()
            stored = {"digest": hashlib.sha256(content).hexdigest(), "name": form.cleaned_data["file"].name,
                      "content": base64.b64encode(content).decode(), "mapping": form.cleaned_data["mapping"],
                      "place": form.cleaned_data["place"].pk, "good_rows_only": form.cleaned_data["good_rows_only"]}
            result, problem = _run(request.user, stored, commit=False)
            if result is not None and result.created and (result.ok or stored["good_rows_only"]):
                request.session[SESSION_KEY] = stored
                token = stored["digest"]
    context = {"form": form, "result": result, "problem": problem, "token": token,
               "file_name": stored["name"] if stored else "", "fields": [(key, label, "、".join(DEFAULT_HEADERS[key])) for key, label in FIELD_LABELS.items()]}
    return render(request, "appeals/import/hotline.html", context, status=200)


def _hotline_job(request, pk):
    job = jobs.job_for(request.user, pk)  # only the person who started it
    if job.kind != HOTLINE_IMPORT:
        raise Http404(_("No such job."))
    return job


@staff_required
@require_GET
def hotline_import_job(request, pk):
    """The progress of a background check or import (core/static/core/job.js follows it), then its report."""
    job = _hotline_job(request, pk)
    return render(request, "appeals/import/job.html", {"job": job, "result": job.result or {}})


@staff_required
@require_POST
@returns_to("appeals:staff_import_job", "pk")
def hotline_import_confirm(request, pk):
    """Import the file the finished dry run checked (once: a second press shows the same import)."""
    following = jobs.job_continue(actor=request.user, job=_hotline_job(request, pk))
    return redirect("appeals:staff_import_job", pk=following.pk)
