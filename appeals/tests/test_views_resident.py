"""The resident's pages: submit from a phone, track by code, and act on one's own appeal."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.models import User, UserKind
from appeals.models import Action, Appeal, AppealEvent, Channel, Satisfaction, State
from appeals.services import Intake, appeal_accept, appeal_create, appeal_dispatch, appeal_reply
from conftest import new_appeal

NEW = "/appeals/new/"


# English, so the catalogue can change without breaking tests; uploads kept out of the tree.
pytestmark = pytest.mark.usefixtures("english", "media_root")


@pytest.fixture
def resident_client(client, cast):
    client.force_login(cast.resident)
    return client


def png(name="photo.png", colour="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def form_data(cast, **overrides):
    data = {
        "appeal_type": "complaint",
        "title": "路灯坏了",
        "description": "顺城街3号楼门口的路灯坏了一个星期，晚上很黑。",
        "place": str(cast.community.pk),
        "address": "顺城街3号楼",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def replied(cast, appeal, text="已修复路灯，今晚恢复照明。"):
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_reply(actor=cast.handler_a, appeal=appeal, text=text)
    return appeal


# --- submitting ---------------------------------------------------------------------------------------

def test_signed_out_visitor_is_sent_to_resident_sign_in(client, cast):
    response = client.get(NEW)
    assert response.status_code == 302
    assert response["Location"] == "/login/resident/?next=/appeals/new/"


def test_form_offers_villages_grouped_by_township(resident_client, cast):
    response = resident_client.get(NEW)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="榆次区 北关街道">' in html and "顺城社区" in html and "东阳村" in html
    assert 'maxlength="4000"' in html and 'multiple' in html and 'accept="image/*"' in html


def test_submit_creates_appeal_with_event_and_pending_notification(resident_client, cast):
    response = resident_client.post(NEW, form_data(cast, photos=[png("a.png"), png("b.png", "blue")]))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/appeals/submitted/{appeal.code}/"
    assert appeal.resident == cast.resident and appeal.channel == Channel.WEB and appeal.place == cast.community
    assert appeal.title == "路灯坏了" and appeal.address == "顺城街3号楼" and appeal.state == State.TO_DISPATCH
    assert appeal.contact_phone == "13800138000" and appeal.anonymous is False
    assert appeal.photos.count() == 2
    event = appeal.events.get()
    assert event.action == Action.CREATE and event.delivery == AppealEvent.Delivery.PENDING

    page = resident_client.get(response["Location"])
    html = page.content.decode()
    assert f"{appeal.code[:5]} {appeal.code[5:]}" in html  # big and spaced for reading
    assert "138****8000" in html and "/appeals/track/" in html


def test_anonymous_flag_is_stored(resident_client, cast):
    resident_client.post(NEW, form_data(cast, anonymous="on"))
    assert Appeal.objects.get().anonymous is True


def test_address_without_place_goes_to_the_city(resident_client, cast):
    resident_client.post(NEW, form_data(cast, place="", address="榆次区迎宾街与锦纶路交叉口"))
    appeal = Appeal.objects.get()
    assert appeal.place == cast.city and appeal.address == "榆次区迎宾街与锦纶路交叉口"


def fake_jpeg():
    return SimpleUploadedFile("scan.jpg", b"this is only text pretending to be a photo", content_type="image/jpeg")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title": ""}, "Give your demand a short title."),
    ({"description": "长" * 4001}, "The description may be at most 4000 characters; yours has 4001."),
    ({"photos": "fake"}, "scan.jpg is not an image we can read"),
    ({"photos": "six"}, "You chose 6 photos; at most 5 may be attached."),
    ({"place": "", "address": ""}, "Choose the village or community, or type an address below."),
])
def test_bad_input_is_explained_and_nothing_typed_is_lost(resident_client, cast, overrides, message):
    if overrides.get("photos") == "fake":
        overrides["photos"] = [fake_jpeg()]
    elif overrides.get("photos") == "six":
        overrides["photos"] = [png(f"{i}.png") for i in range(6)]
    data = form_data(cast, **overrides)
    response = resident_client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert not Appeal.objects.exists()
    # Everything typed comes back.
    for field in ("title", "address"):
        if data.get(field):
            assert f'value="{data[field]}"' in html
    assert data["description"] in html
    assert re.search(r'value="complaint"[^>]*checked', html)  # the chosen type
    if data.get("place"):
        assert f'value="{cast.community.pk}" selected' in html
    if "photos" in overrides:
        assert "please choose them again" in html


def test_crlf_line_breaks_count_as_one_character(resident_client, cast):
    text = ("一行\r\n" * 1000)  # 4,000 characters as the browser counts them
    resident_client.post(NEW, form_data(cast, description=text))
    assert Appeal.objects.get().description == ("一行\n" * 1000).strip()


def test_staff_are_sent_to_the_recording_page(client, cast):
    client.force_login(cast.grid_worker)
    response = client.get(NEW)
    assert response.status_code == 302 and response["Location"] == "/appeals/record/"


# --- tracking by code ---------------------------------------------------------------------------------

def test_tracking_shows_state_and_public_timeline_without_personal_data(client, cast):
    appeal = replied(cast, new_appeal(cast, contact_name="王秀兰", anonymous=True))
    response = client.get(f"/appeals/track/{appeal.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Replied (已答复)" in html
    assert "The demand was received." in html and "Sent to 榆次区卫生健康局 for handling." in html
    assert "The handling unit accepted it and is working on it." in html
    assert "已修复路灯，今晚恢复照明。" in html  # the reply text is public
    for private in ("小区供暖不热", "暖气一直不热", "王秀兰", "13800138000", "138****8000", "顺城社区"):
        assert private not in html
    assert "/rate/" not in html and "/withdraw/" not in html and "/add-info/" not in html  # no actions


def test_tracking_page_hides_personal_data_from_other_signed_in_users(client, cast):
    appeal = new_appeal(cast)
    other = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900139000")
    client.force_login(other)
    html = client.get(f"/appeals/track/{appeal.code}/").content.decode()
    assert "小区供暖不热" not in html and "Withdraw" not in html


def test_owner_sees_details_on_the_tracking_page(resident_client, cast):
    appeal = new_appeal(cast)
    html = resident_client.get(f"/appeals/track/{appeal.code}/").content.decode()
    assert "小区供暖不热" in html and "暖气一直不热" in html and "顺城社区" in html
    assert f"/appeals/track/{appeal.code}/withdraw/" in html and f"/appeals/track/{appeal.code}/add-info/" in html
    assert f"/appeals/track/{appeal.code}/rate/" not in html  # nothing to rate before a reply


def test_track_form_finds_a_code_typed_loosely(client, cast):
    appeal = new_appeal(cast)
    typed = f"{appeal.code[:5].lower()} {appeal.code[5:].lower()}"
    response = client.get("/appeals/track/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == f"/appeals/track/{appeal.code}/"


def test_unknown_code_gives_a_clear_message(client, cast):
    new_appeal(cast)
    for response in (client.get("/appeals/track/", {"code": "ZZZZZ22222"}), client.get("/appeals/track/ZZZZZ22222/")):
        assert response.status_code == 404
        assert "No demand has this tracking code." in response.content.decode()


# --- the owner's actions ------------------------------------------------------------------------------

def test_my_appeals_lists_only_my_own(resident_client, cast):
    mine = new_appeal(cast, title="我的诉求")
    other = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900139000")
    appeal_create(actor=other, data=Intake(title="别人的诉求", description="别人的描述", place=cast.community))
    html = resident_client.get("/appeals/mine/").content.decode()
    assert "我的诉求" in html and f"/appeals/track/{mine.code}/" in html and "别人的诉求" not in html


def test_owner_rates_within_the_window(resident_client, cast):
    appeal = replied(cast, new_appeal(cast))
    page = resident_client.get(f"/appeals/track/{appeal.code}/").content.decode()
    assert f"/appeals/track/{appeal.code}/rate/" in page and "Withdraw" not in page
    response = resident_client.post(f"/appeals/track/{appeal.code}/rate/",
                                    {"satisfaction": Satisfaction.BASIC, "resolved": "yes", "comment": "修得挺快"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED and appeal.satisfaction == Satisfaction.BASIC
    assert appeal.resolved is True and appeal.rating_comment == "修得挺快"
    assert appeal.events.filter(action=Action.RATE, actor=cast.resident).exists()
    html = resident_client.get(response["Location"]).content.decode()
    assert "Thank you for your rating." in html and "修得挺快" in html
    assert f"/appeals/track/{appeal.code}/rate/" not in html


def test_unsolved_and_unsatisfied_rating_reopens(resident_client, cast):
    appeal = replied(cast, new_appeal(cast))
    resident_client.post(f"/appeals/track/{appeal.code}/rate/", {"satisfaction": Satisfaction.UNSATISFIED,
                                                                 "resolved": "no"})
    appeal.refresh_from_db()
    assert appeal.state == State.HANDLING and appeal.resolved is False and appeal.reopen_count == 1


def test_stranger_cannot_rate(client, cast):
    appeal = replied(cast, new_appeal(cast))
    other = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900139000")
    client.force_login(other)
    response = client.post(f"/appeals/track/{appeal.code}/rate/", {"satisfaction": "satisfied", "resolved": "yes"})
    assert response.status_code == 404
    client.force_login(cast.dispatcher)  # staff who can see the appeal are not its owner either
    response = client.post(f"/appeals/track/{appeal.code}/rate/", {"satisfaction": "satisfied", "resolved": "yes"})
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == State.REPLIED and not appeal.satisfaction


def test_rating_after_seven_days_is_refused_with_a_message(resident_client, cast):
    appeal = replied(cast, new_appeal(cast))
    with time_machine.travel(timezone.now() + timedelta(days=7, hours=1)):
        resident_client.force_login(cast.resident)  # the first session has expired by then
        page = resident_client.get(f"/appeals/track/{appeal.code}/")
        assert page.status_code == 200 and "小区供暖不热" in page.content.decode()
        assert f"/appeals/track/{appeal.code}/rate/" not in page.content.decode()  # the form is gone
        response = resident_client.post(f"/appeals/track/{appeal.code}/rate/",
                                        {"satisfaction": "satisfied", "resolved": "yes"}, follow=True)
    assert "The time to rate this reply (7 days) has passed." in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.state == State.REPLIED and not appeal.satisfaction


def test_rating_form_errors_are_shown(resident_client, cast):
    appeal = replied(cast, new_appeal(cast))
    response = resident_client.post(f"/appeals/track/{appeal.code}/rate/", {"comment": "还行"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose 满意, 基本满意 or 不满意." in html and "Say whether the problem was solved." in html and "还行" in html


def test_owner_withdraws(resident_client, cast):
    appeal = new_appeal(cast)
    response = resident_client.post(f"/appeals/track/{appeal.code}/withdraw/", {"reason": "已经自己解决了",
                                                                                "confirm": "1"}, follow=True)
    appeal.refresh_from_db()
    assert appeal.state == State.WITHDRAWN and appeal.close_reason == "已经自己解决了"
    html = response.content.decode()
    assert "Your demand was withdrawn." in html and "Withdrawn by the resident." in html
    assert f"/appeals/track/{appeal.code}/withdraw/" not in html


def test_withdrawing_a_closed_appeal_is_refused_with_a_message(resident_client, cast):
    appeal = new_appeal(cast)
    resident_client.post(f"/appeals/track/{appeal.code}/withdraw/", {"confirm": "1"})
    response = resident_client.post(f"/appeals/track/{appeal.code}/withdraw/", {}, follow=True)
    assert "it cannot be “Withdrawn (撤回)” now." in response.content.decode()


def test_owner_adds_information(resident_client, cast):
    appeal = new_appeal(cast)
    response = resident_client.post(f"/appeals/track/{appeal.code}/add-info/", {"text": "晚上8点后最冷"}, follow=True)
    assert appeal.events.filter(action=Action.ADD_INFO, note="晚上8点后最冷", public=True).exists()
    assert "晚上8点后最冷" in response.content.decode()
    # A visitor with the code sees that something was added, not what.
    resident_client.logout()
    html = resident_client.get(f"/appeals/track/{appeal.code}/").content.decode()
    assert "The resident added information." in html and "晚上8点后最冷" not in html


def test_photos_are_served_to_the_owner_only(resident_client, client, cast):
    resident_client.post(NEW, form_data(cast, photos=[png()]))
    appeal = Appeal.objects.get()
    photo = appeal.photos.get()
    url = f"/appeals/track/{appeal.code}/photos/{photo.pk}/"
    response = resident_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    other = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900139000")
    resident_client.force_login(other)
    assert resident_client.get(url).status_code == 404


# --- 进展记录 on the resident's timeline; 撤回 needs confirming -------------------------------------------

def test_a_public_progress_note_shows_on_the_tracking_page_an_internal_one_does_not(client, resident_client, cast):
    from appeals.services import appeal_accept, appeal_dispatch, appeal_progress_note

    appeal = new_appeal(cast)
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_progress_note(actor=cast.handler_a, appeal=appeal, text="已联系供热公司，周三上门检测", public=True)
    appeal_progress_note(actor=cast.handler_a, appeal=appeal, text="供热公司推诿，需区住建局协调", public=False)
    for page in (client.get(f"/appeals/track/{appeal.code}/"), resident_client.get(f"/appeals/track/{appeal.code}/")):
        html = page.content.decode()
        assert "Progress update from the handling unit." in html and "已联系供热公司，周三上门检测" in html
        assert "供热公司推诿" not in html


def test_withdrawing_asks_for_confirmation_first(resident_client, cast):
    appeal = new_appeal(cast)
    url = f"/appeals/track/{appeal.code}/withdraw/"
    response = resident_client.post(url, {"reason": "已经自己解决了"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Withdraw this demand?" in html and "已经自己解决了" in html and 'name="confirm"' in html
    assert f'href="/appeals/track/{appeal.code}/"' in html  # keeping it is one tap away
    appeal.refresh_from_db()
    assert appeal.state == State.TO_DISPATCH and not appeal.events.filter(action="withdraw").exists()
    resident_client.post(url, {"reason": "已经自己解决了", "confirm": "1"})
    appeal.refresh_from_db()
    assert appeal.state == State.WITHDRAWN and appeal.close_reason == "已经自己解决了"
