"""Over its limit, a client address or an API key gets 429 with Retry-After, as an Open311 error."""

import pytest

from appeals.models import Appeal
from open311.tests.helpers import BASE, FORMATS, errors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("within_one_window")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_reads_are_limited_per_address(client, settings, fmt):
    settings.API_RATE_LIMIT_PER_IP = 3
    for _ in range(3):
        assert client.get(f"{BASE}services.{fmt}").status_code == 200
    response = client.get(f"{BASE}requests.{fmt}")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert errors(response, fmt)[0][0] == 429
    # Another address is not affected.
    assert client.get(f"{BASE}services.{fmt}", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_guessing_keys_is_limited_too(client, cast, settings):
    settings.API_RATE_LIMIT_PER_IP = 2
    for attempt in range(2):
        assert client.post(f"{BASE}requests.json", {"api_key": f"guess-{attempt}"}).status_code == 403
    assert client.post(f"{BASE}requests.json", {"api_key": "guess-3"}).status_code == 429


def test_writes_are_limited_per_key(client, cast, keys, settings):
    settings.API_RATE_LIMIT_PER_KEY = 2
    raw, _key = keys.issue([cast.yuci])
    data = {"api_key": raw, "service_code": "complaint", "address_id": cast.community.code, "description": "坑"}
    assert [client.post(f"{BASE}requests.json", data, REMOTE_ADDR=f"10.0.0.{n}").status_code
            for n in range(3)] == [201, 201, 429]
    assert Appeal.objects.count() == 2
