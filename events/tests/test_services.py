"""events.services: visibility by unit, capacity with a waiting list, the team size rule, the sign-up
window and cut-off, a second sign-up refused, check-in, no-shows, results and photos, each refusal leaving
the database as it was."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.errors import BadInput, InvalidTransition, NotAllowed
from events import selectors, services
from events.models import Event, EventState, Signup, SignupEvent, SignupState, TeamMember
from events.tests.conftest import TEAM, event_data


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# --- who sees what ----------------------------------------------------------------------------------------

def test_a_resident_sees_their_community_and_county_events_and_no_one_elses(ev):
    c = ev.cast
    other = services.event_create(actor=c.root, unit=c.mingxing, data=event_data(ev.start, title="明星镇秧歌赛"))
    services.event_publish(actor=c.root, event=other)
    draft = services.event_create(actor=c.grid_worker, unit=c.community, data=event_data(ev.start, title="草稿"))
    assert set(selectors.events_for_resident(c.resident)) == {ev.dance, ev.chess}
    assert set(selectors.events_for_resident(ev.taigu_resident)) == {other}
    assert list(selectors.events_for_resident(ev.homeless)) == []
    assert draft not in selectors.events_for_resident(c.resident)


def test_staff_see_their_scope_and_a_department_its_own_events(ev):
    c = ev.cast
    assert set(selectors.events_visible_to(c.grid_worker)) == {ev.dance}
    assert set(selectors.events_visible_to(c.admin)) == {ev.dance, ev.chess}
    assert set(selectors.events_visible_to(ev.sports_handler)) == {ev.chess}
    assert list(selectors.events_visible_to(c.taigu_supervisor)) == []
    assert list(selectors.events_visible_to(c.resident)) == []


def test_who_may_organise_where(ev):
    c = ev.cast
    with pytest.raises(NotAllowed):  # a community worker does not organise for the county
        services.event_create(actor=c.grid_worker, unit=c.yuci, data=event_data(ev.start))
    with pytest.raises(NotAllowed):  # a health handler is no 文旅/体育 department
        services.event_create(actor=c.handler_a, unit=c.yuci, department=c.yuci_health, data=event_data(ev.start))
    with pytest.raises(NotAllowed):
        services.event_publish(actor=c.taigu_handler, event=ev.dance)
    assert Event.objects.count() == 2


def test_bad_input_says_every_problem_and_saves_nothing(ev):
    c = ev.cast
    data = event_data(ev.start, title=" ", ends_at=ev.start - timedelta(hours=1), capacity=0, takes_teams=True,
                      team_min=5, team_max=3)
    with pytest.raises(BadInput) as refused:
        services.event_create(actor=c.grid_worker, unit=c.community, data=data)
    text = str(refused.value.message)
    assert "标题" in text and "结束时间" in text and "名额" in text and "队伍人数" in text
    assert Event.objects.count() == 2


# --- sign-up ----------------------------------------------------------------------------------------------

def test_places_fill_then_the_waiting_list_and_a_cancellation_promotes_the_first_waiting(ev):
    c = ev.cast
    first = services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.now)
    second = services.signup_create(actor=ev.neighbour, event=ev.dance, name="李秀英", now=ev.now)
    third = services.signup_create(actor=ev.third, event=ev.dance, name="王凤英", now=ev.now)
    assert [first.state, second.state, third.state] == ["confirmed", "confirmed", "waiting"]
    services.signup_cancel(actor=c.resident, signup=first, now=ev.now)
    third.refresh_from_db()
    ev.dance.refresh_from_db()
    assert third.state == SignupState.CONFIRMED and ev.dance.confirmed == 2
    assert list(SignupEvent.objects.filter(signup=third).values_list("verb", flat=True)) == ["sign_up", "promote"]


def test_a_second_sign_up_is_refused_clearly(ev):
    c = ev.cast
    services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.now)
    with pytest.raises(BadInput, match="已报名"):
        services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.now)
    assert Signup.objects.count() == 1
    ev.dance.refresh_from_db()
    assert ev.dance.confirmed == 1


def test_the_team_size_rule(ev):
    c = ev.cast
    with pytest.raises(BadInput, match="3 至 5"):
        services.signup_create(actor=c.resident, event=ev.chess, name="顺城象棋队", members=TEAM[:2], now=ev.now)
    six = TEAM + [("甲", ""), ("乙", ""), ("丙", "")]
    with pytest.raises(BadInput, match="3 至 5"):
        services.signup_create(actor=c.resident, event=ev.chess, name="顺城象棋队", members=six, now=ev.now)
    assert Signup.objects.count() == 0
    team = services.signup_create(actor=c.resident, event=ev.chess, name="顺城象棋队", members=TEAM, now=ev.now)
    assert team.is_team and team.people == 3 and team.state == "confirmed"
    member = TeamMember.objects.get(signup=team, position=1)
    assert member.phone == "13900000001" and member.masked_phone != member.phone
    assert "13900000001" not in str(TeamMember.objects.filter(pk=member.pk).values_list("phone", flat=True).query)
    # the same member in a second team, and a team name taken, are refused
    with pytest.raises(BadInput, match="另一支队伍"):
        services.signup_create(actor=ev.neighbour, event=ev.chess, name="北关队", members=[("王芳", "13900000001"),
                               ("甲", ""), ("乙", "")], now=ev.now)
    with pytest.raises(BadInput, match="已有"):
        services.signup_create(actor=ev.neighbour, event=ev.chess, name="顺城象棋队", members=[("丁", ""),
                               ("甲", ""), ("乙", "")], now=ev.now)


def test_an_individual_event_takes_no_team_and_a_team_event_needs_a_name(ev):
    c = ev.cast
    with pytest.raises(BadInput):
        services.signup_create(actor=c.resident, event=ev.dance, name="张", members=TEAM, now=ev.now)
    with pytest.raises(BadInput):
        services.signup_create(actor=c.resident, event=ev.chess, name="", members=TEAM, now=ev.now)
    assert Signup.objects.count() == 0


def test_the_sign_up_window_and_the_cancelling_cut_off(ev):
    c = ev.cast
    with pytest.raises(BadInput, match="报名开始于"):
        services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.start - timedelta(days=6))
    with pytest.raises(BadInput, match="报名已于"):
        services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.start - timedelta(hours=1))
    signup = services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.now)
    late = ev.start - timedelta(hours=12)
    with pytest.raises(BadInput, match="取消"):
        services.signup_cancel(actor=c.resident, signup=signup, now=late)
    signup.refresh_from_db()
    assert signup.state == SignupState.CONFIRMED
    services.signup_cancel(actor=c.grid_worker, signup=signup, now=late)  # the organisers still may
    signup.refresh_from_db()
    assert signup.state == SignupState.CANCELLED


def test_only_residents_of_the_area_sign_up(ev):
    c = ev.cast
    with pytest.raises(NotAllowed, match="顺城社区"):
        services.signup_create(actor=ev.taigu_resident, event=ev.dance, name="赵", now=ev.now)
    with pytest.raises(NotAllowed, match="村或社区"):
        services.signup_create(actor=ev.homeless, event=ev.dance, name="赵", now=ev.now)
    with pytest.raises(NotAllowed):
        services.signup_create(actor=c.grid_worker, event=ev.dance, name="赵", now=ev.now)
    assert Signup.objects.count() == 0


def test_no_sign_up_to_a_closed_or_draft_event(ev):
    c = ev.cast
    services.event_close(actor=c.grid_worker, event=ev.dance)
    with pytest.raises(InvalidTransition):
        services.signup_create(actor=c.resident, event=ev.dance, name="张", now=ev.now)
    services.event_reopen(actor=c.grid_worker, event=ev.dance)
    assert services.signup_create(actor=c.resident, event=ev.dance, name="张", now=ev.now).state == "confirmed"


def test_raising_the_places_promotes_the_waiting_and_lowering_below_the_signed_up_is_refused(ev):
    c = ev.cast
    for person in (c.resident, ev.neighbour, ev.third):
        services.signup_create(actor=person, event=ev.dance, name="某", now=ev.now)
    with pytest.raises(BadInput):
        services.event_update(actor=c.grid_worker, event=ev.dance, data=event_data(ev.start, capacity=1))
    services.event_update(actor=c.grid_worker, event=ev.dance, data=event_data(ev.start, capacity=3))
    assert Signup.objects.filter(event=ev.dance, state="confirmed").count() == 3


def test_cancelling_the_event_cancels_its_sign_ups(ev):
    c = ev.cast
    signup = services.signup_create(actor=c.resident, event=ev.dance, name="张", now=ev.now)
    with pytest.raises(BadInput):
        services.event_cancel(actor=c.grid_worker, event=ev.dance, reason=" ")
    services.event_cancel(actor=c.grid_worker, event=ev.dance, reason="大风天气")
    signup.refresh_from_db()
    ev.dance.refresh_from_db()
    assert signup.state == SignupState.CANCELLED and ev.dance.state == EventState.CANCELLED
    assert "大风天气" in ev.dance.results_note


# --- check-in, afterwards ----------------------------------------------------------------------------------

def test_check_in_on_the_day_by_the_organisers_only(ev):
    c = ev.cast
    signup = services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.now)
    with pytest.raises(BadInput, match="当天"):
        services.signup_check_in(actor=c.grid_worker, signup=signup, now=ev.now)
    with pytest.raises(NotAllowed):
        services.signup_check_in(actor=c.taigu_handler, signup=signup, now=ev.start)
    services.signup_check_in(actor=c.grid_worker, signup=signup, now=ev.start)
    with pytest.raises(InvalidTransition, match="已签到"):
        services.signup_check_in(actor=c.grid_worker, signup=signup, now=ev.start)
    signup.refresh_from_db()
    assert signup.state == SignupState.CHECKED_IN and signup.checked_in_by == c.grid_worker
    assert services.signup_by_code(f"http://x/events/checkin/{signup.code}/") == signup
    assert services.signup_by_code("../etc") is None


def test_finishing_records_no_shows_then_results_and_photos_are_published(ev, media_root):
    c = ev.cast
    came = services.signup_create(actor=c.resident, event=ev.dance, name="张桂兰", now=ev.now)
    missed = services.signup_create(actor=ev.neighbour, event=ev.dance, name="李秀英", now=ev.now)
    services.signup_check_in(actor=c.grid_worker, signup=came, now=ev.start)
    with pytest.raises(InvalidTransition):  # results only after it is over
        services.results_record(actor=c.grid_worker, event=ev.dance, results=services.Results(note="好"))
    with pytest.raises(BadInput):
        services.event_finish(actor=c.grid_worker, event=ev.dance, now=ev.now)
    services.event_finish(actor=c.grid_worker, event=ev.dance, now=ev.start + timedelta(hours=3))
    missed.refresh_from_db()
    assert missed.state == SignupState.NO_SHOW
    lines = services.read_results("1 一等奖 张桂兰\n优秀奖 李秀英\n\n顺城舞蹈队")
    assert [(r.rank, r.award, r.winner) for r in lines] == [(1, "一等奖", "张桂兰"), (None, "优秀奖", "李秀英"),
                                                           (None, "", "顺城舞蹈队")]
    services.results_record(actor=c.grid_worker, event=ev.dance, results=services.Results(lines=lines, note="圆满"))
    ev.dance.refresh_from_db()
    assert ev.dance.has_results and ev.dance.results.first().signup == came
    with pytest.raises(BadInput):
        services.photo_add(actor=c.grid_worker, event=ev.dance,
                           upload=SimpleUploadedFile("fake.jpg", b"not an image at all", content_type="image/jpeg"))
    assert ev.dance.photos.count() == 0
    photo = services.photo_add(actor=c.grid_worker, event=ev.dance, upload=png(), caption="合影")
    assert photo.content_type == "image/png"


def test_read_members_names_each_bad_line():
    assert services.read_members("王芳 13900000001\n李强，139 0000 0002\n\n赵敏") == [
        ("王芳", "13900000001"), ("李强", "13900000002"), ("赵敏", "")]
    with pytest.raises(BadInput) as refused:
        services.read_members("王芳 1390000\n李强 13900000002\n赵敏 13900000002")
    assert len(refused.value.details) == 2
