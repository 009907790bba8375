"""Rate limits for the APIs (native and Open311): requests per minute per client address and per key.

Counters live in Django's cache (Redis when REDIS_URL is set, the database cache otherwise), one per
bucket and fixed one-minute window, created with ``cache.add`` and counted with ``cache.incr``, so
simultaneous requests on Redis never lose a count (on the database cache an increment is a read and
a write; a rare lost count under a burst is acceptable for a limit). If the cache itself fails, the
request is let through and the failure logged: an outage of the limiter must not become an outage
of the API.

``check(request, key=...)`` counts a request once per bucket however often it is called for the
same request, so an authenticator may check the address before it knows the key and again after.
On Redis, the address's and the key's counters (and any cache values the caller wants read with
them, ``read=``) take one round trip: a Lua script counts the key only when the address is within
its limit, as two checks in that order would."""

import logging
import math
import time
from functools import wraps

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


def _count(bucket: str, now: float, window: int = WINDOW) -> int:
    """Count one request in ``bucket``'s current window; the count so far (0 if the cache failed)."""
    slot = int(now // window)
    name = f"ratelimit:{bucket}:{slot}" if window == WINDOW else f"ratelimit:{bucket}:{window}s:{slot}"
    try:
        client = _redis()
        if client is not None:
            # One round trip, atomic (MULTI/EXEC): create the window's counter if new, then count.
            pipe = client.pipeline()
            pipe.set(cache.make_key(name), 0, ex=window + 5, nx=True)
            pipe.incr(cache.make_key(name))
            return int(pipe.execute()[1])
        cache.add(name, 0, timeout=window + 5)
        try:
            return cache.incr(name)
        except ValueError:  # expired or evicted between add and incr
            cache.add(name, 1, timeout=window + 5)
            return 1
    except Exception:  # noqa: BLE001 — a broken limiter lets traffic through rather than failing it
        log.exception("rate limit counter %s unavailable", name)
        return 0


# KEYS: the address's counter, the key's counter ('' for none), then cache entries to read.
# ARGV: the counters' lifetime, the address's limit. Returns the two counts (the key's -1 when it was
# not counted) and each entry read ('' when missing).
_COUNT_AND_READ = """
local address = redis.call('INCR', KEYS[1])
if address == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local key = -1
if KEYS[2] ~= '' and address <= tonumber(ARGV[2]) then
  key = redis.call('INCR', KEYS[2])
  if key == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
end
local answer = {address, key}
for i = 3, #KEYS do answer[#answer + 1] = redis.call('GET', KEYS[i]) or '' end
return answer
"""
_script = None  # registered once; each call runs it on the client it is given


def _count_and_read(client, address: str, key: str | None, limit: int, read: tuple[str, ...], now: float):
    """One round trip on Redis: (the address's count, the key's count or None, {name: value read})."""
    slot = int(now // WINDOW)
    global _script
    if _script is None:
        _script = client.register_script(_COUNT_AND_READ)
    keys = [cache.make_key(f"ratelimit:{address}:{slot}"), cache.make_key(f"ratelimit:{key}:{slot}") if key else "",
            *(cache.make_key(name) for name in read)]
    answer = _script(keys=keys, args=[WINDOW + 5, limit], client=client)
    loads = caches["default"]._cache._serializer.loads
    values = {name: loads(raw) for name, raw in zip(read, answer[2:], strict=True) if raw != b""}
    return int(answer[0]), (int(answer[1]) if int(answer[1]) >= 0 else None), values


def _until_window_ends(now: float, window: int) -> int:
    return max(1, math.ceil(window - now % window))


def _wait(bucket: str, limit: int, request, window: int = WINDOW) -> int:
    """Seconds until ``bucket`` may be used again (0 when within ``limit``); counted once per request."""
    seen = request.__dict__.setdefault("_ratelimit_seen", {})
    if bucket not in seen:
        now = time.time()
        count = _count(bucket, now, window)
        seen[bucket] = _until_window_ends(now, window) if count > limit else 0
    return seen[bucket]


# --- limits on events rather than requests (sign-in codes sent, guesses), and locks ----------------------

def hit(bucket: str, *, limit: int, window: int) -> int:
    """Count one event in ``bucket`` (fixed windows of ``window`` seconds): the seconds until the window
    ends when this event is over ``limit``, else 0."""
    now = time.time()
    return _until_window_ends(now, window) if _count(bucket, now, window) > limit else 0


def count(bucket: str, *, window: int) -> int:
    """Count one event in ``bucket``; how many there were in this window, this one included."""
    return _count(bucket, time.time(), window)


def lock(bucket: str, seconds: int) -> None:
    """Refuse ``bucket`` for ``seconds`` (``locked_for`` says how long is left)."""
    try:
        cache.set(f"ratelimit-lock:{bucket}", time.time() + seconds, timeout=seconds)
    except Exception:  # noqa: BLE001 — as for counters: the limiter's outage is not the service's
        log.exception("rate limit lock %s unavailable", bucket)


def locked_for(bucket: str) -> int:
    """Seconds left of a lock on ``bucket``; 0 when there is none."""
    try:
        until = cache.get(f"ratelimit-lock:{bucket}")
    except Exception:  # noqa: BLE001
        log.exception("rate limit lock %s unavailable", bucket)
        return 0
    return max(0, math.ceil(until - time.time())) if until else 0


def unlock(bucket: str) -> None:
    try:
        cache.delete(f"ratelimit-lock:{bucket}")
    except Exception:  # noqa: BLE001
        log.exception("rate limit lock %s unavailable", bucket)


def limit_page(name: str, limit, window: int = WINDOW):
    """A public page limited per client address to ``limit()`` requests a window (a callable, so that
    the setting is read at request time); over it, the site's error page with 429 and Retry-After."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            count_limit = limit()
            wait = _wait(f"{name}:ip:{client_address(request)}", count_limit, request, window)
            if wait:
                from django.shortcuts import render

                message = _("Too many look-ups from your address: at most %(limit)s a minute. Try again in "
                            "%(seconds)s seconds.") % {"limit": count_limit, "seconds": wait}
                response = render(request, "core/error.html", {"status": 429, "message": message, "details": []},
                                  status=429)
                response["Retry-After"] = str(wait)
                response["Cache-Control"] = "no-store"
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


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


def check(request, *, key=None, read: tuple[str, ...] = (), count_also=None) -> HttpResponse | None:
    """A 429 response when the client's address (settings.API_RATE_LIMIT_PER_IP a minute) or ``key``
    (settings.API_RATE_LIMIT_PER_KEY a minute) is over its limit, else None.

    ``read``: cache entries the caller needs next (the org network's version), read in the same
    round trip on Redis and left in ``request._ratelimit_read`` (only those found; nothing on the
    database cache or when the cache failed). ``count_also``: a key to count in that round trip too
    (while the address is within its limit), whose limit applies when ``check`` is called with it as
    ``key``: an authenticator counts the credential it expects before it has checked it."""
    limit = settings.API_RATE_LIMIT_PER_IP
    seen = request.__dict__.setdefault("_ratelimit_seen", {})
    address = f"ip:{client_address(request)}"
    if address not in seen:
        try:
            client = _redis()
        except Exception:  # noqa: BLE001 - as _count: the limiter's outage is not the API's
            log.exception("rate limit counters unavailable")
            client = None
        if client is not None:
            also = key if key is not None else count_also
            bucket = f"key:{key_identity(also)}" if also is not None else None
            now = time.time()
            try:
                counted, key_count, values = _count_and_read(client, address, bucket, limit, read, now)
            except Exception:  # noqa: BLE001
                log.exception("rate limit counters %s unavailable", address)
                counted, key_count, values = 0, 0, {}
            request._ratelimit_read = values
            seen[address] = _until_window_ends(now, WINDOW) if counted > limit else 0
            if bucket is not None and key_count is not None:
                seen[bucket] = _until_window_ends(now, WINDOW) if key_count > settings.API_RATE_LIMIT_PER_KEY else 0
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
