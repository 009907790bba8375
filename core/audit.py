"""The audit trail: the one function that writes it, the readable label of each verb, and who may
read which rows.

Core knows no app above it, so the apps fill in the rest at start-up: each may have an ``audit``
module (found by ``CoreConfig.ready`` as the admin finds ``admin`` modules) that calls
``register_verbs`` with labels for the verbs it writes, and one of them (orgs, which owns the scope
rule) calls ``set_audit_scope``. A verb nobody labelled shows as itself, so nothing is hidden.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AuditChain, AuditEvent

_labels: dict[str, object] = {}
# (user) -> a queryset of the AuditEvent rows the user may read, or None when they may read none.
_scope: Callable[[object], QuerySet | None] | None = None


def audit_record(*, actor, verb: str, target, data: dict | None = None, label: str | None = None) -> AuditEvent:
    """Append a row. ``label`` replaces ``str(target)`` where that would copy personal data (an
    appeal's title may hold a phone number) into the trail."""
    target_label = label if label is not None else (str(target) if target is not None else "")
    person = actor if getattr(actor, "pk", None) else None
    event = AuditEvent(
        created_at=timezone.now(),
        actor=person,
        actor_ref=f"{person.pk}:{person.get_username()}"[:200] if person is not None else "",
        verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=target_label[:200],
        # As the JSON column gives it back, so that the hash computed now is the one a check recomputes.
        data=json.loads(json.dumps(data or {}, default=str)),
    )
    with transaction.atomic():  # appends are serialised on the chain's row (SQLite serialises writers)
        chain = _chain_locked()
        event.prev_hash = chain.head_hash
        event.hash = event_hash(event)
        event.save(force_insert=True)
        chain.head_hash = event.hash
        chain.save(update_fields=["head_hash"])
    return event


def audit_record_many(*, actor, entries: list[tuple[str, object, dict | None, str | None]]) -> int:
    """Append one row per (verb, target, data, label), in that order, as ``audit_record`` would one by one:
    the same rows and the same chain, the chain's row locked once and the rows inserted together (an import
    of 100,000 people writes a few hundred thousand). Targets must be saved (their pk is recorded)."""
    if not entries:
        return 0
    person = actor if getattr(actor, "pk", None) else None
    actor_ref = f"{person.pk}:{person.get_username()}"[:200] if person is not None else ""
    now = timezone.now()
    events = [AuditEvent(
        created_at=now, actor=person, actor_ref=actor_ref, verb=verb,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(label if label is not None else (str(target) if target is not None else ""))[:200],
        data=json.loads(json.dumps(data or {}, default=str)),
    ) for verb, target, data, label in entries]
    with transaction.atomic():
        chain = _chain_locked()
        head = chain.head_hash
        for event in events:
            event.prev_hash = head
            event.hash = head = event_hash(event)
        AuditEvent.objects.bulk_create(events, batch_size=500)
        chain.head_hash = head
        chain.save(update_fields=["head_hash"])
    return len(events)


# --- the hash chain -------------------------------------------------------------------------------
# Each row carries the previous row's hash and a hash over that and its own content, so a row changed,
# deleted or inserted in the database afterwards breaks the chain where it happened; the chain's row
# holds the newest hash (the last rows removed are noticed too). ``manage.py audit_verify`` walks it;
# ``manage.py audit_purge`` removes rows past the retention period and moves the chain's anchor.

def event_hash(event: AuditEvent) -> str:
    content = json.dumps([
        event.prev_hash, event.created_at.astimezone(UTC).isoformat(), event.actor_ref, event.verb,
        event.target_type, event.target_id, event.target_label, event.data,
    ], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def _chain_locked() -> AuditChain:
    chain = AuditChain.objects.select_for_update().filter(pk=1).first()
    if chain is None:
        AuditChain.objects.get_or_create(pk=1)
        chain = AuditChain.objects.select_for_update().get(pk=1)
    return chain


@dataclass
class ChainCheck:
    rows: int
    problems: list[str]


def chain_verify(*, chunk: int = 2000) -> ChainCheck:
    """Walk the trail oldest first and recompute every link."""
    chain = AuditChain.objects.filter(pk=1).first() or AuditChain()
    expected_prev = chain.anchor_hash
    problems: list[str] = []
    rows = 0
    last_id = 0
    last_hash = chain.anchor_hash
    while True:
        batch = list(AuditEvent.objects.filter(pk__gt=last_id).order_by("pk")[:chunk])
        if not batch:
            break
        for event in batch:
            rows += 1
            if event.prev_hash != expected_prev:
                problems.append(f"before #{event.pk} ({event.created_at:%Y-%m-%d %H:%M}): a row was removed or inserted")
            if event_hash(event) != event.hash:
                problems.append(f"#{event.pk} ({event.created_at:%Y-%m-%d %H:%M} {event.verb}): changed after it was written")
            expected_prev = event.hash
            last_hash = event.hash
        last_id = batch[-1].pk
    if last_hash != chain.head_hash:
        problems.append("the newest rows were removed (the trail ends before the last hash written)")
    return ChainCheck(rows=rows, problems=problems)


def chain_purge(*, before) -> int:
    """Delete the trail up to its newest row written before ``before`` (the retention period's start: rows
    are removed as a prefix, in the order they were chained), keeping the chain
    checkable from the first kept row, and record the purge in the trail itself."""
    with transaction.atomic():
        chain = _chain_locked()
        old = AuditEvent.objects.filter(created_at__lt=before)
        last = old.order_by("-pk").first()
        if last is None:
            return 0
        count = AuditEvent.objects.filter(pk__lte=last.pk).count()
        AuditEvent.objects.filter(pk__lte=last.pk).delete()
        chain.anchor_hash, chain.purged_before = last.hash, before
        chain.save(update_fields=["anchor_hash", "purged_before"])
    audit_record(actor=None, verb="audit.purge", target=None,
                 data={"rows": count, "before": before.isoformat()})
    return count


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
    "audit.purge": _("Audit rows past the retention period removed"),
})
