"""Staff recording a demand for a resident: who may, for which places, and what is stored."""

import pytest

from accounts.models import User, UserKind
from appeals.models import Action, Appeal, AppealEvent, Channel
from core.crypto import blind_index
from orgs.models import Level, Role, Unit, UnitKind
from orgs.services import membership_grant, unit_save

RECORD = "/appeals/record/"


pytestmark = pytest.mark.usefixtures("english", "media_root")


def visit(place, **overrides):
    data = {
        "channel": Channel.GRID_VISIT,
        "contact_name": "李桂芳",
        "contact_phone": "139 0013 9000",
        "id_number": "",
        "appeal_type": "help",
        "title": "独居老人家中漏水",
        "description": "李桂芳老人家厨房水管漏水，老人行动不便，需要帮助联系维修。",
        "place": str(place.pk),
        "address": "顺城社区5号楼2单元",
    }
    data.update(overrides)
    return data


def test_grid_worker_records_a_visit_in_scope(client, cast):
    client.force_login(cast.grid_worker)
    response = client.post(RECORD, visit(cast.community, id_number="14070219800101123x"))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appeals/submitted/{appeal.code}/"
    assert appeal.channel == Channel.GRID_VISIT and appeal.created_by == cast.grid_worker
    assert appeal.place == cast.community and appeal.resident is None
    assert appeal.contact_name == "李桂芳" and appeal.contact_phone == "13900139000"
    assert appeal.id_number == "14070219800101123X"
    event = appeal.events.get()
    assert event.action == Action.CREATE and event.actor == cast.grid_worker
    assert event.delivery == AppealEvent.Delivery.PENDING and event.data == {"channel": Channel.GRID_VISIT}
    page = client.get(response["Location"]).content.decode()
    assert "Read this tracking code to the resident:" in page and f"{appeal.code[:5]} {appeal.code[5:]}" in page
    assert "A text with this code is queued for 139****9000" in page


def test_a_hotline_caller_on_a_landline_is_recorded_and_not_promised_an_sms(client, cast):
    client.force_login(cast.dispatcher)
    response = client.post(RECORD, visit(cast.community, channel=Channel.HOTLINE, contact_phone="(0354) 302 1234"))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and appeal.contact_phone == "0354-3021234"
    page = client.get(response["Location"]).content.decode()
    assert "queued for" not in page
    assert "035*****1234 is a landline and gets no SMS: make sure the resident has the code." in page


def test_grid_worker_only_sees_places_in_scope_and_is_refused_outside(client, cast):
    client.force_login(cast.grid_worker)
    form = client.get(RECORD).content.decode()
    assert "顺城社区" in form and "东阳村" not in form
    assert 'value="grid_visit"' in form and 'value="hotline"' not in form
    response = client.post(RECORD, visit(cast.village))
    assert response.status_code == 400
    assert "Choose a place from the list." in response.content.decode()
    assert not Appeal.objects.exists()


def test_grid_worker_in_a_grid_records_for_the_grid(client, cast):
    grid = unit_save(actor=cast.root, unit=Unit(code="140702001001001", name="顺城社区第一网格", short_name="第一网格",
                                                level=Level.GRID, kind=UnitKind.GRID, parent=cast.community))
    worker = User.objects.create_user(username="grid1", password="x", kind=UserKind.STAFF)
    membership_grant(actor=cast.root, user=worker, role=Role.GRID_WORKER, unit=grid)
    client.force_login(worker)
    assert "顺城社区第一网格" in client.get(RECORD).content.decode()
    client.post(RECORD, visit(grid))
    assert Appeal.objects.get().place == grid


def test_dispatcher_records_a_hotline_call_in_the_county(client, cast):
    client.force_login(cast.dispatcher)
    form = client.get(RECORD).content.decode()
    assert 'value="hotline"' in form and "顺城社区" in form and "东阳村" not in form  # 东阳村 is in 太谷区
    client.post(RECORD, visit(cast.community, channel=Channel.HOTLINE))
    appeal = Appeal.objects.get()
    assert appeal.channel == Channel.HOTLINE and appeal.created_by == cast.dispatcher
    # The dispatcher may not claim a grid visit.
    response = client.post(RECORD, visit(cast.community, channel=Channel.GRID_VISIT))
    assert response.status_code == 400 and Appeal.objects.count() == 1


def test_recorded_appeal_reaches_the_resident_with_that_phone(client, cast):
    cast.resident.phone_index = blind_index("13800138000")  # as signing in by SMS code sets it
    cast.resident.save(update_fields=["phone_index"])
    client.force_login(cast.grid_worker)
    client.post(RECORD, visit(cast.community, contact_phone="13800138000"))
    appeal = Appeal.objects.get()
    assert appeal.resident == cast.resident
    client.force_login(cast.resident)
    assert f"/appeals/track/{appeal.code}/" in client.get("/appeals/mine/").content.decode()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"contact_phone": "12345"}, "phone"),
    ({"contact_name": ""}, "Enter the resident&#x27;s name."),
    ({"id_number": "1234"}, "The ID number must be 18 characters"),
    ({"channel": ""}, "Choose how the resident raised it."),
])
def test_bad_input_keeps_what_was_typed(client, cast, overrides, message):
    client.force_login(cast.grid_worker)
    data = visit(cast.community, **overrides)
    response = client.post(RECORD, data)
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    assert not Appeal.objects.exists()
    assert data["title"] in html and data["description"] in html and data["address"] in html


def test_resident_cannot_use_the_recording_page(client, cast):
    client.force_login(cast.resident)
    assert client.get(RECORD).status_code == 403
    assert client.post(RECORD, visit(cast.community)).status_code == 403
    assert not Appeal.objects.exists()


def test_staff_without_a_recording_role_are_refused(client, cast):
    client.force_login(cast.handler_a)
    assert client.post(RECORD, visit(cast.community)).status_code == 403
    assert not Appeal.objects.exists()


def test_signed_out_visitor_goes_to_staff_sign_in(client, cast):
    response = client.get(RECORD)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
