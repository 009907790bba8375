"""The API keys and rate limits of the platform as Open311 uses them: one place that knows their
interface, so the views stay about GeoReport.

The platform's per-organisation keys live in ``accounts.apikeys`` and its limits in
``core.ratelimit``. Until those modules exist, a minimal stand-in keeps Open311 usable and safe:
an existing API token (accounts.ApiToken, stored hashed, revoked in the admin) serves as the
``api_key``, its scope is the scope of the account it acts as, and a fixed-window counter in the
cache limits each key and each client address per minute (settings.API_RATE_LIMIT_PER_KEY/PER_IP).
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpResponse

from orgs.models import Unit


def _native():
    """accounts.apikeys and core.ratelimit once they exist, else None."""
    try:
        from accounts import apikeys
        from core import ratelimit
    except ImportError:
        return None
    return apikeys, ratelimit


# --- the stand-in ------------------------------------------------------------------------------------

@dataclass
class TokenKey:
    """An API token used as an Open311 api_key."""

    pk: int
    organisation: str
    user: object
    revoked: bool = False


def _token_key(raw: str) -> TokenKey | None:
    from ninja.errors import AuthenticationError

    from accounts.tokens import token_authenticate

    try:
        token = token_authenticate(raw)
    except AuthenticationError:
        return None
    return TokenKey(pk=token.pk, organisation=token.name, user=token.user)


def _over_limit(bucket: str, limit: int, window: int = 60) -> int:
    """Seconds until the window resets if ``bucket`` is over ``limit`` in it, else 0."""
    now = int(time.time())
    slot = now - now % window
    name = f"open311:rate:{bucket}:{slot}"
    cache.add(name, 0, timeout=window + 5)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window + 5)
        count = 1
    return (slot + window - now) if count > limit else 0


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# --- the interface the views use ----------------------------------------------------------------------

def authenticate(raw: str):
    """The active key ``raw`` is, or None (missing, unknown or revoked)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    native = _native()
    key = native[0].authenticate_api_key(raw) if native else _token_key(raw)
    if key is None or getattr(key, "revoked", False):
        return None
    return key


def may_create_at(key, unit: Unit) -> bool:
    native = _native()
    if native:
        return native[0].key_may_create_at(key, unit)
    from orgs.selectors import can_reach_unit

    return can_reach_unit(key.user, unit)


def read_scope(key) -> Q:
    """A filter on appeals: those whose place lies in the units ``key`` may read."""
    native = _native()
    if not native:
        from orgs.selectors import scope_for, scope_q

        return scope_q(scope_for(key.user), unit="place", departments_see_units=True)
    scope = native[0].key_may_read(key)
    if isinstance(scope, Q):
        return scope
    q = Q(pk__in=[])
    for unit in scope:
        q |= Q(place__path__startswith=unit.path)
    return q


def home_unit(key) -> Unit | None:
    """The one unit a key is scoped to, if it has exactly one: where its requests go when they say
    nothing more precise about the place."""
    if isinstance(key, TokenKey):
        from orgs.selectors import memberships_of

        units = [m.unit for m in memberships_of(key.user) if m.unit_id]
    else:
        units = list(key.units.all()) if hasattr(key, "units") else []
    return units[0] if len(units) == 1 else None


def organisation_name(key) -> str:
    return str(getattr(key, "organisation", "") or "")[:200]


def rate_limited(request, key=None) -> HttpResponse | None:
    """None, or a 429 response (with Retry-After) when the key or the client's address is over its
    limit."""
    native = _native()
    if native:
        from django.http import HttpResponse as Response

        try:
            result = native[1].check(request, key=key)
        except Exception as exc:  # a limiter that raises its refusal carries the response  # noqa: BLE001
            response = getattr(exc, "response", None)
            if isinstance(response, Response):
                return response
            raise
        return result if isinstance(result, Response) and result.status_code == 429 else None
    wait = _over_limit(f"ip:{_client_address(request)}", settings.API_RATE_LIMIT_PER_IP)
    if not wait and key is not None:
        wait = _over_limit(f"key:{key.pk}", settings.API_RATE_LIMIT_PER_KEY)
    if not wait:
        return None
    response = HttpResponse(status=429)
    response["Retry-After"] = str(wait)
    return response
