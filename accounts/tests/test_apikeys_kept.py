"""Each process keeps the API keys it has seen (accounts.apikeys); revoking or re-scoping a key, here
or in another process, applies to the very next request."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.apikeys import apikey_issue, apikey_revoke
from accounts.models import ApiKey
from orgs import scope_cache

UNITS = "/api/v1/orgs/units"


def get(client, clear):
    return client.get(UNITS, HTTP_AUTHORIZATION=f"Bearer {clear}")


def key_queries(queries):
    return [q["sql"] for q in queries if 'FROM "accounts_apikey"' in q["sql"]]


def test_a_kept_key_is_refused_once_revoked(cast, client):
    key, clear = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci])
    assert get(client, clear).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert get(client, clear).status_code == 200
    assert key_queries(queries) == []  # kept from the first request
    apikey_revoke(actor=cast.root, key=key)
    assert get(client, clear).status_code == 401


def test_a_key_revoked_by_another_process_is_refused(cast, client):
    key, clear = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci])
    assert get(client, clear).status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    cache.set(scope_cache.VERSION_KEY, "from-another-process", timeout=None)
    assert get(client, clear).status_code == 401


def test_new_units_of_a_kept_key_apply_at_once(cast, client):
    key, clear = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci])
    assert cast.taigu.code not in {u["code"] for u in get(client, clear).json()}
    key.units.add(cast.taigu)
    assert cast.taigu.code in {u["code"] for u in get(client, clear).json()}
