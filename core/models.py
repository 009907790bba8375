"""What every app shares: the audit trail of who changed or looked at what."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """An append-only record of a change or a sensitive read (for example unmasking a phone number).

    Services write these in the same transaction as the change they record.
    """

    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verb = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64)
    target_id = models.CharField(_("target id"), max_length=64)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The hash chain (core/audit.py): who acted as written at the time (the actor column is cleared when
    # an account is deleted), the previous row's hash, and this row's hash over both and its content.
    actor_ref = models.CharField(max_length=200, blank=True, default="", editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_label}"


class AuditChain(models.Model):
    """One row: the audit trail's last hash (so removing the newest rows is noticed) and the hash the
    oldest kept row follows (moved forward only by ``manage.py audit_purge``, which records it)."""

    head_hash = models.CharField(max_length=64, blank=True, default="")
    anchor_hash = models.CharField(max_length=64, blank=True, default="")
    purged_before = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain")
        verbose_name_plural = _("audit chain")

    def __str__(self):
        return self.head_hash[:12]
class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """Long work a person started from a page (an import of 100,000 rows, say), run by the task worker
    (core.jobs). The page that started it shows its progress and, when it is done, its result."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.CASCADE,
                              related_name="+")
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=8, choices=JobState.choices, default=JobState.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # A file the job reads (an uploaded workbook): its name in the media storage (core.jobs.job_file_save);
    # removed when done with.
    file_path = models.CharField(max_length=300, blank=True)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    stage = models.CharField(_("stage"), max_length=100, blank=True)
    # How many times a worker took the job: a worker that dies mid-job (killed, its machine lost) leaves it
    # running without progress; core.jobs.jobs_recover queues it again, up to JOB_MAX_ATTEMPTS times.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Where the person goes back to when the job is over (the page that started it).
    return_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["actor", "-created_at"], name="core_job_actor"),
            # What the recovery sweep reads every few minutes: the jobs not over, by when they last moved.
            models.Index(fields=["updated_at"], name="core_job_waiting",
                         condition=models.Q(state__in=["queued", "running"])),
        ]

    def __str__(self):
        return self.title

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(99, int(100 * self.done / self.total)) if self.total else 0

    @property
    def is_over(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
