"""The JSON API masks what a resident typed in free text as the staff page does: a phone or ID number in
the title or description is shown as 139****5678, to staff tokens and organisations' API keys alike,
anonymous or not; the clear value stays behind the one audited action, the staff page's unmask."""

import pytest

from accounts.apikeys import apikey_issue
from accounts.tokens import token_issue
from conftest import new_appeal

pytestmark = pytest.mark.django_db

TITLE = "请回电13912345678"
DESCRIPTION = "我的身份证14070219800101123X，电话139-1234-5678，楼道灯坏了三天。"


def _bearer(clear):
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


@pytest.fixture
def typed(cast):
    return new_appeal(cast, title=TITLE, description=DESCRIPTION, anonymous=True)


def _assert_masked(body):
    text = body["title"] + body["description"]
    assert "13912345678" not in text and "139-1234-5678" not in text and "14070219800101123X" not in text
    assert body["title"] == "请回电139****5678"
    assert "1407**********123X" in body["description"] and "楼道灯坏了三天" in body["description"]


def test_a_staff_token_reads_masked_text(cast, client, typed):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="bridge")
    _assert_masked(client.get(f"/api/v1/appeals/{typed.code}", **_bearer(clear)).json())
    (item,) = client.get("/api/v1/appeals/", **_bearer(clear)).json()["items"]
    _assert_masked(item)


def test_an_organisations_key_reads_masked_text(cast, client, typed):
    _key, clear = apikey_issue(actor=cast.root, organisation="12345 热线", units=[cast.yuci])
    _assert_masked(client.get(f"/api/v1/appeals/{typed.code}", **_bearer(clear)).json())


def test_the_create_answer_is_masked_and_the_record_kept_whole(cast, client):
    from appeals.models import Appeal

    _token, clear = token_issue(actor=cast.root, user=cast.resident, name="app")
    response = client.post(
        "/api/v1/appeals/",
        {"title": TITLE, "description": DESCRIPTION, "place_code": cast.community.code},
        content_type="application/json",
        **_bearer(clear),
    )
    assert response.status_code == 201
    _assert_masked(response.json())
    assert Appeal.objects.get(code=response.json()["code"]).title == TITLE  # what was typed is kept
