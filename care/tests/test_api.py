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


def test_the_due_list_comes_a_page_at_a_time_with_the_whole_lists_counts(client, care):
    """An app reads the due list page by page, the most overdue first, with the size of the whole list;
    the seasonal checks come with the first page only, and a page past the end is empty."""
    import time_machine

    from care.models import SeasonalCheck

    SeasonalCheck.objects.all().delete()  # the seeded ones: this test sets its own
    winter = SeasonalCheck.objects.create(name="冬季取暖检查", start_month=11, start_day=15, end_month=3, end_day=15,
                                          checklist=[{"name": "stove", "label": "煤炉烟道通畅"}])
    winter.categories.set([care.categories["solitary_elderly"]])
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 12, 1, 20, 30)), tick=False):
        today = timezone.localdate()
        people = {}
        for name, seq, due_in in (("甲", "001", -1), ("乙", "003", -5), ("丙", "005", 2), ("丁", "007", 30)):
            people[name] = register(care, name=name, seq=seq)
            Person.objects.filter(pk=people[name].pk).update(next_visit_due=today + timedelta(days=due_in))
        auth = bearer(care, care.grid_worker)

        def due(**params):
            response = client.get(f"{BASE}/due", params, **auth)
            assert response.status_code == 200, response.content
            body = response.json()
            return body, [p["id"] for p in body["overdue"]], [p["id"] for p in body["due_soon"]]

        first, overdue, soon = due(page_size=2)
        assert (first["count"], first["overdue_count"], first["page"], first["page_size"]) == (3, 2, 1, 2)
        assert overdue == [people["乙"].pk, people["甲"].pk] and soon == []
        assert {p["id"] for p in first["seasonal"]["冬季取暖检查"]} == {p.pk for p in people.values()}
        second, overdue, soon = due(page_size=2, page=2)
        assert second["count"] == 3 and overdue == [] and soon == [people["丙"].pk] and second["seasonal"] == {}
        past, overdue, soon = due(page_size=2, page=3)
        assert past["count"] == 3 and overdue == soon == []
        whole, overdue, soon = due()  # an app that knows no pages still gets a carer's whole list
        assert whole["page_size"] == 100 and overdue == [people["乙"].pk, people["甲"].pk] and soon == [people["丙"].pk]
    for bad in ({"page_size": 201}, {"page_size": 0}, {"page": 0}):
        assert client.get(f"{BASE}/due", bad, **auth).status_code == 422


def test_the_openapi_document_describes_the_due_lists_pages(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/care/due"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert parameters["page"]["minimum"] == 1 and parameters["page_size"]["maximum"] == 200
    assert parameters["page_size"]["default"] == 100
