"""Public output never carries personal data: no names, phones, e-mails or ID numbers, no typed home
address, no precise point and no tracking code, in any resource or format."""

import pytest

from accounts.models import User
from appeals.models import Appeal
from conftest import new_appeal
from open311.serializers import public_text
from open311.tests.helpers import BASE, FORMATS, requests_of
from orgs.models import Level, Unit, UnitKind
from orgs.services import unit_save

pytestmark = pytest.mark.django_db

DESCRIPTION = ("我是欧阳锋，电话139 1234 5678，身份证14070219800101123X，邮箱ouyang@example.com，"
               "李小龙也知道。固话0354-1234567，手机１３８００１３８０００。住顺城街3号楼2单元501，楼道灯坏了三天。")
SECRETS = ["欧阳锋", "李小龙", "13912345678", "139 1234 5678", "13800138000", "１３８００１３８０００",
           "14070219800101123X", "ouyang@example.com", "zhang@example.com", "0354-1234567", "顺城街3号楼",
           "37.697812", "112.708634", "张三丰", "三丰", "13700000001"]


@pytest.fixture
def private_appeal(cast):
    User.objects.filter(pk=cast.resident.pk).update(display_name="李小龙")
    cast.resident.refresh_from_db()
    return new_appeal(cast, description=DESCRIPTION, contact_name="欧阳锋", contact_phone="13912345678",
                      address="顺城街3号楼2单元501", latitude=37.697812, longitude=112.708634)


@pytest.fixture
def posted_appeal(cast, keys, client):
    raw, _key = keys.issue([cast.yuci])
    response = client.post(f"{BASE}requests.json", {
        "api_key": raw, "service_code": "complaint", "address_id": cast.community.code,
        "description": "张三丰反映：楼下噪音太大，联系13700000001", "first_name": "三丰", "last_name": "张",
        "phone": "13700000001", "email": "zhang@example.com",
        "media_url": "https://img.example.com/p.jpg?phone=13700000001",
    })
    assert response.status_code == 201
    return Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))


def public_bodies(client, appeals):
    for fmt in FORMATS:
        yield client.get(f"{BASE}requests.{fmt}").content.decode()
        for appeal in appeals:
            yield client.get(f"{BASE}requests/{appeal.pk}.{fmt}").content.decode()
            yield client.get(f"{BASE}requests.{fmt}", {"service_request_id": appeal.pk}).content.decode()


def test_no_personal_data_in_any_public_output(client, cast, private_appeal, posted_appeal):
    bodies = list(public_bodies(client, [private_appeal, posted_appeal]))
    assert len(bodies) == 10
    for body in bodies:
        assert "楼道灯坏了三天" in body or "楼下噪音太大" in body  # the matter itself is public
        for secret in SECRETS + [private_appeal.code, posted_appeal.code]:
            assert secret not in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_address_is_the_community_and_the_point_is_coarse(client, cast, private_appeal, fmt):
    (found,) = requests_of(client.get(f"{BASE}requests/{private_appeal.pk}.{fmt}"), fmt)
    assert found["address"] == "榆次区北关街道顺城社区"
    assert found["address_id"] == cast.community.code
    # The community has no centroid: the submitted point, rounded to about 100 m.
    assert float(found["lat"]) == 37.698 and float(found["long"]) == 112.709
    Unit.objects.filter(pk=cast.community.pk).update(latitude="37.690000", longitude="112.700000")
    (found,) = requests_of(client.get(f"{BASE}requests/{private_appeal.pk}.{fmt}"), fmt)
    assert float(found["lat"]) == 37.69 and float(found["long"]) == 112.7


def test_a_grid_is_coarsened_to_its_community(client, cast):
    grid = unit_save(actor=cast.root, unit=Unit(code="140702001001001", name="顺城社区第一网格", level=Level.GRID,
                                                 kind=UnitKind.GRID, parent=cast.community))
    appeal = new_appeal(cast, place=grid)
    (found,) = requests_of(client.get(f"{BASE}requests/{appeal.pk}.json"), "json")
    assert found["address"] == "榆次区北关街道顺城社区" and found["address_id"] == cast.community.code
    assert "网格" not in client.get(f"{BASE}requests/{appeal.pk}.xml").content.decode()


def test_a_clean_media_url_is_public(client, cast, keys):
    raw, _key = keys.issue([cast.yuci])
    response = client.post(f"{BASE}requests.json", {"api_key": raw, "service_code": "complaint",
                                                     "address_id": cast.community.code, "description": "坑",
                                                     "media_url": "https://img.example.com/p/42.jpg"})
    request_id = response.json()[0]["service_request_id"]
    (found,) = requests_of(client.get(f"{BASE}requests/{request_id}.xml"), "xml")
    assert found["media_url"] == "https://img.example.com/p/42.jpg"


def test_public_text_masks_numbers_emails_and_names_but_keeps_the_matter():
    text = public_text("王五说电话是+86 139-1234-5678，邮箱 a.b@x.cn，3号楼12度，2024年", names=["王五"])
    assert text == "某某说电话是***，邮箱 ***@***，3号楼12度，2024年"


def test_names_and_home_addresses_typed_in_the_text_are_masked(cast, client):
    """The resident names someone (or themselves) and a home address the form's fields do not hold:
    core.redact finds them by cue, surname and house number; the complaint itself stays readable."""
    appeal = new_appeal(cast, description="我叫赵六，家住顺城街5号3单元501。邻居王大爷家装修，每天晚上十点后还在电钻施工。",
                        contact_name="", address="")
    for fmt in FORMATS:
        (document,) = requests_of(client.get(f"{BASE}requests/{appeal.pk}.{fmt}"), fmt)
        description = document["description"]
        for secret in ("赵六", "顺城街5号", "3单元501", "王大爷"):
            assert secret not in description, description
        assert "每天晚上十点后还在电钻施工" in description and "某某" in description
        assert "[地址已隐去]" in description
