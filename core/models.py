"""What every app shares: the audit trail of who changed or looked at what."""

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
