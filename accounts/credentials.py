"""The one implementation behind API tokens (accounts.tokens) and API keys (accounts.apikeys): a
secret is made, shown once and stored only as its SHA-256 hash, so a leaked database does not leak
working credentials; it is revoked at once and its row stays for the audit trail; each process keeps
the credentials it has seen under the version of who-may-do-what (orgs.scope_cache), and records
when each was last used.

Each kind is a ``CredentialKind``: its model (an accounts.models.Credential), its prefix and its
audit verbs. Who may issue or revoke, and what else a kind holds, stay with the kind's module."""

import copy
import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from orgs import scope_cache

# last_used_at is a hint for administrators, not an audit trail: writing it on every request would
# turn each read into a write, so it is refreshed at most once per interval.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class CredentialKind:
    """API tokens or API keys: issue, revoke, look up (kept per process) and touch."""

    def __init__(self, model, *, prefix: str, verb: str, read: Callable | None = None,
                 private: tuple[str, ...] = ()):
        self.model = model
        self.prefix = prefix  # "ms_" for a token, "msk_" for a key: the kind is told by the secret
        self.verb = verb  # audit verbs "<verb>.issue" and "<verb>.revoke"
        # How a row is read for a request, with what it needs (its user, its units), by its hash.
        self.read = read or (lambda key_hash: model.objects.get(key_hash=key_hash))
        # Related objects each request gets its own copy of (what it caches on them must not reach
        # the next request).
        self.private = private
        # Credentials this process has seen, by hash, tagged with the version of who-may-do-what: a
        # revocation, a change of a credential or of a user's access publishes a new version, and a
        # kept credential is used only under the version it was read with.
        self.kept = scope_cache.Kept(max_entries=10_000)

    def issue(self, *, actor, audit_data: dict | None = None, **fields):
        """A new credential with ``fields``, audited with ``audit_data``; returns it with the clear
        secret, which is never stored. The kind's service has checked that ``actor`` may issue."""
        public = secrets.token_hex(4)  # 8 hex characters: enough to tell credentials apart in a list
        raw = f"{self.prefix}{public}_{secrets.token_urlsafe(32)}"
        with transaction.atomic():
            credential = self.model.objects.create(prefix=f"{self.prefix}{public}", key_hash=hash_secret(raw),
                                                   created_by=actor, **fields)
            audit_record(actor=actor, verb=f"{self.verb}.issue", target=credential, data=audit_data or {})
        return credential, raw

    def revoke(self, *, actor, credential):
        """Revoke at once; idempotent (one audit row). The row stays, for the audit trail."""
        with transaction.atomic():
            if self.model.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
                audit_record(actor=actor, verb=f"{self.verb}.revoke", target=credential)
                scope_cache.org_changed()  # every process forgets what it kept: refused from the next request
        credential.refresh_from_db()
        return credential

    def lookup(self, raw: str):
        """The credential ``raw`` is, revoked or not, or None when none matches. Each call gets its
        own copy, so what one request caches on it or changes never reaches another."""
        raw = (raw or "").strip()
        if not raw:
            return None
        key_hash = hash_secret(raw)
        try:
            # get(), not first(): key_hash is unique, and first() would add an ORDER BY to build and run.
            kept = self.kept.get_or_read(key_hash, lambda: self.read(key_hash))
        except self.model.DoesNotExist:
            return None
        credential = copy.copy(kept)
        for name in self.private:
            setattr(credential, name, copy.copy(getattr(kept, name)))
        credential.__dict__["_kept"] = kept
        return credential

    def seen(self, raw: str):
        """The credential this process keeps for ``raw`` under whatever version, or None: who the
        caller probably is, before the version is known (lookup decides)."""
        entry = self.kept.entries.get(hash_secret((raw or "").strip()))
        return entry[2] if entry is not None else None

    def touch(self, credential) -> None:
        """Record the use, at most once per LAST_USED_RESOLUTION (here and on the kept copy)."""
        now = timezone.now()
        if credential.last_used_at is None or credential.last_used_at < now - LAST_USED_RESOLUTION:
            self.model.objects.filter(pk=credential.pk).update(last_used_at=now)
            credential.last_used_at = now
            if (kept := credential.__dict__.get("_kept")) is not None:
                kept.last_used_at = now
