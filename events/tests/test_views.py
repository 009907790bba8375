"""events' pages: a resident's list, event page, sign-up (a refusal keeps what was typed), 我的活动 with the
QR code, cancelling; the organisers' pages, check-in by code and by the list, results and photos, the
printed notice; and everyone outside an event's area or scope refused."""

import re
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from events import services
from events.models import EventState, Signup, SignupState
from events.tests.conftest import TEAM, event_data
from events.tests.test_services import png


def test_the_resident_list_shows_community_and_county_events_upcoming_first(client, ev):
    client.force_login(ev.cast.resident)
    html = client.get("/events/").content.decode()
    assert html.index("社区广场舞展演") < html.index("榆次区象棋团体赛")
    assert "榆次区体育局" in html


def test_a_resident_of_another_county_sees_neither_and_is_refused_the_page(client, ev):
    client.force_login(ev.taigu_resident)
    html = client.get("/events/").content.decode()
    assert "社区广场舞展演" not in html and "象棋" not in html
    assert client.get(f"/events/{ev.dance.pk}/").status_code == 404


def test_a_resident_without_a_place_chooses_it_and_then_sees_the_events(client, ev):
    client.force_login(ev.homeless)
    html = client.get("/events/").content.decode()
    assert "您居住的村或社区" in html and "社区广场舞展演" not in html
    response = client.post("/events/place/", {"unit": ev.cast.community.pk})
    assert response.status_code == 302
    assert "社区广场舞展演" in client.get("/events/").content.decode()


def test_a_visitor_is_sent_to_sign_in(client, ev):
    response = client.get(f"/events/{ev.dance.pk}/")
    assert response.status_code == 302 and "/login/resident/" in response["Location"]


def test_signing_up_a_team_and_seeing_the_qr_in_my_events(client, ev):
    client.force_login(ev.cast.resident)
    members = "王芳 13900000001\n李强 13900000002\n赵敏"
    response = client.post(f"/events/{ev.chess.pk}/sign-up/", {"name": "顺城象棋队", "members": members})
    assert response.status_code == 302
    signup = Signup.objects.get()
    assert signup.state == SignupState.CONFIRMED and signup.people == 3
    page = client.get(response["Location"]).content.decode()
    assert "报名成功" in page and "<svg" in page and signup.code in page
    assert "139****0001" in page and "13900000001" not in page
    mine = client.get("/events/mine/").content.decode()
    assert f'data-code="{signup.code}"' in mine and "<svg" in mine


def test_a_refused_team_keeps_what_was_typed(client, ev):
    client.force_login(ev.cast.resident)
    response = client.post(f"/events/{ev.chess.pk}/sign-up/", {"name": "顺城象棋队", "members": "王芳 13900000001"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "每队 3 至 5 人" in html and "王芳 13900000001" in html and "顺城象棋队" in html
    assert Signup.objects.count() == 0


def test_cancelling_from_the_event_page(client, ev):
    signup = services.signup_create(actor=ev.cast.resident, event=ev.dance, name="张桂兰")
    client.force_login(ev.cast.resident)
    response = client.post(f"/events/sign-ups/{signup.pk}/cancel/")
    assert response.status_code == 302
    signup.refresh_from_db()
    assert signup.state == SignupState.CANCELLED
    client.force_login(ev.neighbour)  # someone else's sign-up is not theirs to cancel
    other = services.signup_create(actor=ev.cast.resident, event=ev.dance, name="张桂兰")
    assert client.post(f"/events/sign-ups/{other.pk}/cancel/").status_code == 404


def test_the_organiser_creates_publishes_and_a_refusal_keeps_the_form(client, ev):
    c = ev.cast
    client.force_login(c.grid_worker)
    assert client.get("/events/staff/").status_code == 200
    start = timezone.localtime() + timedelta(days=10)
    fmt = "%Y-%m-%dT%H:%M"
    form = {"unit": c.community.pk, "title": "社区读书讲座", "kind": "lecture", "place": "顺城社区活动室",
            "starts_at": start.strftime(fmt), "ends_at": (start - timedelta(hours=1)).strftime(fmt),
            "signup_opens_at": timezone.localtime().strftime(fmt),
            "signup_closes_at": (start - timedelta(days=1)).strftime(fmt), "capacity": "30"}
    response = client.post("/events/staff/new/", form)
    assert response.status_code == 400 and "结束时间必须晚于开始时间" in response.content.decode()
    assert "社区读书讲座" in response.content.decode()
    form["ends_at"] = (start + timedelta(hours=2)).strftime(fmt)
    response = client.post("/events/staff/new/", form)
    assert response.status_code == 302
    pk = int(re.search(r"/staff/(\d+)/", response["Location"]).group(1))
    assert client.post(f"/events/staff/{pk}/publish/").status_code == 302
    client.force_login(c.resident)
    assert "社区读书讲座" in client.get("/events/").content.decode()


def test_staff_outside_the_scope_are_refused(client, ev):
    client.force_login(ev.cast.taigu_handler)
    assert client.get(f"/events/staff/{ev.dance.pk}/").status_code == 404
    client.force_login(ev.cast.handler_a)
    assert client.get("/events/staff/").status_code == 403
    client.force_login(ev.cast.city_supervisor)  # sees, does not organise
    assert client.get(f"/events/staff/{ev.dance.pk}/").status_code == 200
    assert client.post(f"/events/staff/{ev.dance.pk}/close/").status_code in (302, 403)
    ev.dance.refresh_from_db()
    assert ev.dance.state == EventState.PUBLISHED


def test_check_in_by_code_and_by_the_list_on_the_day(client, ev, monkeypatch):
    c = ev.cast
    first = services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰")
    second = services.signup_create(actor=ev.neighbour, event=ev.dance, name="李秀英")
    monkeypatch.setattr(services, "_now", lambda: ev.start + timedelta(minutes=5))
    client.force_login(c.grid_worker)
    response = client.post("/events/checkin/", {"code": f"http://testserver/events/checkin/{first.code}/"})
    assert response.status_code == 302 and first.code in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "张**" in page
    client.post(f"/events/checkin/{first.code}/")
    client.post(f"/events/staff/{ev.dance.pk}/sign-ups/{second.pk}/check-in/")
    assert set(Signup.objects.values_list("state", flat=True)) == {"checked_in"}
    html = client.get(f"/events/staff/{ev.dance.pk}/").content.decode()
    assert 'data-figure="checked_in">2<' in html
    client.force_login(c.taigu_handler)
    assert client.get(f"/events/checkin/{first.code}/").status_code == 404


def test_results_and_photos_appear_on_the_event_page_and_photos_are_served_only_to_those_who_see_it(
        client, ev, media_root, monkeypatch):
    c = ev.cast
    signup = services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰")
    monkeypatch.setattr(services, "_now", lambda: ev.start + timedelta(minutes=5))
    services.signup_check_in(actor=c.grid_worker, signup=signup)
    client.force_login(c.grid_worker)
    client.post(f"/events/staff/{ev.dance.pk}/finish/")
    response = client.post(f"/events/staff/{ev.dance.pk}/results/", {"lines": "1 一等奖 张桂兰", "note": "圆满结束"})
    assert response.status_code == 302
    response = client.post(f"/events/staff/{ev.dance.pk}/photos/", {"image": png(), "caption": "合影"})
    assert response.status_code == 302
    bad = client.post(f"/events/staff/{ev.dance.pk}/photos/", {"image": SimpleUploadedFile(
        "x.png", b"GIF89a-not-really", content_type="image/png")}, HTTP_REFERER=f"/events/staff/{ev.dance.pk}/")
    assert bad.status_code == 302 and ev.dance.photos.count() == 1
    photo = ev.dance.photos.get()
    client.force_login(c.resident)
    page = client.get(f"/events/{ev.dance.pk}/").content.decode()
    assert "一等奖" in page and "圆满结束" in page and f"/events/photos/{photo.pk}/" in page
    assert client.get(f"/events/photos/{photo.pk}/")["Content-Type"] == "image/png"
    client.force_login(ev.taigu_resident)
    assert client.get(f"/events/photos/{photo.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/events/photos/{photo.pk}/").status_code == 404


def test_the_printed_notice_carries_a_qr_code_to_the_event(client, ev):
    client.force_login(ev.sports_handler)
    html = client.get(f"/events/staff/{ev.chess.pk}/notice/").content.decode()
    assert "<svg" in html and "活动通知" in html and "榆次区象棋团体赛" in html and "每队 3 至 5 人" in html
    draft = services.event_create(actor=ev.cast.grid_worker, unit=ev.cast.community, data=event_data(ev.start))
    client.force_login(ev.cast.grid_worker)
    assert client.get(f"/events/staff/{draft.pk}/notice/").status_code == 400


def test_editing_a_published_event(client, ev):
    client.force_login(ev.cast.grid_worker)
    assert client.get(f"/events/staff/{ev.dance.pk}/edit/").status_code == 200
    services.signup_create(actor=ev.cast.resident, event=ev.dance, name="张")
    services.event_cancel(actor=ev.cast.grid_worker, event=ev.dance, reason="大风")
    assert client.get(f"/events/staff/{ev.dance.pk}/edit/").status_code == 409


def test_the_team_members_show_masked_to_staff(client, ev):
    services.signup_create(actor=ev.cast.resident, event=ev.chess, name="顺城象棋队", members=TEAM)
    client.force_login(ev.sports_handler)
    html = client.get(f"/events/staff/{ev.chess.pk}/").content.decode()
    assert "顺城象棋队" in html and "王*" in html and "139****0001" in html and "13900000001" not in html
