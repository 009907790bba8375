"""API keys of integrating organisations: stored hashed, scoped to units, revoked at once, issued in
the admin and shown once, and accepted by the native API."""

import hashlib

import pytest

from accounts.apikeys import (
    apikey_issue,
    apikey_revoke,
    authenticate_api_key,
    key_may_create_at,
    key_read_q,
)
from accounts.models import ApiKey
from appeals.models import Appeal
from conftest import new_appeal
from core.errors import NotAllowed
from core.models import AuditEvent

URL = "/api/v1/appeals/"
BODY = {"type": "complaint", "title": "路灯不亮", "description": "顺城街东口三盏路灯连续一周不亮。",
        "place_code": "140702001001"}


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
    assert key_may_create_at(key, cast.community) is False
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
    assert key_may_create_at(key, cast.yuci) and key_may_create_at(key, cast.community)
    assert not key_may_create_at(key, cast.taigu)
    assert not key_may_create_at(key, cast.village)
    assert not key_may_create_at(key, cast.city)  # the parent is outside the subtree
    read_only, _raw = issue(cast, may_create=False)
    assert not key_may_create_at(read_only, cast.community)


def test_a_key_reads_only_appeals_placed_in_its_units(cast):
    inside = new_appeal(cast, place=cast.community)
    new_appeal(cast, place=cast.village)  # 太谷区
    key, _raw = issue(cast)
    assert list(Appeal.objects.filter(key_read_q(key))) == [inside]
    both, _raw = issue(cast, cast.yuci, cast.taigu)
    assert Appeal.objects.filter(key_read_q(both)).count() == 2
    write_only, _raw = issue(cast, may_read=False)
    assert not Appeal.objects.filter(key_read_q(write_only)).exists()


# --- the native API ----------------------------------------------------------------------------------

def test_the_api_accepts_a_key_and_files_in_scope_with_no_person_as_actor(cast, client):
    _key, raw = issue(cast)
    response = client.post(URL, BODY, content_type="application/json", **bearer(raw))
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(code=response.json()["code"])
    assert appeal.place == cast.community and appeal.created_by is None and appeal.resident is None
    assert client.get(f"{URL}{appeal.code}", **bearer(raw)).status_code == 200


def test_the_api_refuses_a_key_outside_its_scope_with_403(cast, client):
    _key, raw = issue(cast)
    response = client.post(URL, BODY | {"place_code": cast.village.code}, content_type="application/json",
                           **bearer(raw))
    assert response.status_code == 403
    assert "东阳村" in response.json()["detail"]
    # Without a place the demand concerns the whole city, which is outside 榆次区 too.
    response = client.post(URL, BODY | {"place_code": ""}, content_type="application/json", **bearer(raw))
    assert response.status_code == 403
    assert not Appeal.objects.exists()


def test_the_api_lists_and_shows_only_appeals_in_the_keys_scope(cast, client):
    inside = new_appeal(cast, place=cast.community)
    outside = new_appeal(cast, place=cast.village)
    _key, raw = issue(cast)
    listing = client.get(URL, **bearer(raw)).json()
    assert [item["code"] for item in listing["items"]] == [inside.code] and listing["count"] == 1
    assert client.get(f"{URL}{outside.code}", **bearer(raw)).status_code == 404


def test_flags_limit_what_a_key_may_do(cast, client):
    _key, read_only = issue(cast, may_create=False)
    response = client.post(URL, BODY, content_type="application/json", **bearer(read_only))
    assert response.status_code == 403
    _key, write_only = issue(cast, may_read=False)
    assert client.get(URL, **bearer(write_only)).status_code == 403


def test_a_revoked_or_unknown_key_gets_401_with_the_reason(cast, client, english):
    key, raw = issue(cast)
    apikey_revoke(actor=cast.root, key=key)
    response = client.get(URL, **bearer(raw))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    response = client.get(URL, **bearer("msk_00000000_not-a-key"))
    assert response.status_code == 401 and "not valid" in response.json()["detail"]


# --- the admin ---------------------------------------------------------------------------------------

def test_superuser_issues_a_key_in_the_admin_sees_it_once_and_revokes_it(cast, client):
    client.force_login(cast.root)
    assert client.get("/admin/accounts/apikey/add/").status_code == 200
    response = client.post("/admin/accounts/apikey/add/", {
        "organisation": "FixMyStreet 晋中", "units": [cast.yuci.pk], "may_create": "on", "may_read": "on"})
    assert response.status_code == 200
    raw = response.context["clear"]
    assert raw in response.content.decode() and "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    assert list(key.units.all()) == [cast.yuci] and key.created_by == cast.root
    listing = client.get("/admin/accounts/apikey/").content.decode()
    assert key.prefix in listing and raw not in listing
    assert raw not in client.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()
    client.post("/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert ApiKey.objects.get().revoked_at is not None
    assert client.get(URL, **bearer(raw)).status_code == 401


def test_other_administrators_cannot_reach_keys_in_the_admin(cast, client):
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)
    assert client.get("/admin/accounts/apikey/").status_code == 403
    assert client.get("/admin/accounts/apikey/add/").status_code == 403
