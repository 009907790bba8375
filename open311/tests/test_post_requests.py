"""POST requests.{json,xml}: a key is required, the location and attributes are checked as the spec
says, and the appeal comes in through the intake service like any other."""

import pytest
from django.db import connection

from appeals.models import Action, Appeal, AppealType, Category, Channel
from open311.models import Open311Submission
from open311.tests.helpers import BASE, FORMATS, errors, parse
from orgs.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def heating(db):
    return Category.objects.create(code="heating", name="供暖")


@pytest.fixture
def yuci_key(cast, keys):
    raw, key = keys.issue([cast.yuci])
    return raw


def form(**overrides):
    data = {
        "jurisdiction_id": "jz.gov.cn",
        "service_code": "heating",
        "attribute[appeal_type]": "complaint",
        "address_id": "140702001001",  # 顺城社区
        "address_string": "顺城街3号楼2单元501",
        "description": "3号楼暖气一直不热，室温只有12度。",
        "first_name": "三丰",
        "last_name": "张",
        "phone": "13912345678",
        "email": "zhang@example.com",
        "media_url": "https://img.example.com/r/1.jpg",
        "account_id": "fms-77",
        "device_id": "dev-1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, fmt, key, **overrides):
    data = form(**overrides)
    if key is not None:
        data["api_key"] = key
    return client.post(f"{BASE}requests.{fmt}", data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_becomes_an_appeal_through_the_intake(client, cast, heating, yuci_key, fmt):
    response = post(client, fmt, yuci_key)
    assert response.status_code == 201, response.content
    doc = parse(response)
    if fmt == "json":
        (created,) = doc
        assert set(created) == {"service_request_id", "service_notice", "account_id"}
    else:
        assert doc.tag == "service_requests"
        (request_el,) = doc.findall("request")
        created = {field.tag: field.text for field in request_el}
        assert [field.tag for field in request_el] == ["service_request_id", "service_notice", "account_id"]
    appeal = Appeal.objects.get(pk=int(created["service_request_id"]))
    assert created["account_id"] == "fms-77"
    assert appeal.code in created["service_notice"]  # the submitter, alone, learns the tracking code
    assert appeal.channel == Channel.OPEN311
    assert appeal.category == heating and appeal.appeal_type == AppealType.COMPLAINT
    assert appeal.place == cast.community
    assert appeal.address == "顺城街3号楼2单元501"
    assert appeal.description == "3号楼暖气一直不热，室温只有12度。"
    assert appeal.title == "3号楼暖气一直不热，室温只有12度。"
    assert appeal.contact_name == "张三丰" and appeal.contact_phone == "13912345678"
    assert appeal.events.filter(action=Action.CREATE).exists()
    submission = Open311Submission.objects.get(appeal=appeal)
    assert submission.media_url == "https://img.example.com/r/1.jpg"
    assert submission.email == "zhang@example.com"
    assert submission.jurisdiction_id == "jz.gov.cn" and submission.organisation == "FixMyStreet 晋中"
    # Personal data is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_name, contact_phone FROM appeals_appeal WHERE id = %s", [appeal.pk])
        raw_name, raw_phone = cursor.fetchone()
        cursor.execute("SELECT email FROM open311_open311submission WHERE appeal_id = %s", [appeal.pk])
        (raw_email,) = cursor.fetchone()
    assert "张三丰" not in raw_name and "13912345678" not in raw_phone and "zhang@" not in raw_email


def test_a_type_service_needs_no_attribute_and_a_missing_description_is_the_service_name(client, cast, yuci_key):
    response = post(client, "json", yuci_key, service_code="inquiry", description=None,
                    **{"attribute[appeal_type]": None})
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert appeal.appeal_type == AppealType.INQUIRY and appeal.category is None
    assert appeal.description and appeal.title


def test_a_long_first_line_is_cut_for_the_title(client, cast, heating, yuci_key):
    response = post(client, "json", yuci_key, description="暖" * 300)
    appeal = Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert appeal.description == "暖" * 300
    assert len(appeal.title) == 40 and appeal.title.endswith("…")


def test_lat_long_places_the_appeal_in_the_nearest_community(client, cast, heating, yuci_key):
    Unit.objects.filter(pk=cast.community.pk).update(latitude="37.697000", longitude="112.708000")
    response = post(client, "json", yuci_key, address_id=None, address_string=None, description="路灯坏了",
                    lat="37.6981", long="112.7093")
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert appeal.place == cast.community
    assert float(appeal.latitude) == pytest.approx(37.6981)


def test_an_address_string_names_the_place(client, cast, heating, keys):
    raw, _key = keys.issue([cast.city])
    response = post(client, "json", raw, address_id=None, address_string="太谷区明星镇东阳村5号",
                    description="水渠堵了")
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert appeal.place == cast.village


def test_without_a_recognisable_place_the_keys_own_unit_is_used(client, cast, heating, yuci_key):
    response = post(client, "json", yuci_key, address_id=None, address_string="某小区门口", description="垃圾多")
    appeal = Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert appeal.place == cast.yuci


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_a_key_or_with_a_bad_or_revoked_one_it_is_403(client, cast, heating, keys, fmt):
    raw, key = keys.issue([cast.yuci])
    keys.revoke(key)
    for api_key in (None, "", "not-a-key", raw):
        response = post(client, fmt, api_key)
        assert response.status_code == 403
        ((status, description),) = errors(response, fmt)
        assert status == 403 and "api_key" in description
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_may_not_file_outside_its_units(client, cast, heating, keys, fmt):
    raw, _key = keys.issue([cast.taigu])
    response = post(client, fmt, raw)  # 顺城社区 is in 榆次区
    assert response.status_code == 403
    assert "顺城社区" in errors(response, fmt)[0][1]
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("overrides", "status", "says"), [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "plumbing"}, 404, "plumbing"),
    ({"address_id": None, "address_string": None, "lat": None}, 400, "location"),
    ({"address_id": None, "lat": "37.7"}, 400, "lat and long"),
    ({"lat": "north", "long": "112.7"}, 400, "lat"),
    ({"lat": "95", "long": "112.7"}, 400, "lat"),
    ({"address_id": "999999999999"}, 400, "address_id"),
    ({"description": "长" * 4001}, 400, "4,000"),
    ({"attribute[appeal_type]": None}, 400, "attribute[appeal_type]"),
    ({"attribute[appeal_type]": "gossip"}, 400, "gossip"),
    ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
    ({"phone": "12"}, 400, ""),
])
def test_bad_requests_are_refused_as_the_spec_says(client, cast, heating, yuci_key, fmt, overrides, status, says,
                                                   english):
    response = post(client, fmt, yuci_key, **overrides)
    assert response.status_code == status
    found = errors(response, fmt)
    assert {code for code, _text in found} == {status}
    assert any(says in text for _code, text in found), found
    assert not Appeal.objects.exists()


def test_all_problems_are_reported_at_once(client, cast, heating, yuci_key):
    response = post(client, "json", yuci_key, address_id=None, address_string=None, description="长" * 4001,
                    **{"attribute[appeal_type]": None})
    assert response.status_code == 400
    assert len(errors(response, "json")) == 3


def test_a_json_body_is_not_a_form(client, cast, heating, yuci_key):
    response = client.post(f"{BASE}requests.json?api_key={yuci_key}", form(), content_type="application/json")
    assert response.status_code == 403  # the key belongs in the form body, which is empty here


def test_the_create_event_names_the_key_that_filed(client, cast, heating, keys):
    raw, key = keys.issue([cast.yuci])
    response = post(client, "json", raw)
    appeal = Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))
    event = appeal.events.get(action=Action.CREATE)
    assert event.api_key == key and event.api_key.organisation == "FixMyStreet 晋中"


def test_a_refused_request_writes_nothing(client, cast, heating, keys):
    from appeals.models import AppealEvent

    raw, _key = keys.issue([cast.taigu])
    assert post(client, "json", raw).status_code == 403
    assert not Appeal.objects.exists() and not AppealEvent.objects.exists()
    assert not Open311Submission.objects.exists()
