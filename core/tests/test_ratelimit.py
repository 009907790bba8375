"""Rate limits: over its limit a client address or a key gets 429 with Retry-After and a clear
message; another address or key is not affected; a new minute starts afresh; every API request
counts, those with bad credentials too."""

import json

import pytest
import time_machine
from django.test import RequestFactory

from accounts.apikeys import apikey_issue
from accounts.tokens import token_issue
from core import ratelimit

pytestmark = pytest.mark.usefixtures("within_one_window")  # the tests that do not freeze the clock themselves

URL = "/api/v1/appeals/"
NOON = "2026-11-23 12:00:05+08:00"


def api_request(address="10.0.0.1", path=URL):
    return RequestFactory().get(path, REMOTE_ADDR=address)


class Key:
    """Stands in for an ApiKey in the unit tests: only its identity matters."""

    def __init__(self, pk):
        self.pk = pk


@time_machine.travel(NOON, tick=False)
def test_an_address_over_its_limit_gets_429_with_retry_after(settings, english):
    settings.API_RATE_LIMIT_PER_IP = 3
    assert [ratelimit.check(api_request()) for _ in range(3)] == [None, None, None]
    response = ratelimit.check(api_request())
    assert response.status_code == 429
    assert response["Retry-After"] == "55"  # the rest of the minute
    body = json.loads(response.content)
    assert body["retry_after"] == 55 and "at most 3 a minute" in body["detail"]
    assert ratelimit.check(api_request("10.0.0.2")) is None  # another address is not affected


def test_a_key_over_its_limit_gets_429_from_any_address(settings, english):
    settings.API_RATE_LIMIT_PER_KEY = 2
    key, other = Key(1), Key(2)
    assert ratelimit.check(api_request("10.0.0.1"), key=key) is None
    assert ratelimit.check(api_request("10.0.0.2"), key=key) is None
    response = ratelimit.check(api_request("10.0.0.3"), key=key)
    assert response.status_code == 429 and "with this key" in json.loads(response.content)["detail"]
    assert 0 < int(response["Retry-After"]) <= 60
    assert ratelimit.check(api_request("10.0.0.4"), key=other) is None


def test_a_new_minute_starts_afresh(settings):
    settings.API_RATE_LIMIT_PER_IP = 1
    with time_machine.travel(NOON, tick=False) as clock:
        assert ratelimit.check(api_request()) is None
        assert ratelimit.check(api_request()).status_code == 429
        clock.shift(60)
        assert ratelimit.check(api_request()) is None


def test_a_request_is_counted_once_however_often_it_is_checked(settings):
    settings.API_RATE_LIMIT_PER_IP = 2
    request = api_request()
    assert ratelimit.check(request) is None
    assert ratelimit.check(request, key=Key(1)) is None  # the authenticator checks again with the key
    assert ratelimit.check(api_request()) is None
    assert ratelimit.check(api_request()).status_code == 429


def test_outside_the_api_the_answer_is_plain_text(settings):
    settings.API_RATE_LIMIT_PER_IP = 1
    ratelimit.check(api_request(path="/open311/v2/requests.xml"))
    response = ratelimit.check(api_request(path="/open311/v2/requests.xml"))
    assert response.status_code == 429 and response["Content-Type"].startswith("text/plain")
    assert response.retry_after == int(response["Retry-After"]) and response.rate_limit_message


def test_a_broken_cache_lets_requests_through(settings, monkeypatch):
    settings.API_RATE_LIMIT_PER_IP = 1

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit.cache, "add", broken)
    assert ratelimit.check(api_request()) is None
    assert ratelimit.check(api_request()) is None


# --- on the native API ---------------------------------------------------------------------------

def test_the_api_limits_each_address_even_with_bad_credentials(cast, client, settings, english):
    settings.API_RATE_LIMIT_PER_IP = 2
    for attempt in range(2):
        response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer msk_guess{attempt}")
        assert response.status_code == 401
    response = client.get(URL, HTTP_AUTHORIZATION="Bearer msk_guess3")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60 and "your address" in response.json()["detail"]
    assert client.get("/api/v1/openapi.json").status_code == 429  # the document counts too
    assert client.get(URL, REMOTE_ADDR="10.9.9.9").status_code == 401


def test_the_api_limits_each_key_across_addresses(cast, client, settings):
    settings.API_RATE_LIMIT_PER_KEY = 2
    _key, raw = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    codes = [client.get(URL, REMOTE_ADDR=f"10.0.0.{n}", **auth).status_code for n in range(3)]
    assert codes == [200, 200, 429]
    _key, other = apikey_issue(actor=cast.root, organisation="Another", units=[cast.yuci])
    assert client.get(URL, REMOTE_ADDR="10.0.0.9", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 200


def test_the_api_limits_each_person_token_and_declares_429(cast, client, settings):
    settings.API_RATE_LIMIT_PER_KEY = 1
    _token, raw = token_issue(actor=cast.root, user=cast.dispatcher, name="bridge")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(URL, REMOTE_ADDR="10.0.0.1", **auth).status_code == 200
    limited = client.get(URL, REMOTE_ADDR="10.0.0.2", **auth)
    assert limited.status_code == 429 and limited.json()["retry_after"] == int(limited["Retry-After"])
    schema = client.get("/api/v1/openapi.json").json()
    for item in schema["paths"].values():
        for operation in item.values():
            assert {"401", "429"} <= set(operation["responses"])
            assert "Retry-After" in operation["responses"]["429"]["headers"]
