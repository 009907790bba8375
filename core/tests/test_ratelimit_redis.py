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


def test_the_limit_holds_exactly_when_requests_arrive_at_once(on_redis, settings, within_one_window):
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


# --- the native API on Redis: one round trip per request, the same limits --------------------------

URL = "/api/v1/appeals/"


@pytest.fixture
def round_trips(monkeypatch):
    """How many times the Redis client sent something (a pipeline or a script is one)."""
    import redis.connection

    sent = []
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(command)
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


def test_an_api_request_with_a_known_token_takes_one_round_trip_and_keeps_its_limit(on_redis, cast, client,
                                                                                    settings, round_trips):
    from accounts.tokens import token_issue

    settings.API_RATE_LIMIT_PER_KEY = 3
    _token, raw = token_issue(actor=cast.root, user=cast.dispatcher, name="bridge")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(URL, REMOTE_ADDR="10.0.0.1", **auth).status_code == 200  # the token is read here
    round_trips.clear()
    assert client.get(URL, REMOTE_ADDR="10.0.0.2", **auth).status_code == 200
    # The address, the token and the org network's version in one script.
    assert len(round_trips) == 1
    codes = [client.get(URL, REMOTE_ADDR=f"10.0.0.{n}", **auth).status_code for n in (3, 4)]
    assert codes == [200, 429]  # the third request of the minute was the last allowed


def test_on_redis_guessed_credentials_are_limited_by_address(on_redis, cast, client, settings, english):
    settings.API_RATE_LIMIT_PER_IP = 2
    codes = [client.get(URL, HTTP_AUTHORIZATION=f"Bearer ms_guess{n}").status_code for n in range(3)]
    assert codes == [401, 401, 429]
    assert client.get(URL, REMOTE_ADDR="10.9.9.9", HTTP_AUTHORIZATION="Bearer ms_guess").status_code == 401


def test_on_redis_a_token_revoked_is_refused_at_its_next_request(on_redis, cast, client):
    from accounts.tokens import token_issue, token_revoke

    token, raw = token_issue(actor=cast.root, user=cast.dispatcher, name="bridge")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(URL, **auth).status_code == 200
    token_revoke(actor=cast.root, token=token)
    assert client.get(URL, **auth).status_code == 401


def test_on_redis_an_address_over_its_limit_does_not_count_the_key(on_redis, settings):
    settings.API_RATE_LIMIT_PER_IP = 1
    settings.API_RATE_LIMIT_PER_KEY = 2
    assert ratelimit.check(RequestFactory().get(URL, REMOTE_ADDR="10.0.2.1"), count_also="vendor") is None
    # Refused for its address: the key's second request of the minute is not used up by it.
    assert ratelimit.check(RequestFactory().get(URL, REMOTE_ADDR="10.0.2.1"), count_also="vendor").status_code == 429
    assert ratelimit.check(RequestFactory().get(URL, REMOTE_ADDR="10.0.2.2"), key="vendor") is None
    assert ratelimit.check(RequestFactory().get(URL, REMOTE_ADDR="10.0.2.3"), key="vendor").status_code == 429
