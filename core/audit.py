"""The one function that writes the audit trail."""

from core.models import AuditEvent


def audit_record(*, actor, verb: str, target, data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        data=data or {},
    )
