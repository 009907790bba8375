"""The rate limits and the org network version on Redis, as deployed with REDIS_URL: shared by every
worker process, and counts never lost when requests arrive at the same moment. Needs the Redis server this machine runs (database 15,
which the test empties); without one the test is skipped and says why."""

import os
import threading

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from core import ratelimit

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def on_redis(settings):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache",
                                   "LOCATION": REDIS_URL}}
    cache.clear()
    yield
    cache.clear()


def test_the_limit_holds_exactly_when_requests_arrive_at_once(on_redis, settings):
    settings.API_RATE_LIMIT_PER_IP = 1000
    settings.API_RATE_LIMIT_PER_KEY = 40
    results, start = [], threading.Barrier(20)

    def client(n):
        start.wait()
        for _ in range(3):
            request = RequestFactory().get("/api/v1/appeals/", REMOTE_ADDR=f"10.0.1.{n}")
            results.append(ratelimit.check(request, key="vendor"))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [r for r in results if r is not None]
    # 60 requests with one key from 20 addresses at once: exactly 40 pass, whichever they are.
    assert len(results) == 60 and len(refused) == 20
    assert {r.status_code for r in refused} == {429}
    assert all(0 < int(r["Retry-After"]) <= 60 for r in refused)


def test_the_org_network_version_is_shared_through_redis(on_redis, db):
    # What every process compares its kept memberships with (orgs.scope_cache).
    from orgs import scope_cache

    first = scope_cache.network_version()
    assert first and scope_cache.network_version() == first
    scope_cache.org_changed()
    assert scope_cache.network_version() not in (None, first)
