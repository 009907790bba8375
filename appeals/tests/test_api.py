"""The appeals JSON API: token auth, idempotent create, scoped reads, errors a client can act on."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client

from accounts.apikeys import apikey_issue
from accounts.tokens import token_issue, token_revoke
from appeals import services
from appeals.models import Action, Appeal, AppealEvent, Channel, IdempotencyKey, State
from appeals.services import appeal_dispatch
from conftest import new_appeal
from orgs.models import Unit

URL = "/api/v1/appeals/"
BODY = {
    "type": "complaint",
    "title": "路灯不亮",
    "description": "顺城街东口三盏路灯连续一周不亮，夜间行人容易摔倒。",
    "place_code": "140702001001",
    "contact_name": "王女士",
    "contact_phone": "13900139000",
}


KEY_BODY = {"type": "complaint", "title": "路灯不亮", "description": "顺城街东口三盏路灯连续一周不亮。",
            "place_code": "140702001001"}


def bearer(cast, user, name="test client"):
    _token, clear = token_issue(actor=cast.root, user=user, name=name)
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


def post(client, auth, body=None, key=None, **headers):
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, body if body is not None else BODY, content_type="application/json", **auth, **headers)


# --- create ------------------------------------------------------------------------------------------

def test_create_returns_201_with_tracking_code_and_records_the_event(cast, client):
    auth = bearer(cast, cast.resident)
    response = post(client, auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == State.TO_DISPATCH
    assert body["place_code"] == "140702001001"
    assert body["tracking_url"].endswith(f"/appeals/track/{body['code']}/")
    assert response["Location"] == f"/api/v1/appeals/{body['code']}"
    appeal = Appeal.objects.get(code=body["code"])
    assert appeal.channel == Channel.API
    assert appeal.created_by == cast.resident and appeal.resident == cast.resident
    assert appeal.contact_phone == "13900139000"
    event = AppealEvent.objects.get(appeal=appeal)
    assert event.action == Action.CREATE and event.actor == cast.resident


def test_retry_with_the_same_key_returns_the_same_appeal_and_creates_nothing(cast, client):
    auth, key = bearer(cast, cast.resident), str(uuid.uuid4())
    first = post(client, auth, key=key)
    second = post(client, auth, key=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Appeal.objects.count() == 1
    assert AppealEvent.objects.filter(action=Action.CREATE).count() == 1


def test_same_key_with_a_different_body_is_refused_with_409(cast, client):
    auth, key = bearer(cast, cast.resident), "order-42"
    first = post(client, auth, key=key)
    second = post(client, auth, body=BODY | {"title": "另一件事"}, key=key, HTTP_ACCEPT_LANGUAGE="en")
    assert second.status_code == 409
    assert "already used for a different request" in second.json()["detail"]
    assert first.json()["code"] in second.json()["detail"]
    assert Appeal.objects.count() == 1


def test_keys_belong_to_one_client(cast, client):
    """Two systems that happen to pick the same key do not see each other's appeals."""
    first = post(client, bearer(cast, cast.resident, "app A"), key="1")
    second = post(client, bearer(cast, cast.resident, "app B"), key="1")
    assert first.status_code == second.status_code == 201
    assert first.json()["code"] != second.json()["code"]


def test_a_request_that_loses_the_race_answers_with_the_winners_appeal(cast, client, monkeypatch):
    """There is no look-up before creating: a request whose key is taken (by a retry's first attempt
    or a simultaneous request that committed first) creates its appeal, the unique constraint on the
    key rolls it back whole, and the winner's appeal is returned."""
    auth = bearer(cast, cast.resident)
    winner = post(client, auth, key="k").json()
    real_create, created = services.appeal_create, []

    def recording_create(**kwargs):
        created.append(real_create(**kwargs))
        return created[-1]

    monkeypatch.setattr(services, "appeal_create", recording_create)
    loser = post(client, auth, key="k")
    assert loser.status_code == 201
    assert loser.json()["code"] == winner["code"]
    assert loser["Idempotent-Replayed"] == "true"
    [rolled_back] = created
    assert not Appeal.objects.filter(code=rolled_back.code).exists()
    assert Appeal.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    assert AppealEvent.objects.count() == 1


def test_a_tracking_code_that_exists_is_replaced_and_the_create_succeeds(cast, client, monkeypatch):
    """The API's create writes without a savepoint of its own: when the drawn tracking code is taken,
    the whole transaction is tried again with a new one, and the resident gets one appeal with one
    event and the key remembered."""
    auth = bearer(cast, cast.resident)
    taken = post(client, auth, key=str(uuid.uuid4())).json()["code"]
    codes = iter([taken, taken, "NEWCODE234"])
    monkeypatch.setattr(services, "new_tracking_code", lambda: next(codes))
    key = str(uuid.uuid4())
    response = post(client, auth, key=key)
    assert response.status_code == 201
    assert response.json()["code"] == "NEWCODE234"
    assert Appeal.objects.count() == 2 and AppealEvent.objects.count() == 2
    assert IdempotencyKey.objects.get(key=key).appeal.code == "NEWCODE234"


def test_a_retry_refused_now_still_gets_the_first_answer(cast, client):
    """A retry is answered as the first request was even if the same body would be refused today
    (here: the place was closed since), because the key is what identifies the request."""
    auth, key = bearer(cast, cast.resident), str(uuid.uuid4())
    first = post(client, auth, key=key)
    place = Unit.objects.get(code=BODY["place_code"])
    place.is_active = False
    place.save()  # as the admin closes a unit (the API keeps units by code until one changes)
    retry = post(client, auth, key=key)
    fresh = post(client, auth, key=str(uuid.uuid4()), HTTP_ACCEPT_LANGUAGE="en")
    assert retry.status_code == 201 and retry.json() == first.json()
    assert fresh.status_code == 400 and "place_code" in fresh.json()["fields"]


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite's shared in-memory test database locks "
                    "whole tables without waiting; the race itself is covered by the test above on every database")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_create_one_appeal(cast):
    auth, barrier, results = bearer(cast, cast.resident), threading.Barrier(4), []

    def call():
        from django.db import connections

        barrier.wait()
        try:
            results.append(post(Client(), auth, key="same"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201] * 4
    assert len({r.json()["code"] for r in results}) == 1
    assert Appeal.objects.count() == 1


def test_a_staff_token_creates_only_in_its_scope(cast, client):
    dispatcher = bearer(cast, cast.dispatcher)  # 榆次区
    inside = post(client, dispatcher)
    outside = post(client, dispatcher, body=BODY | {"place_code": "140703100201"}, HTTP_ACCEPT_LANGUAGE="en")
    assert inside.status_code == 201
    assert Appeal.objects.get(code=inside.json()["code"]).created_by == cast.dispatcher
    assert outside.status_code == 403
    assert "东阳村 is outside your scope" in outside.json()["detail"]
    assert Appeal.objects.count() == 1


def test_a_resident_token_cannot_claim_the_hotline_channel(cast, client):
    response = post(client, bearer(cast, cast.resident), body=BODY | {"channel": "hotline"})
    assert response.status_code == 403
    assert not Appeal.objects.exists()


# --- an organisation's API key ------------------------------------------------------------------------

def key_bearer(cast, *units, **flags):
    key, raw = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=units or [cast.yuci], **flags)
    return key, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_api_accepts_a_key_and_files_in_scope_with_no_person_as_actor(cast, client):
    key, auth = key_bearer(cast)
    response = client.post(URL, KEY_BODY, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(code=response.json()["code"])
    assert appeal.place == cast.community and appeal.created_by is None and appeal.resident is None
    event = AppealEvent.objects.get(appeal=appeal)
    assert event.action == Action.CREATE and event.api_key == key and event.actor is None  # the key filed it
    assert client.get(f"{URL}{appeal.code}", **auth).status_code == 200


def test_the_api_refuses_a_key_outside_its_scope_with_403(cast, client):
    _key, auth = key_bearer(cast)
    response = client.post(URL, KEY_BODY | {"place_code": cast.village.code}, content_type="application/json",
                           **auth)
    assert response.status_code == 403
    assert "东阳村" in response.json()["detail"]
    # Without a place the demand concerns the whole city, which is outside 榆次区 too.
    response = client.post(URL, KEY_BODY | {"place_code": ""}, content_type="application/json", **auth)
    assert response.status_code == 403
    response = client.post(URL, KEY_BODY | {"place_code": cast.village.code}, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="once", **auth)
    assert response.status_code == 403
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_the_api_lists_and_shows_only_appeals_in_the_keys_scope(cast, client):
    inside = new_appeal(cast, place=cast.community)
    outside = new_appeal(cast, place=cast.village)
    _key, auth = key_bearer(cast)
    listing = client.get(URL, **auth).json()
    assert [item["code"] for item in listing["items"]] == [inside.code] and listing["count"] == 1
    assert client.get(f"{URL}{outside.code}", **auth).status_code == 404


def test_flags_limit_what_a_key_may_do(cast, client):
    _key, read_only = key_bearer(cast, may_create=False)
    response = client.post(URL, KEY_BODY, content_type="application/json", **read_only)
    assert response.status_code == 403
    _key, write_only = key_bearer(cast, may_read=False)
    assert client.get(URL, **write_only).status_code == 403


# --- errors ------------------------------------------------------------------------------------------

def test_invalid_content_gets_every_problem_by_field_in_english(cast, client):
    response = post(client, bearer(cast, cast.resident),
                    body=BODY | {"title": " ", "contact_phone": "12345", "place_code": "999"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["fields"]["place_code"] == "No unit has the division code “999”."
    assert body["fields"]["title"] == "The title is required."
    assert body["fields"]["contact_phone"].startswith("Enter a mainland mobile number, such as 13800138000, or a landline")
    assert not Appeal.objects.exists()


def test_errors_follow_accept_language(cast, client):
    auth = bearer(cast, cast.resident)
    english = post(client, auth, body=BODY | {"type": "rant"}, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = post(client, auth, body=BODY | {"type": "rant"}, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").json()
    assert english["fields"]["type"].startswith("Unknown type “rant”")
    assert chinese["fields"]["type"].startswith("未知类型“rant”")


def test_a_malformed_body_is_a_422_that_names_the_field(cast, client):
    response = post(client, bearer(cast, cast.resident), body=BODY | {"latitude": "north"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"][-1] == "latitude" and "latitude must be a number" in problem["msg"]


def test_bad_idempotency_key_is_refused(cast, client):
    response = post(client, bearer(cast, cast.resident), key="x" * 129, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]


@pytest.mark.parametrize("header, reason", [
    (None, "Authentication required"),
    ("Bearer ms_nothing_like_a_token", "not valid"),
    ("Bearer ", "no token"),
    ("Token abc", "Bearer"),
])
def test_requests_without_a_valid_token_get_401_with_the_reason(cast, client, header, reason):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = post(client, headers, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert reason in response.json()["detail"]
    assert client.get(URL, **headers).status_code == 401
    assert not Appeal.objects.exists()


def test_a_revoked_token_gets_401(cast, client):
    token, clear = token_issue(actor=cast.root, user=cast.resident, name="old app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clear}"}
    assert client.get(URL, **auth).status_code == 200
    token_revoke(actor=cast.root, token=token)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize("fields", [None, ["is_active"]])
def test_a_disabled_account_token_gets_401(cast, client, fields):
    auth = bearer(cast, cast.resident)
    assert client.get(URL, **auth).status_code == 200  # the process now keeps the token
    cast.resident.is_active = False
    cast.resident.save(update_fields=fields)
    assert client.get(URL, **auth).status_code == 401


def test_a_token_revoked_by_another_process_gets_401(cast, client):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import ApiToken
    from orgs import scope_cache

    token, clear = token_issue(actor=cast.root, user=cast.resident, name="old app")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clear}"}
    assert client.get(URL, **auth).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, **auth).status_code == 200
    assert not [q for q in queries if 'FROM "accounts_apitoken"' in q["sql"]]  # kept, not read again
    # Another process revokes it: the row changes and a new version is published in the shared cache.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    cache.set(scope_cache.VERSION_KEY, "from-another-process", timeout=None)
    assert client.get(URL, **auth).status_code == 401


def test_only_the_hash_is_stored_and_use_is_recorded(cast, client):
    token, clear = token_issue(actor=cast.root, user=cast.resident, name="app")
    assert clear.startswith(token.prefix) and clear not in (token.key_hash, token.prefix)
    client.get(URL, HTTP_AUTHORIZATION=f"Bearer {clear}")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_a_superuser_issues_tokens(cast):
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        token_issue(actor=cast.admin, user=cast.resident, name="x")


# --- reads -------------------------------------------------------------------------------------------

def test_get_by_code_is_limited_to_what_the_token_user_may_see(cast, client):
    appeal = new_appeal(cast)  # in 榆次区 顺城社区
    url = f"{URL}{appeal.code}"
    assert client.get(url, **bearer(cast, cast.resident)).json()["title"] == appeal.title
    assert client.get(url, **bearer(cast, cast.dispatcher)).status_code == 200
    outsider = client.get(url, HTTP_ACCEPT_LANGUAGE="en", **bearer(cast, cast.taigu_supervisor))
    assert outsider.status_code == 404
    assert outsider.json()["detail"] == f"No demand {appeal.code} among those you may see."
    assert client.get(f"{URL}NOSUCHCODE", **bearer(cast, cast.dispatcher)).status_code == 404


def test_list_is_scoped_paginated_and_filtered_by_state(cast, client):
    mine = [new_appeal(cast, title=f"诉求{i}") for i in range(3)]
    appeal_dispatch(actor=cast.dispatcher, appeal=mine[0], target=cast.yuci_health)
    new_appeal(cast, place=cast.village)  # 太谷区, also the resident's
    resident = client.get(URL, {"page_size": 2}, **bearer(cast, cast.resident)).json()
    assert resident["count"] == 4 and len(resident["items"]) == 2
    taigu = client.get(URL, **bearer(cast, cast.taigu_supervisor)).json()
    assert [item["place_name"] for item in taigu["items"]] == ["东阳村"]
    waiting = client.get(URL, {"state": "to_accept"}, **bearer(cast, cast.dispatcher)).json()
    assert [item["code"] for item in waiting["items"]] == [mine[0].code]
    assert client.get(URL, {"state": "nonsense"}, **bearer(cast, cast.dispatcher)).status_code == 422


def test_a_signed_in_browser_may_read_but_must_pass_csrf_to_write(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.resident)
    assert browser.get(URL).status_code == 200
    response = browser.post(URL, BODY, content_type="application/json")
    assert response.status_code == 403
    assert not Appeal.objects.exists()


def test_openapi_declares_every_error_response(client):
    schema = client.get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/appeals/"]["post"]
    assert {"201", "400", "401", "403", "409", "422"} <= set(create["responses"])
    assert {"in": "header", "name": "Idempotency-Key"}.items() <= create["parameters"][0].items()
    detail = schema["paths"]["/api/v1/appeals/{code}"]["get"]
    assert {"200", "401", "404"} <= set(detail["responses"])
    assert {"BearerAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])


def test_chinese_in_answers_is_readable_utf8(cast, client):
    # A person reading the answer with curl or in a log sees the words, not \u escapes.
    response = client.post(URL, "{}", content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "需要身份验证" in response.content.decode("utf-8") and b"\\u" not in response.content


def test_the_sweep_forgets_idempotency_keys_after_their_retention(cast, client, settings):
    """Keys are kept IDEMPOTENCY_KEY_DAYS: a retry within them replays, one after them files anew
    (the table does not grow with every create forever)."""
    import io
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from appeals.models import IdempotencyKey

    settings.IDEMPOTENCY_KEY_DAYS = 30
    auth = bearer(cast, cast.resident)
    old, recent = post(client, auth, key="old-key"), post(client, auth, key="recent-key")
    IdempotencyKey.objects.filter(key="old-key").update(created_at=timezone.now() - timedelta(days=31))
    IdempotencyKey.objects.filter(key="recent-key").update(created_at=timezone.now() - timedelta(days=29))

    call_command("appeals_sweep", stdout=io.StringIO())

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent-key"]
    replay = post(client, auth, key="recent-key")
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["code"] == recent.json()["code"]
    again = post(client, auth, key="old-key")
    assert again.status_code == 201 and again.json()["code"] != old.json()["code"]
