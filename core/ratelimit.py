"""Rate limits for the APIs (native and Open311): requests per minute per client address and per key.

Counters live in Django's cache (Redis when REDIS_URL is set, the database cache otherwise), one per
bucket and fixed one-minute window, created with ``cache.add`` and counted with ``cache.incr``, so
simultaneous requests on Redis never lose a count (on the database cache an increment is a read and
a write; a rare lost count under a burst is acceptable for a limit). If the cache itself fails, the
request is let through and the failure logged: an outage of the limiter must not become an outage
of the API.

``check(request, key=...)`` counts a request once per bucket however often it is called for the
same request, so an authenticator may check the address before it knows the key and again after."""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

WINDOW = 60  # seconds; the settings are "per minute"


class RateLimited(Exception):
    """Raised where returning is not possible (an authenticator); carries the 429 response."""

    def __init__(self, response: HttpResponse):
        super().__init__(getattr(response, "rate_limit_message", "Too many requests."))
        self.response = response


def client_address(request) -> str:
    """The caller's address as the server saw it. Behind a reverse proxy, the proxy must set
    REMOTE_ADDR to the real client (e.g. gunicorn's --forwarded-allow-ips)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def key_identity(key) -> str:
    """A stable bucket name for whatever identifies the caller: an ApiKey, an ApiToken, a user."""
    meta = getattr(key, "_meta", None)
    kind = meta.label_lower if meta is not None else type(key).__name__.lower()
    return f"{kind}:{getattr(key, 'pk', key)}"


def _redis():
    """The Redis client behind the default cache, or None when the cache is not Redis."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    return backend._cache.get_client(write=True)  # one shared client with core.cache.RedisCache


def _count(bucket: str, now: float) -> int:
    """Count one request in ``bucket``'s current window; the count so far (0 if the cache failed)."""
    slot = int(now // WINDOW)
    name = f"ratelimit:{bucket}:{slot}"
    try:
        client = _redis()
        if client is not None:
            # One round trip, atomic (MULTI/EXEC): create the window's counter if new, then count.
            pipe = client.pipeline()
            pipe.set(cache.make_key(name), 0, ex=WINDOW + 5, nx=True)
            pipe.incr(cache.make_key(name))
            return int(pipe.execute()[1])
        cache.add(name, 0, timeout=WINDOW + 5)
        try:
            return cache.incr(name)
        except ValueError:  # expired or evicted between add and incr
            cache.add(name, 1, timeout=WINDOW + 5)
            return 1
    except Exception:  # noqa: BLE001 — a broken limiter lets traffic through rather than failing it
        log.exception("rate limit counter %s unavailable", name)
        return 0


def _wait(bucket: str, limit: int, request) -> int:
    """Seconds until ``bucket`` may be used again (0 when within ``limit``); counted once per request."""
    seen = request.__dict__.setdefault("_ratelimit_seen", {})
    if bucket not in seen:
        now = time.time()
        count = _count(bucket, now)
        seen[bucket] = max(1, math.ceil(WINDOW - now % WINDOW)) if count > limit else 0
    return seen[bucket]


def _wants_json(request) -> bool:
    path = request.path
    if path.startswith("/api/") or path.endswith(".json"):
        return True
    return "json" in request.headers.get("Accept", "")


def too_many(request, *, wait: int, message: str) -> HttpResponse:
    """The 429 answer. ``retry_after`` and ``rate_limit_message`` are kept on the response so a
    caller with its own error format (Open311) can render it again."""
    if _wants_json(request):
        response = JsonResponse({"detail": message, "retry_after": wait}, status=429,
                                json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "no-store"
    response.retry_after = wait
    response.rate_limit_message = message
    return response


def check(request, *, key=None) -> HttpResponse | None:
    """A 429 response when the client's address (settings.API_RATE_LIMIT_PER_IP a minute) or ``key``
    (settings.API_RATE_LIMIT_PER_KEY a minute) is over its limit, else None."""
    limit = settings.API_RATE_LIMIT_PER_IP
    wait = _wait(f"ip:{client_address(request)}", limit, request)
    if wait:
        return too_many(request, wait=wait, message=_(
            "Too many requests from your address: at most %(limit)s a minute. Try again in %(seconds)s seconds.")
            % {"limit": limit, "seconds": wait})
    if key is None:
        return None
    limit = settings.API_RATE_LIMIT_PER_KEY
    wait = _wait(f"key:{key_identity(key)}", limit, request)
    if wait:
        return too_many(request, wait=wait, message=_(
            "Too many requests with this key: at most %(limit)s a minute. Try again in %(seconds)s seconds.")
            % {"limit": limit, "seconds": wait})
    return None
