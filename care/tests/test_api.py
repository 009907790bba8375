"""The care API (/api/v1/care/): staff only, scoped like the pages, personal data masked, the caller's
due list, and a visit recorded once however often the app sends it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.apikeys import apikey_issue
from accounts.tokens import token_issue
from appeals.models import Appeal
from care.models import Person, Visit
from care.tests.conftest import id_number, register

pytestmark = pytest.mark.django_db

BASE = "/api/v1/care"


def bearer(care, user):
    _token, clear = token_issue(actor=care.cast.root, user=user, name="走访 app")
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


def test_people_are_listed_in_scope_and_masked(client, care):
    person = register(care)
    register(care, name="赵六", seq="006", unit=care.ruyi, carer=care.ruyi_worker)
    response = client.get(f"{BASE}/people", **bearer(care, care.grid_worker))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["items"][0]["id"] == person.pk
    text = response.content.decode()
    assert id_number() not in text and "13900001111" not in text and "王秀英" not in text
    assert body["items"][0]["name"] == "王**" and body["items"][0]["categories"][0]["code"] == "solitary_elderly"
    # A whole ID number finds the person through its blind index; the answer stays masked.
    found = client.get(f"{BASE}/people", {"q": id_number()}, **bearer(care, care.grid_worker)).json()
    assert [p["id"] for p in found["items"]] == [person.pk]


def test_a_person_outside_the_scope_is_not_found(client, care):
    person = register(care)
    auth = bearer(care, care.ruyi_worker)
    assert client.get(f"{BASE}/people/{person.pk}", **auth).status_code == 404
    response = client.post(f"{BASE}/people/{person.pk}/visits", {"token": "t" * 32, "visited_at":
                           timezone.now().isoformat()}, content_type="application/json", **auth)
    assert response.status_code == 404 and not Visit.objects.exists()


def test_residents_and_organisation_keys_are_refused(client, care):
    register(care)
    _token, clear = token_issue(actor=care.cast.root, user=care.cast.resident, name="居民")
    assert client.get(f"{BASE}/people", HTTP_AUTHORIZATION=f"Bearer {clear}").status_code == 403
    _key, raw = apikey_issue(actor=care.cast.root, organisation="某系统", units=[care.cast.yuci])
    assert client.get(f"{BASE}/due", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 403
    assert client.get(f"{BASE}/people").status_code == 401


def test_the_due_list_is_the_callers(client, care):
    person = register(care)
    Person.objects.filter(pk=person.pk).update(next_visit_due=timezone.localdate() - timedelta(days=2))
    body = client.get(f"{BASE}/due", **bearer(care, care.grid_worker)).json()
    assert [p["id"] for p in body["overdue"]] == [person.pk] and body["overdue"][0]["overdue"]
    assert client.get(f"{BASE}/due", **bearer(care, care.village_cadre)).json()["overdue"] == []


def test_a_visit_is_recorded_once_by_its_token(client, care):
    person = register(care)
    auth = bearer(care, care.grid_worker)
    body = {"token": "app-visit-0000000001", "visited_at": timezone.now().isoformat(), "notes": "精神不错",
            "checklist": {"health": "ok", "gas": "concern"},
            "need": {"title": "燃气软管老化", "description": "燃气软管老化开裂，需更换。"}}
    url = f"{BASE}/people/{person.pk}/visits"
    first = client.post(url, body, content_type="application/json", **auth)
    again = client.post(url, body, content_type="application/json", **auth)
    assert first.status_code == 201 and again.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true" and first.json()["id"] == again.json()["id"]
    assert Visit.objects.count() == 1 and Appeal.objects.count() == 1
    assert first.json()["needs"][0]["code"] == Appeal.objects.get().code
    assert first.json()["checklist"] == {"health": "ok", "gas": "concern"}


def test_a_bad_visit_gets_a_clear_chinese_message(client, care):
    person = register(care)
    body = {"token": "app-visit-0000000002", "visited_at": (timezone.now() + timedelta(days=1)).isoformat()}
    response = client.post(f"{BASE}/people/{person.pk}/visits", body, content_type="application/json",
                           **bearer(care, care.grid_worker))
    assert response.status_code == 400 and "未来" in response.json()["detail"]
    assert not Visit.objects.exists()


def test_the_openapi_document_lists_the_care_operations(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/care/people", "/api/v1/care/due", "/api/v1/care/people/{person_id}/visits"} <= set(paths)
