"""GET requests.{json,xml} and requests/{id}.{json,xml}: filters, the default window, status
mapping, and every error case."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import AppealType, Category, State
from appeals.services import appeal_dispatch, appeal_reject
from conftest import new_appeal
from open311 import selectors
from open311.tests.helpers import BASE, FORMATS, errors, requests_of

pytestmark = pytest.mark.django_db

FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
          "address", "address_id", "zipcode", "lat", "long", "media_url"]


def get(client, path, **params):
    return client.get(BASE + path, params)


def ids(response, fmt):
    return [r["service_request_id"] for r in requests_of(response, fmt)]


@pytest.fixture
def three(cast):
    """An open appeal dispatched to 榆次区卫健局, an open one waiting, and a closed (rejected) one."""
    heating = Category.objects.create(code="heating", name="供暖")
    dispatched = new_appeal(cast, category=heating, description="暖气不热")
    appeal_dispatch(actor=cast.dispatcher, appeal=dispatched, target=cast.yuci_health)
    waiting = new_appeal(cast, appeal_type=AppealType.SUGGESTION, description="建议多设垃圾桶")
    rejected = new_appeal(cast, description="与政府无关的事")
    appeal_reject(actor=cast.dispatcher, appeal=rejected, reason="不属于受理范围")
    return dispatched, waiting, rejected


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_list_has_every_field_of_the_spec(client, three, fmt):
    dispatched, waiting, rejected = three
    response = get(client, f"requests.{fmt}")
    assert response.status_code == 200
    found = {r["service_request_id"]: r for r in requests_of(response, fmt)}
    assert list(found) == [str(waiting.pk), str(dispatched.pk)]  # newest first; the refused one is not public
    if fmt == "xml":
        root = requests_of(response, "xml")
        assert all(list(r) == FIELDS for r in root)
    else:
        assert all(list(r) == FIELDS for r in found.values())
    d = found[str(dispatched.pk)]
    assert d["status"] == "open" and d["status_notes"] == "待签收"
    assert d["service_code"] == "heating" and d["service_name"] == "供暖"
    assert d["agency_responsible"] == "榆次区卫生健康局"
    assert d["requested_datetime"].endswith("+08:00") and d["expected_datetime"].endswith("+08:00")
    assert d["address"] == "榆次区北关街道顺城社区" and d["address_id"] == "140702001001"
    w = found[str(waiting.pk)]
    assert w["service_code"] == "suggestion" and w["status"] == "open"
    assert w["status_notes"] == "待派单"
    assert w["agency_responsible"] in (None, "")  # null in JSON, empty element in XML


@pytest.fixture
def publishing_refused(settings):
    """A deployment that chose to publish refused and withdrawn demands too (OPEN311_PUBLISH_REFUSED)."""
    settings.OPEN311_PUBLISH_REFUSED = True


@pytest.mark.parametrize("fmt", FORMATS)
def test_refused_and_withdrawn_demands_are_not_published(client, cast, three, fmt):
    from appeals.services import appeal_withdraw

    dispatched, waiting, rejected = three
    withdrawn = new_appeal(cast, description="已经自己解决了")
    appeal_withdraw(actor=cast.resident, appeal=withdrawn, reason="已解决")
    listed = ids(get(client, f"requests.{fmt}"), fmt)
    assert listed == [str(waiting.pk), str(dispatched.pk)]
    assert ids(get(client, f"requests.{fmt}", status="closed"), fmt) == []
    for hidden in (rejected, withdrawn):
        response = get(client, f"requests/{hidden.pk}.{fmt}")
        assert response.status_code == 404 and errors(response, fmt)[0][0] == 404
    assert ids(get(client, f"requests.{fmt}", service_request_id=f"{rejected.pk},{withdrawn.pk}"), fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_deployment_may_publish_them_with_their_note(client, cast, three, fmt, publishing_refused):
    rejected = three[2]
    (found,) = requests_of(get(client, f"requests/{rejected.pk}.{fmt}"), fmt)
    assert found["status"] == "closed" and found["status_notes"] == "不予受理"


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_notes_are_in_the_language_of_the_request(client, three, fmt):
    dispatched, waiting, _rejected = three
    for language, to_accept, to_dispatch in (("zh-CN", "待签收", "待派单"), ("zh-TW", "待簽收", "待派單"),
                                             ("en", "Dispatched, waiting to be accepted", "Waiting to be dispatched")):
        response = client.get(f"{BASE}requests.{fmt}", HTTP_ACCEPT_LANGUAGE=language)
        notes = {r["service_request_id"]: r["status_notes"] for r in requests_of(response, fmt)}
        assert notes == {str(dispatched.pk): to_accept, str(waiting.pk): to_dispatch}, language
        assert "(" not in "".join(notes.values())  # no internal codes


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_single_request_by_id(client, three, fmt):
    dispatched = three[0]
    response = get(client, f"requests/{dispatched.pk}.{fmt}")
    assert response.status_code == 200
    (found,) = requests_of(response, fmt)
    assert found["service_request_id"] == str(dispatched.pk) and found["status"] == "open"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(client, three, fmt):
    for request_id in ("999999", "abc", three[0].code):  # the tracking code is no id
        response = get(client, f"requests/{request_id}.{fmt}")
        assert response.status_code == 404
        assert errors(response, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_ids_override_every_other_filter(client, three, fmt, publishing_refused):
    dispatched, waiting, rejected = three
    response = get(client, f"requests.{fmt}", service_request_id=f"{dispatched.pk}, {rejected.pk},424242",
                   status="open", service_code="suggestion", start_date="2001-01-01T00:00:00Z")
    assert sorted(ids(response, fmt)) == sorted([str(dispatched.pk), str(rejected.pk)])


@pytest.mark.parametrize("fmt", FORMATS)
def test_filter_by_status_and_service_code(client, three, fmt, publishing_refused):
    dispatched, waiting, rejected = three
    assert ids(get(client, f"requests.{fmt}", status="closed"), fmt) == [str(rejected.pk)]
    assert ids(get(client, f"requests.{fmt}", status="open"), fmt) == [str(waiting.pk), str(dispatched.pk)]
    assert len(ids(get(client, f"requests.{fmt}", status="open,closed"), fmt)) == 3
    assert ids(get(client, f"requests.{fmt}", service_code="heating,suggestion"), fmt) == [
        str(waiting.pk), str(dispatched.pk)]
    assert ids(get(client, f"requests.{fmt}", service_code="heating", status="closed"), fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_filter_by_dates(client, cast, fmt):
    now = timezone.now()
    old = new_appeal(cast, received_at=now - timedelta(days=120))
    recent = new_appeal(cast, received_at=now - timedelta(days=10))
    # By default: the most recent 90 days.
    assert ids(get(client, f"requests.{fmt}"), fmt) == [str(recent.pk)]
    start = (now - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert ids(get(client, f"requests.{fmt}", start_date=start, end_date=end), fmt) == [str(old.pk)]
    # start_date alone: 90 days from it.
    assert ids(get(client, f"requests.{fmt}", start_date=start), fmt) == [str(old.pk)]
    # end_date alone: the 90 days before it; a bare date counts as local midnight.
    day = (now - timedelta(days=5)).date().isoformat()
    assert ids(get(client, f"requests.{fmt}", end_date=day), fmt) == [str(recent.pk)]


def test_at_most_the_limit_newest_first(client, cast, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_REQUESTS", 2)
    made = [new_appeal(cast, received_at=timezone.now() - timedelta(hours=h)) for h in (3, 2, 1)]
    assert ids(get(client, "requests.json"), "json") == [str(made[2].pk), str(made[1].pk)]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("params", "status", "says"), [
    ({"start_date": "yesterday"}, 400, "start_date"),
    ({"end_date": "2024-13-45T00:00:00Z"}, 400, "end_date"),
    ({"start_date": "2024-03-01T00:00:00Z", "end_date": "2024-02-01T00:00:00Z"}, 400, "start_date"),
    ({"start_date": "2024-01-01T00:00:00Z", "end_date": "2024-06-01T00:00:00Z"}, 400, "90"),
    ({"status": "pending"}, 400, "pending"),
    ({"service_code": "heating,plumbing"}, 404, "plumbing"),
    ({"service_request_id": "1,two"}, 400, "service_request_id"),
])
def test_bad_queries_are_refused(client, three, fmt, params, status, says):
    response = get(client, f"requests.{fmt}", **params)
    assert response.status_code == status
    found = errors(response, fmt)
    assert {code for code, _text in found} == {status}
    assert any(says in text for _code, text in found), found


def test_an_invalid_key_on_a_read_is_403_and_a_valid_one_narrows_to_its_units(client, cast, keys):
    yuci_appeal = new_appeal(cast)
    taigu_appeal = new_appeal(cast, place=cast.village)
    assert get(client, "requests.json", api_key="nope").status_code == 403
    raw, _key = keys.issue([cast.taigu])
    assert ids(get(client, "requests.json", api_key=raw), "json") == [str(taigu_appeal.pk)]
    assert get(client, f"requests/{yuci_appeal.pk}.json", api_key=raw).status_code == 404
    assert len(ids(get(client, "requests.json"), "json")) == 2  # without a key: the public list


def test_a_closed_request_was_updated_when_it_was_closed(client, three, publishing_refused):
    from appeals.models import Appeal
    from open311.serializers import w3_datetime

    rejected = Appeal.objects.get(pk=three[2].pk)
    Appeal.objects.filter(pk=rejected.pk).update(closed_at=rejected.closed_at - timedelta(days=1))
    (found,) = requests_of(get(client, f"requests/{rejected.pk}.json"), "json")
    assert rejected.state == State.REJECTED
    assert found["updated_datetime"] == w3_datetime(rejected.closed_at - timedelta(days=1))


def test_a_key_that_may_not_read_sees_no_request(client, cast, keys):
    new_appeal(cast)
    raw, _key = keys.issue([cast.yuci])
    assert len(ids(get(client, "requests.json", api_key=raw), "json")) == 1
    from accounts.apikeys import apikey_issue

    _write_only, write_only = apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci],
                                           may_read=False)
    assert ids(get(client, "requests.json", api_key=write_only), "json") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_document_is_data_under_its_own_security_policy(client, three, fmt):
    """Served as UTF-8 text/xml or JSON, with a CSP that runs nothing and loads nothing but lets a browser
    style its own view of the document (the pages' CSP would break chromium's XML viewer)."""
    response = get(client, f"requests.{fmt}")
    requests_of(response, fmt)  # parses, with the declared type and charset
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
