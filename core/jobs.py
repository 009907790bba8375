"""Long work started from a page, run by the task worker, with its progress on a page of its own.

An app registers what a kind of job does (``register(kind, runner)``); a page starts one with
``job_start`` (the row is written, the task queued when the transaction commits) and sends the person
to ``core:job`` (core/views.py), which shows a progress bar the browser polls and, at the end, the
result. The worker runs ``run_job``: it claims the row with a conditional UPDATE (queued → running),
so a task delivered twice runs once, and a runner's DomainError ends the job with its message.

A worker that dies mid-job (SIGKILL, its machine lost) leaves the job running with no progress, and a task
lost with Redis (``TASK_BACKEND=rq``) leaves it queued with no task: ``jobs_recover`` (``manage.py
jobs_recover``, every two minutes from the scheduler) queues such a job again, up to JOB_MAX_ATTEMPTS
times. Every runner is idempotent (an import saved in chunks skips the rows saved before), and each attempt
writes only while it is the job's latest: a worker thought dead that wakes up cannot overwrite the new run.

A job may offer a follow-up the person confirms (``result["next"]``: an import's dry run offers the
import itself), started with ``job_continue``. The xlsx import of core.xlsx runs on this
(``xlsx_import`` below): any core.xlsx.Importer can be run in the background."""

import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core.errors import BadInput, DomainError, NotAllowed, NotFound
from core.models import Job, JobState

logger = logging.getLogger("minsheng.core.jobs")

# How often a running job writes its progress (seconds): often enough for a bar, not a write per row.
PROGRESS_EVERY = 0.5

_runners: dict[str, Callable] = {}
# Apps whose background work keeps its state in rows of their own (targets' monthly reports) give
# jobs_recover a function of their own: ``recover(now=...) -> dict`` of counts for the command's report.
_recoverers: list[Callable] = []


def register_recovery(recover: Callable) -> None:
    if recover not in _recoverers:
        _recoverers.append(recover)


def register(kind: str, runner: Callable) -> None:
    """``runner(job, progress) -> dict``: does the work, returns the job's result."""
    _runners[kind] = runner


def job_file_save(content, *, prefix: str = "job") -> str:
    """Keep a job's file (bytes, or an upload copied a chunk at a time) where whichever worker takes the job
    reads it: the media storage (MEDIA_ROOT, or the S3 bucket), under jobs/, never served. Returns the name
    kept in ``Job.file_path``."""
    file = ContentFile(content) if isinstance(content, bytes) else content
    return default_storage.save(f"jobs/{prefix}-{uuid.uuid4().hex}.bin", file)


def job_file_open(job: Job):
    """The job's file as a binary file object. An absolute path is a file a job queued before job files
    moved into the media storage (under the old JOB_FILES_DIR)."""
    if os.path.isabs(job.file_path):
        return open(job.file_path, "rb")  # noqa: SIM115 (the caller closes it)
    return default_storage.open(job.file_path, "rb").file


def _job_file_exists(name: str) -> bool:
    return Path(name).exists() if os.path.isabs(name) else default_storage.exists(name)


def _job_file_delete(name: str) -> None:
    if os.path.isabs(name):
        Path(name).unlink(missing_ok=True)
    else:
        default_storage.delete(name)


def _this_attempt(job: Job):
    """The job's row while ``job`` is the attempt running it (not taken over by jobs_recover)."""
    return Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts)


class Progress:
    """What a runner reports: the stage it is in and how far it is, written to the job's row at most
    every PROGRESS_EVERY seconds. A runner that reports progress must not hold one transaction across
    the whole job (the page would not see the row change), which is why core.xlsx imports in chunks.

    The writes are also the job's heartbeat: a job running with no progress for JOB_STALE_MINUTES is taken
    for dead (jobs_recover), so a runner reports at least every few minutes (each chunk of an import)."""

    def __init__(self, job: Job):
        self.job = job
        self._written = 0.0

    def stage(self, text: str, *, total: int | None = None) -> None:
        self.job.stage = str(text)[:100]
        self.job.done = 0
        if total is not None:
            self.job.total = total
        self._write(force=True)

    def advance(self, n: int = 1) -> None:
        self.job.done += n
        self._write()

    def _write(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._written >= PROGRESS_EVERY:
            self._written = now
            _this_attempt(self.job).update(stage=self.job.stage, total=self.job.total, done=self.job.done,
                                           updated_at=timezone.now())


def job_start(*, actor, kind: str, title: str, params: dict | None = None, content: bytes | None = None,
              file_name: str = "", file_path: str = "", return_url: str = "") -> Job:
    """Write the job (and its file) and queue it for the worker once the caller's transaction commits."""
    if kind not in _runners:
        raise BadInput(_("Unknown kind of job “%(kind)s”.") % {"kind": kind})
    job = Job(kind=kind, actor=actor, title=str(title)[:200], params=params or {}, file_name=file_name[:200],
              return_url=return_url[:300])
    if content is not None:
        job.file_path = job_file_save(content)
    elif file_path:
        job.file_path = file_path
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id) -> None:
    from core.tasks import run_job_task

    run_job_task.enqueue(str(job_id))


def job_for(user, job_id) -> Job:
    """The job ``user`` started (no one else's: its result may name the people of their scope)."""
    try:
        job = Job.objects.get(pk=uuid.UUID(str(job_id)))
    except (ValueError, Job.DoesNotExist):
        raise NotFound(_("No such job.")) from None
    if job.actor_id != getattr(user, "pk", None):
        raise NotAllowed(_("This job was started by someone else."))
    return job


def run_job(job_id) -> str:
    """Run a queued job; a job already claimed (a task delivered twice) is left alone. Returns its state."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, attempts=F("attempts") + 1, updated_at=timezone.now())
    job = Job.objects.select_related("actor").get(pk=job_id)
    if not claimed:
        return job.state
    runner = _runners.get(job.kind)
    try:
        if runner is None:
            raise BadInput(_("Unknown kind of job “%(kind)s”.") % {"kind": job.kind})
        result = runner(job, Progress(job))
    except DomainError as exc:
        _finish(job, JobState.FAILED, error=str(exc.message))
    except Exception:  # the person sees that it failed; the log keeps the trace
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobState.FAILED, error=_("The job failed unexpectedly; the administrators can read why in "
                                              "the log."))
    else:
        _finish(job, JobState.DONE, result=result or {})
    return job.state


def _finish(job: Job, state: str, *, result: dict | None = None, error: str = "") -> None:
    """End the attempt ``job`` runs; an attempt taken over meanwhile (jobs_recover) writes nothing."""
    running = _this_attempt(job)
    job.state, job.error, job.finished_at = state, error, timezone.now()
    if result is not None:
        job.result = result
    if state == JobState.DONE and result:
        job.done = job.total
    ended = running.update(state=job.state, error=job.error, finished_at=job.finished_at, result=job.result,
                           done=job.done, updated_at=timezone.now())
    if ended and not (job.result or {}).get("next") and job.file_path:  # nothing will read the file again
        _job_file_delete(job.file_path)


def jobs_recover(*, now=None) -> dict:
    """Queue again the jobs whose worker is gone: running with no progress for JOB_STALE_MINUTES (the
    worker killed), or queued that long (the task lost with Redis, or never queued because the queue was
    down when the job was started). A job whose worker died JOB_MAX_ATTEMPTS times fails with a message
    saying so. Queuing a job that is only waiting its turn does no harm: a task delivered twice runs once
    (run_job). Returns how many jobs were restarted, given up and queued again."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.JOB_STALE_MINUTES)
    report = {"restarted": 0, "failed": 0, "requeued": 0}
    dead = Job.objects.filter(state=JobState.RUNNING, updated_at__lt=stale).only("pk", "attempts", "file_path")
    for job in dead[:1000]:
        gone = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts, updated_at__lt=stale)
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            error = _("The job stopped %(count)d times before it was done (the worker running it was "
                      "interrupted), so it was given up. Please start it again.") % {"count": job.attempts}
            if gone.update(state=JobState.FAILED, error=error, finished_at=now, updated_at=now):
                report["failed"] += 1
                logger.error("job %s given up after %d attempts", job.pk, job.attempts)
                if job.file_path:
                    _job_file_delete(job.file_path)
        elif gone.update(state=JobState.QUEUED, stage=_("Started again: the worker running it stopped"), done=0,
                         updated_at=now):
            report["restarted"] += 1
            logger.warning("job %s restarted: no progress since %s (attempt %d)", job.pk, stale, job.attempts)
            transaction.on_commit(lambda pk=job.pk: _enqueue(pk))
    waiting = Job.objects.filter(state=JobState.QUEUED, updated_at__lt=stale).only("pk", "updated_at")
    for job in waiting[:1000]:
        if Job.objects.filter(pk=job.pk, state=JobState.QUEUED, updated_at=job.updated_at).update(updated_at=now):
            report["requeued"] += 1
            transaction.on_commit(lambda pk=job.pk: _enqueue(pk))
    for recover in _recoverers:
        report.update(recover(now=now))
    return report


@transaction.atomic
def job_continue(*, actor, job: Job) -> Job:
    """Start the follow-up the finished ``job`` offers (an import after its dry run), once."""
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.actor_id != actor.pk:
        raise NotAllowed(_("This job was started by someone else."))
    following = (locked.result or {}).get("next")
    if locked.state != JobState.DONE or not following:
        raise BadInput(_("There is nothing to confirm here."))
    if following.get("job"):
        return Job.objects.get(pk=following["job"])
    if locked.file_path and not _job_file_exists(locked.file_path):
        raise BadInput(_("The checked file is no longer available. Please upload it again."))
    new = job_start(actor=actor, kind=following["kind"], title=following.get("title") or locked.title,
                    params=following.get("params") or {}, file_path=locked.file_path, file_name=locked.file_name,
                    return_url=locked.return_url)
    locked.result = {**locked.result, "next": {**following, "job": str(new.pk)}}
    locked.save(update_fields=["result", "updated_at"])
    return new


# --- the xlsx import, in the background -------------------------------------------------------------------

XLSX_IMPORT = "core.xlsx_import"
MAX_REPORTED_ERRORS = 1000


def xlsx_import_start(*, actor, importer_path: str, content: bytes, file_name: str, options: dict | None = None,
                      return_url: str = "", title: str = "") -> Job:
    """Queue the dry run of an import (``importer_path``: a core.xlsx.Importer subclass); its result
    offers the import itself when every row is valid."""
    return job_start(actor=actor, kind=XLSX_IMPORT, title=title or _("Check %(name)s") % {"name": file_name},
                     params={"importer": importer_path, "commit": False, "options": options or {}},
                     content=content, file_name=file_name, return_url=return_url)


def _xlsx_import(job: Job, progress: Progress) -> dict:
    importer_class = import_string(job.params["importer"])
    importer = importer_class(actor=job.actor, **(job.params.get("options") or {}))
    commit = bool(job.params.get("commit"))
    with job_file_open(job) as file:
        report = importer.run_chunked(file, commit=commit, progress=progress)
    errors = [{"row": e.row, "column": e.column, "message": e.message}
              for e in report.errors[:MAX_REPORTED_ERRORS]]
    result = {
        "kind": "xlsx_import",
        "rows": report.rows,
        "committed": report.committed,
        "error_count": len(report.errors) if report.errors_total is None else report.errors_total,
        "bad_rows": report.bad_rows,
        "errors": errors,
        "outcomes": [[str(importer.outcome_labels.get(key, key)), count]
                     for key, count in sorted(report.outcomes.items())],
    }
    if not commit and report.ok:
        result["next"] = {"kind": XLSX_IMPORT, "title": _("Import %(name)s") % {"name": job.file_name},
                          "params": {**job.params, "commit": True}}
    return result


register(XLSX_IMPORT, _xlsx_import)
