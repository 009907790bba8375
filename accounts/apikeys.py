"""API keys of integrating organisations (Open311 clients, vendors' apps): issued and revoked by a
superuser in the admin, scoped to units (each with the units below it), presented as Open311's
``api_key`` or as ``Authorization: Bearer <key>`` on the native API. Stored, kept and touched like
API tokens (accounts.credentials); the key is shown once, when it is issued.

What a key may reach is the scope rule's business: the key answers orgs.selectors with its own scope
(ApiKey.unit_scope), so ``appeals_visible_to(key)`` or ``can_reach_unit(key, unit,
purpose=Purpose.CREATE)`` need nothing from here."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.credentials import CredentialKind
from accounts.models import ApiKey
from core.errors import BadInput, NotAllowed

KEY_PREFIX = "msk_"


def _read(key_hash: str) -> ApiKey:
    key = ApiKey.objects.prefetch_related("units").get(key_hash=key_hash)
    key.unit_paths()  # the units, read once, kept with the key
    return key


# Kept like API tokens under the version of who-may-do-what (orgs.scope_cache): issuing, revoking or
# re-scoping a key, or moving a unit, publishes a new one.
KEYS = CredentialKind(ApiKey, prefix=KEY_PREFIX, verb="api_key", read=_read)


@transaction.atomic
def apikey_issue(*, actor, organisation: str, units: Iterable, may_create: bool = True,
                 may_read: bool = True) -> tuple[ApiKey, str]:
    """A new key for ``organisation`` scoped to ``units``; returns it with the clear key, never stored."""
    if not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may issue API keys."))
    organisation = (organisation or "").strip()[:200]
    units = list(units)
    if not organisation:
        raise BadInput(_("Name the organisation the key is for."))
    if not units:
        raise BadInput(_("Choose at least one unit the key may work in."))
    key, raw = KEYS.issue(actor=actor, organisation=organisation, may_create=may_create, may_read=may_read,
                          audit_data={"units": [u.code for u in units], "may_create": may_create,
                                      "may_read": may_read})
    key.units.set(units)
    return key, raw


@transaction.atomic
def apikey_revoke(*, actor, key: ApiKey) -> ApiKey:
    """Revoke at once; idempotent. The row stays, for the audit trail."""
    if not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may revoke API keys."))
    return KEYS.revoke(actor=actor, credential=key)


def api_key_lookup(raw: str) -> ApiKey | None:
    """The key ``raw`` is, revoked or not, with its units; None when no key matches. Each call gets
    its own copy: what one request caches on it never reaches another."""
    return KEYS.lookup(raw)


def authenticate_api_key(raw_key: str) -> ApiKey | None:
    """The active key ``raw_key`` is, or None (empty, unknown or revoked); its use is recorded."""
    key = KEYS.lookup(raw_key)
    if key is None or key.revoked_at is not None:
        return None
    KEYS.touch(key)
    return key
