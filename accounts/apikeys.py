"""API keys of integrating organisations (Open311 clients, vendors' apps): issued and revoked by a
superuser in the admin, scoped to units (each with the units below it), presented as Open311's
``api_key`` or as ``Authorization: Bearer <key>`` on the native API. Only a SHA-256 hash of a key is
stored; the key is shown once, when it is issued.

Also the authenticators of the native API: a bearer credential is an API key (``msk_…``) or a
person's API token (``ms_…``, accounts.tokens), else the signed-in browser session. Each request is
counted against the rate limits (core.ratelimit) per address before anything else, so guessing keys
is limited too, and per key once the caller is known."""

import copy
import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from accounts import tokens
from accounts.models import ApiKey
from accounts.tokens import ApiTokenAuth
from core import ratelimit
from core.audit import audit_record
from core.errors import BadInput, NotAllowed
from orgs import scope_cache

KEY_PREFIX = "msk_"
# last_used_at is a hint for administrators; refreshed at most once per interval, not on every read.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- services ------------------------------------------------------------------------------------------

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
    public = secrets.token_hex(4)  # 8 hex characters: enough to tell keys apart in a list
    raw = f"{KEY_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    key = ApiKey.objects.create(organisation=organisation, prefix=f"{KEY_PREFIX}{public}", key_hash=_hash(raw),
                                may_create=may_create, may_read=may_read, created_by=actor)
    key.units.set(units)
    audit_record(actor=actor, verb="api_key.issue", target=key,
                 data={"units": [u.code for u in units], "may_create": may_create, "may_read": may_read})
    return key, raw


@transaction.atomic
def apikey_revoke(*, actor, key: ApiKey) -> ApiKey:
    """Revoke at once; idempotent. The row stays, for the audit trail."""
    if not getattr(actor, "is_superuser", False):
        raise NotAllowed(_("Only a superuser may revoke API keys."))
    if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        audit_record(actor=actor, verb="api_key.revoke", target=key)
        scope_cache.org_changed()  # every process forgets the keys it kept: refused from the next request
    key.refresh_from_db()
    return key


# --- selectors -----------------------------------------------------------------------------------------

# Keys a process has seen, by hash, kept like API tokens (accounts.tokens) under the version of
# who-may-do-what (orgs.scope_cache): issuing, revoking or re-scoping a key, or moving a unit,
# publishes a new one.
_kept = scope_cache.Kept(max_entries=10_000)


def _read_key(key_hash: str) -> ApiKey:
    key = ApiKey.objects.prefetch_related("units").get(key_hash=key_hash)
    key_unit_paths(key)  # the units, read once, kept with the key
    return key


def api_key_lookup(raw: str) -> ApiKey | None:
    """The key ``raw`` is, revoked or not, with its units; None when no key matches. Each call gets
    its own copy: what one request caches on it never reaches another."""
    raw = (raw or "").strip()
    if not raw:
        return None
    key_hash = _hash(raw)
    try:
        kept = _kept.get_or_read(key_hash, lambda: _read_key(key_hash))
    except ApiKey.DoesNotExist:
        return None
    key = copy.copy(kept)
    key.__dict__["_kept"] = kept
    return key


def _touch(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
        if (kept := key.__dict__.get("_kept")) is not None:
            kept.last_used_at = now


def authenticate_api_key(raw_key: str) -> ApiKey | None:
    """The active key ``raw_key`` is, or None (empty, unknown or revoked)."""
    key = api_key_lookup(raw_key)
    if key is None or key.revoked_at is not None:
        return None
    _touch(key)
    return key


def key_unit_paths(key: ApiKey) -> tuple[str, ...]:
    """The materialised paths of the key's units (each one covers its subtree)."""
    cached = key.__dict__.get("_unit_paths")
    if cached is None:
        cached = tuple(sorted(unit.path for unit in key.units.all()))
        key.__dict__["_unit_paths"] = cached
    return cached


def key_may_create_at(key: ApiKey, unit) -> bool:
    """Whether ``key`` may file an appeal about ``unit``: it is active, may create, and ``unit`` lies
    in one of its units' subtrees."""
    if key is None or unit is None or key.revoked_at is not None or not key.may_create:
        return False
    return any(unit.path.startswith(path) for path in key_unit_paths(key))


def key_read_q(key: ApiKey, *, place_field: str = "place") -> Q:
    """A filter for rows whose ``place_field`` (a Unit) lies in the units ``key`` may read."""
    q = Q(pk__in=[])  # matches nothing; the units below widen it
    if key is None or key.revoked_at is not None or not key.may_read:
        return q
    for path in key_unit_paths(key):
        q |= Q(**{f"{place_field}__path__startswith": path})
    return q


def key_may_read(key: ApiKey) -> Q:
    """key_read_q on an appeal's place (the name Open311's first draft called)."""
    return key_read_q(key)


# --- the native API's authenticators -----------------------------------------------------------------

def _limit(request, key=None) -> None:
    limited = ratelimit.check(request, key=key)
    if limited is not None:
        raise ratelimit.RateLimited(limited)


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <API key or API token>``. A bad credential is refused outright (401
    with the reason) rather than falling through to the session, so a misconfigured client learns
    what is wrong. The authenticated principal (``request.auth``) is the ApiKey for a key and the
    token's account for a token."""

    def __call__(self, request):
        _limit(request)  # per address, before the credential is even looked at
        header = request.headers.get(self.header, "")
        if not header:
            return None
        scheme, _sep, rest = header.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError(message=_("Use “Authorization: Bearer <key>”."))
        return self.authenticate(request, rest.strip())

    def authenticate(self, request, token):
        if token.startswith(KEY_PREFIX):
            key = api_key_lookup(token)
            if key is None:
                raise AuthenticationError(message=_("The API key is not valid."))
            if key.revoked_at is not None:
                raise AuthenticationError(message=_("The API key was revoked; ask an administrator for a new one."))
            _touch(key)
            request.api_key = key
            _limit(request, key)
            return key
        user = ApiTokenAuth().authenticate(request, token)
        _limit(request, request.api_token)
        return user


class SessionAuth(tokens.SessionAuth):
    """The signed-in browser (CSRF checked on writes), counted per account."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        _limit(request, user)
        return user


api_auth = [BearerAuth(), SessionAuth()]


def request_api_key(request) -> ApiKey | None:
    """The API key a native API request authenticated with, if any."""
    return getattr(request, "api_key", None)
