"""Personal data on staff pages and in exports: masked by default everywhere; the clear values only
on the response to an audited unmask by the handler the appeal is assigned to."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appeals.exports import mask_text
from appeals.models import Action
from appeals.services import appeal_accept, appeal_dispatch
from conftest import new_appeal

NAME, PHONE, ID_NUMBER = "欧阳娜娜", "13912345678", "14070219900101123X"
MASKED_NAME, MASKED_PHONE, MASKED_ID = "欧***", "139****5678", "1407**********123X"


@pytest.fixture
def personal(cast):
    appeal = new_appeal(cast, title="家门口下水道堵了", contact_name=NAME, contact_phone=PHONE,
                        id_number=ID_NUMBER,
                        description=f"请联系我 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}，身份证{ID_NUMBER}。")
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    return appeal


def page_text(client, user, url, method="get"):
    client.force_login(user)
    response = getattr(client, method)(url)
    return response, response.content.decode()


def assert_no_clear_data(text):
    for clear in (NAME, PHONE, ID_NUMBER, "139 1234 5678", ID_NUMBER.lower()):
        assert clear not in text


def test_mask_text_masks_phones_and_id_numbers_in_free_text():
    assert mask_text("电话13912345678，或+86 139-1234-5678") == "电话139****5678，或139****5678"
    assert mask_text("身份证14070219900101123x号") == "身份证1407**********123X号"
    assert mask_text("编号2024001 座机0354-1234567") == "编号2024001 座机0354-1234567"  # not personal
    assert mask_text("") == ""


@pytest.mark.parametrize("who", ["handler_a", "dispatcher", "city_supervisor"])
def test_detail_page_masks_personal_data_for_everyone(cast, client, personal, who):
    response, text = page_text(client, getattr(cast, who), reverse("appeals:staff_detail", args=[personal.code]))
    assert response.status_code == 200
    assert MASKED_NAME in text and MASKED_PHONE in text and MASKED_ID in text
    assert_no_clear_data(text)


def test_queue_never_shows_clear_data(cast, client, personal):
    new_appeal(cast, title=f"回电{PHONE}")
    response, text = page_text(client, cast.city_supervisor, reverse("appeals:staff_queue") + "?queue=all")
    assert f"回电{MASKED_PHONE}" in text
    assert_no_clear_data(text)


def test_assigned_handler_unmasks_once_and_it_is_recorded(cast, client, personal):
    url = reverse("appeals:staff_detail", args=[personal.code])
    response, text = page_text(client, cast.handler_a, url)
    assert reverse("appeals:staff_unmask", args=[personal.code]) in text  # the button is offered
    response, text = page_text(client, cast.handler_a, reverse("appeals:staff_unmask", args=[personal.code]), "post")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert NAME in text and PHONE in text and ID_NUMBER in text
    event = personal.events.get(action=Action.UNMASK)
    assert event.actor == cast.handler_a and event.public is False
    # The next visit is masked again, and the timeline says who looked.
    response, text = page_text(client, cast.handler_a, url)
    assert_no_clear_data(text)
    assert "Personal data viewed" in text or "查看个人信息" in text


@pytest.mark.parametrize("who", ["handler_b", "dispatcher", "city_supervisor", "leader"])
def test_unmask_is_refused_to_anyone_not_assigned(cast, client, personal, who):
    user = getattr(cast, who)
    client.force_login(user)
    page = client.get(reverse("appeals:staff_detail", args=[personal.code]))
    if page.status_code == 200:
        assert reverse("appeals:staff_unmask", args=[personal.code]) not in page.content.decode()
    response = client.post(reverse("appeals:staff_unmask", args=[personal.code]), follow=True)
    if response.redirect_chain:  # in scope: back on the appeal, with the refusal said
        assert response.redirect_chain == [(reverse("appeals:staff_detail", args=[personal.code]), 302)]
        assert "You may not do" in response.content.decode() or "您无权" in response.content.decode()
    else:
        assert response.status_code == 404
    assert_no_clear_data(response.content.decode())
    assert not personal.events.filter(action=Action.UNMASK).exists()


def test_superuser_cannot_unmask_either(cast, client, personal):
    client.force_login(cast.root)
    response = client.post(reverse("appeals:staff_unmask", args=[personal.code]), follow=True)
    assert response.redirect_chain == [(reverse("appeals:staff_detail", args=[personal.code]), 302)]
    assert_no_clear_data(response.content.decode())
    assert not personal.events.filter(action=Action.UNMASK).exists()


def test_anonymous_resident_shows_no_contact_at_all(cast, client):
    appeal = new_appeal(cast, contact_name=NAME, contact_phone=PHONE, anonymous=True)
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    response, text = page_text(client, cast.handler_a, reverse("appeals:staff_detail", args=[appeal.code]))
    assert MASKED_PHONE not in text and MASKED_NAME not in text
    response = client.post(reverse("appeals:staff_unmask", args=[appeal.code]), follow=True)
    assert response.redirect_chain == [(reverse("appeals:staff_detail", args=[appeal.code]), 302)]
    assert_no_clear_data(response.content.decode())
    assert not appeal.events.filter(action=Action.UNMASK).exists()


def test_export_holds_masked_contact_and_never_the_clear_one(cast, client, personal):
    client.force_login(cast.city_supervisor)
    response = client.get(reverse("appeals:staff_export"), {"queue": "all"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c is not None]
    header = [c.value for c in workbook.active[1]]
    row = dict(zip(header, next(workbook.active.iter_rows(min_row=2, values_only=True)), strict=True))
    assert row[header[0]] == personal.code
    assert MASKED_NAME in cells and MASKED_PHONE in cells
    assert not any(clear in cell for cell in cells for clear in (NAME, PHONE, ID_NUMBER))
