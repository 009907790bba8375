"""API keys of integrating organisations: stored hashed, scoped to units (the scope rule asks the key),
revoked at once, and accepted by the native API's authenticator. Filing and reading with a key:
appeals/tests/test_api.py and test_api_keys.py; the admin: test_admin_credentials.py."""

import hashlib

import pytest

from accounts.apikeys import apikey_issue, apikey_revoke, authenticate_api_key
from accounts.models import ApiKey
from core.errors import NotAllowed
from core.models import AuditEvent
from orgs.selectors import Purpose, can_reach_unit

URL = "/api/v1/appeals/"


def issue(cast, *units, **flags):
    return apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=units or [cast.yuci], **flags)


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- the key itself ------------------------------------------------------------------------------------

def test_only_a_hash_of_the_key_is_stored(cast):
    key, raw = issue(cast)
    stored = ApiKey.objects.values().get(pk=key.pk)
    assert raw not in {str(value) for value in stored.values()}
    assert stored["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(stored["prefix"])  # the prefix tells keys apart in lists, and is not the key
    assert len(raw) > len(stored["prefix"]) + 30
    audit = AuditEvent.objects.get(verb="api_key.issue")
    assert raw not in str(audit.data) and raw not in audit.target_label


def test_an_issued_key_authenticates_and_records_its_use(cast):
    key, raw = issue(cast)
    assert authenticate_api_key(raw) == key
    assert authenticate_api_key(f"  {raw} ") == key
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
    assert authenticate_api_key(raw[:-1] + ("x" if raw[-1] != "x" else "y")) is None
    assert authenticate_api_key("") is None


def test_a_revoked_key_no_longer_authenticates(cast):
    key, raw = issue(cast)
    apikey_revoke(actor=cast.root, key=key)
    assert authenticate_api_key(raw) is None
    assert can_reach_unit(key, cast.community, purpose=Purpose.CREATE) is False
    assert AuditEvent.objects.filter(verb="api_key.revoke").count() == 1
    apikey_revoke(actor=cast.root, key=key)  # idempotent: no second audit row
    assert AuditEvent.objects.filter(verb="api_key.revoke").count() == 1


def test_only_a_superuser_issues_and_revokes_keys(cast):
    with pytest.raises(NotAllowed):
        apikey_issue(actor=cast.admin, organisation="X", units=[cast.yuci])
    key, _raw = issue(cast)
    with pytest.raises(NotAllowed):
        apikey_revoke(actor=cast.admin, key=key)
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None


def test_a_key_creates_only_in_its_units_and_below(cast):
    key, _raw = issue(cast)  # 榆次区

    def may_create(key, unit):
        return can_reach_unit(key, unit, purpose=Purpose.CREATE)

    assert may_create(key, cast.yuci) and may_create(key, cast.community)
    assert not may_create(key, cast.taigu)
    assert not may_create(key, cast.village)
    assert not may_create(key, cast.city)  # the parent is outside the subtree
    read_only, _raw = issue(cast, may_create=False)
    assert not may_create(read_only, cast.community)
    assert can_reach_unit(read_only, cast.community)  # it may still read there


# --- the native API's authenticator -------------------------------------------------------------------

def test_a_revoked_or_unknown_key_gets_401_with_the_reason(cast, client, english):
    key, raw = issue(cast)
    apikey_revoke(actor=cast.root, key=key)
    response = client.get(URL, **bearer(raw))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    response = client.get(URL, **bearer("msk_00000000_not-a-key"))
    assert response.status_code == 401 and "not valid" in response.json()["detail"]
