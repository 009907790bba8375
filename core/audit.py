"""The audit trail: the one function that writes it, the readable label of each verb, and who may
read which rows.

Core knows no app above it, so the apps fill in the rest at start-up: each may have an ``audit``
module (found by ``CoreConfig.ready`` as the admin finds ``admin`` modules) that calls
``register_verbs`` with labels for the verbs it writes, and one of them (orgs, which owns the scope
rule) calls ``set_audit_scope``. A verb nobody labelled shows as itself, so nothing is hidden.
"""

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.models import AuditEvent

_labels: dict[str, object] = {}
# (user) -> a queryset of the AuditEvent rows the user may read, or None when they may read none.
_scope: Callable[[object], QuerySet | None] | None = None


def audit_record(*, actor, verb: str, target, data: dict | None = None, label: str | None = None) -> AuditEvent:
    """Append a row. ``label`` replaces ``str(target)`` where that would copy personal data (an
    appeal's title may hold a phone number) into the trail."""
    target_label = label if label is not None else (str(target) if target is not None else "")
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label[:200],
        data=data or {},
    )


def register_verbs(labels: dict[str, object]) -> None:
    """Readable labels (lazy translations) for an app's verbs, e.g. {"unit.create": _("Unit created")}."""
    _labels.update(labels)


def verb_label(verb: str) -> str:
    label = _labels.get(verb)
    return str(label) if label is not None else verb


def registered_verbs() -> dict[str, object]:
    return dict(_labels)


def set_audit_scope(scope: Callable[[object], QuerySet | None]) -> None:
    global _scope
    _scope = scope


def audit_events_visible_to(user) -> QuerySet | None:
    """The rows ``user`` may read; None when the audit trail is closed to them. Without a scope
    plugged in, only superusers read it."""
    if not getattr(user, "is_active", False):
        return None
    if _scope is not None:
        return _scope(user)
    return AuditEvent.objects.all() if user.is_superuser else None


register_verbs({
    "personal_data.rekey": _("Personal data re-encrypted and re-indexed under the current keys"),
})
