"""Supervision that can be done: the supervisor's queue of extension requests (延期审批), decided from
the queue; requests that lapse when their appeal leaves handling; 督办 with a 反馈期限, the handler's
answer (督办反馈) and the sweep that escalates an unanswered one to the supervisors (督办超期)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from appeals import tasks
from appeals.models import Action, Appeal, AppealEvent, ExtensionRequest, Message, State, Urge
from appeals.notifications import deliver_all
from appeals.selectors import appeals_in_queue, extension_requests_pending_for
from appeals.services import (
    appeal_merge,
    appeal_reassign,
    appeal_reply,
    appeal_request_extension,
    appeal_return,
    appeal_transfer,
    appeal_urge,
    appeal_urge_answer,
    appeal_withdraw,
)
from appeals.tests.test_lifecycle import in_state, snapshot
from conftest import new_appeal
from core.errors import BadInput, NotAllowed

QUEUE = reverse("appeals:staff_extensions")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # an ordinary working Monday


@pytest.fixture
def as_user(client):
    def sign_in(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return sign_in


def requested(cast, *, place=None, department=None, reason="需协调供热公司和物业", days=5):
    """An appeal in handling with a pending extension request by its handler."""
    appeal = in_state(cast, State.HANDLING, place=place, department=department)
    handler = cast.handler_a if department in (None, cast.yuci_health) else cast.taigu_handler
    request = appeal_request_extension(actor=handler, appeal=appeal, reason=reason,
                                       new_due_at=appeal.due_at + timedelta(days=days))
    return appeal, request


def decide_url(request):
    return reverse("appeals:staff_extension_decide", args=[request.pk])


# --- the extension queue ----------------------------------------------------------------------------

def test_the_supervisor_sees_pending_requests_oldest_first_with_what_to_decide_on(cast, as_user):
    with time_machine.travel(timezone.now() - timedelta(hours=30)):
        older, older_request = requested(cast, reason="需协调多个部门")
    newer, newer_request = requested(cast, reason="等待检测报告")
    response = as_user(cast.city_supervisor).get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    assert [row["request"] for row in response.context["rows"]] == [older_request, newer_request]
    assert older.code in html and newer.code in html
    assert "需协调多个部门" in html and "等待检测报告" in html
    asked = timezone.localtime(older_request.requested_due_at).strftime("%Y-%m-%d %H:%M")
    assert asked in html
    assert "waiting 1\xa0day, 6\xa0hours" in html  # how long it has waited


def test_the_supervisor_approves_from_the_queue(cast, as_user):
    appeal, request = requested(cast)
    client = as_user(cast.city_supervisor)
    response = client.post(decide_url(request), {f"x{request.pk}-decision": "approve",
                                                 f"x{request.pk}-note": "同意延期"}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"Extension for {appeal.code} approved" in html
    assert "No extension request is waiting" in html  # decided: gone from the queue
    appeal.refresh_from_db()
    request.refresh_from_db()
    assert appeal.due_at == request.requested_due_at
    assert (request.status, request.decided_by) == (ExtensionRequest.Status.APPROVED, cast.city_supervisor)
    event = appeal.events.get(action=Action.APPROVE_EXTENSION)
    assert (event.actor, event.note) == (cast.city_supervisor, "同意延期")


def test_the_supervisor_denies_from_the_queue(cast, as_user):
    appeal, request = requested(cast)
    due = appeal.due_at
    response = as_user(cast.city_supervisor).post(decide_url(request), {f"x{request.pk}-decision": "deny"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    request.refresh_from_db()
    assert appeal.due_at == due and request.status == ExtensionRequest.Status.DENIED
    assert appeal.events.filter(action=Action.DENY_EXTENSION, actor=cast.city_supervisor).exists()


def test_a_decision_without_a_choice_comes_back_on_the_queue(cast, as_user):
    appeal, request = requested(cast)
    response = as_user(cast.city_supervisor).post(decide_url(request), {f"x{request.pk}-note": "再议"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.PENDING


def test_another_countys_supervisor_sees_nothing_and_is_refused(cast, as_user):
    appeal, request = requested(cast)
    client = as_user(cast.taigu_supervisor)
    response = client.get(QUEUE)
    assert response.context["rows"] == [] and appeal.code not in response.content.decode()
    before = snapshot()
    response = client.post(decide_url(request), {f"x{request.pk}-decision": "approve"}, follow=True)
    assert "This extension request is no longer waiting for your decision." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("who", ["handler_a", "dispatcher", "leader"])
def test_the_queue_is_for_supervisors_only(cast, as_user, who):
    appeal, request = requested(cast)
    client = as_user(getattr(cast, who))
    assert client.get(QUEUE).status_code == 403
    before = snapshot()
    assert client.post(decide_url(request), {f"x{request.pk}-decision": "approve"}).status_code == 403
    assert snapshot() == before


def test_the_taigu_supervisor_sees_taigu_requests_only(cast):
    requested(cast)
    _taigu, taigu_request = requested(cast, place=cast.village, department=cast.taigu_health)
    assert list(extension_requests_pending_for(cast.taigu_supervisor)) == [taigu_request]
    assert extension_requests_pending_for(cast.city_supervisor).count() == 2
    assert extension_requests_pending_for(cast.handler_a).count() == 0


def waiting_on_home(html) -> dict[str, int]:
    """The counts of waiting work on a home page, by key (web/templates/web/home_base.html)."""
    return {key: int(n) for key, n in re.findall(
        r'data-waiting="(\w+)"><span class="waiting-count">(\d+)</span>', html)}


def test_the_supervisors_home_counts_what_waits(cast, as_user):
    requested(cast)
    requested(cast)
    html = as_user(cast.city_supervisor).get("/").content.decode()
    waiting = waiting_on_home(html)
    assert waiting["extensions"] == 2 and waiting["urged_overdue"] == 0 and QUEUE in html
    taigu = waiting_on_home(as_user(cast.taigu_supervisor).get("/").content.decode())
    assert taigu["extensions"] == 0 and taigu["urged_overdue"] == 0


# --- requests lapse when the appeal leaves handling -----------------------------------------------------

LEAVING = {
    "reply": lambda c, a: appeal_reply(actor=c.handler_a, appeal=a, text="已处理"),
    "return": lambda c, a: appeal_return(actor=c.handler_a, appeal=a, reason="非本单位职责"),
    "transfer": lambda c, a: appeal_transfer(actor=c.handler_a, appeal=a, unit=c.beiguan),
    "reassign": lambda c, a: appeal_reassign(actor=c.dispatcher, appeal=a, target=c.yuci_housing),
    "merge": lambda c, a: appeal_merge(actor=c.dispatcher, appeal=a, into=new_appeal(c, title="同一小区供暖")),
    "withdraw": lambda c, a: appeal_withdraw(actor=c.resident, appeal=a, reason="已解决"),
}


@pytest.mark.parametrize("how", list(LEAVING))
def test_a_pending_request_lapses_when_the_appeal_leaves_handling(cast, how):
    appeal, request = requested(cast)
    LEAVING[how](cast, appeal)
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.LAPSED and request.decided_at is not None
    lapsed = appeal.events.get(action=Action.EXTENSION_LAPSED)
    assert lapsed.public is False and lapsed.actor_label == "system"
    # Written in the same step as the move, right after it.
    moved = appeal.events.exclude(action=Action.EXTENSION_LAPSED).order_by("-pk").first()
    assert moved.pk == lapsed.pk - 1 and moved.from_state == State.HANDLING
    assert extension_requests_pending_for(cast.city_supervisor).count() == 0
    # A new request can be made once the appeal is handled again.
    assert not ExtensionRequest.objects.filter(appeal=appeal, status=ExtensionRequest.Status.PENDING).exists()


def test_the_replied_appeals_request_is_shown_as_lapsed_and_cannot_be_decided(cast, as_user):
    appeal, request = requested(cast)
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="已处理")
    client = as_user(cast.city_supervisor)
    assert client.get(QUEUE).context["rows"] == []
    page = client.get(reverse("appeals:staff_detail", args=[appeal.code])).content.decode()
    assert "Extension request lapsed (延期申请已失效)" in page
    before = snapshot()
    client.post(decide_url(request), {f"x{request.pk}-decision": "approve"})
    assert snapshot() == before


def test_a_move_within_handling_keeps_the_request(cast):
    appeal, request = requested(cast)
    appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="请尽快")
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.PENDING


# --- 督办: a deadline, an answer, and escalation ----------------------------------------------------------

def test_an_urging_is_due_in_two_working_days_unless_the_supervisor_says(cast):
    with time_machine.travel(MONDAY_10, tick=False):
        appeal = in_state(cast, State.HANDLING)
        urge = appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="群众反映强烈")
        assert timezone.localtime(urge.answer_due_at) == datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)
        chosen = appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="今日下班前反馈",
                             answer_due_at=MONDAY_10 + timedelta(hours=6))
        assert chosen.answer_due_at == MONDAY_10 + timedelta(hours=6)
        with pytest.raises(BadInput):
            appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="x", answer_due_at=MONDAY_10)
    appeal.refresh_from_db()
    assert appeal.urge_count == 2
    assert appeal.events.filter(action=Action.URGE).last().data["answer_due_at"] == chosen.answer_due_at.isoformat()


def test_the_supervisor_sets_the_answer_deadline_on_the_page(cast, as_user):
    appeal = in_state(cast, State.HANDLING)
    due = timezone.localtime(timezone.now() + timedelta(days=1)).replace(second=0, microsecond=0)
    response = as_user(cast.city_supervisor).post(
        reverse("appeals:staff_act", args=[appeal.code, "urge"]),
        {"urge-note": "请明天反馈", "urge-answer_due_at": due.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert f"answers by {due:%Y-%m-%d %H:%M}" in response.content.decode()
    assert Urge.objects.get(appeal=appeal).answer_due_at == due


def test_an_unanswered_urging_past_its_deadline_goes_to_the_supervisors_queue_after_the_sweep(cast, as_user):
    appeal = in_state(cast, State.HANDLING)
    answered = in_state(cast, State.HANDLING, title="另一件")
    urge = appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="请尽快办理")
    other = appeal_urge(actor=cast.city_supervisor, appeal=answered, note="请尽快办理")
    appeal_urge_answer(actor=cast.handler_a, urge=other, text="已处理，待答复")
    deliver_all()
    Message.objects.all().delete()
    assert appeals_in_queue(cast.city_supervisor, "urged_overdue").count() == 0
    with time_machine.travel(urge.answer_due_at + timedelta(minutes=5)):
        assert tasks.sweep_overdue.call() == 1
        assert tasks.sweep_overdue.call() == 0  # flagged once
        client = as_user(cast.city_supervisor)
        response = client.get(reverse("appeals:staff_queue"), {"queue": "urged_overdue"})
        assert [row["appeal"].code for row in response.context["rows"]] == [appeal.code]
        tab = next(tab for tab in response.context["tabs"] if tab["key"] == "urged_overdue")
        assert tab["count"] == 1 and "Urging unanswered (督办超期)" in response.content.decode()
        assert waiting_on_home(client.get("/").content.decode())["urged_overdue"] == 1
        # Another county's supervisor has nothing of it.
        assert appeals_in_queue(cast.taigu_supervisor, "urged_overdue").count() == 0
        deliver_all()
    urge.refresh_from_db()
    assert urge.overdue_at is not None
    event = appeal.events.get(action=Action.URGE_OVERDUE)
    assert event.public is False and event.data["urge"] == urge.pk
    # Escalated: the nearest supervisors hear of it, and the handlers too.
    told = set(Message.objects.filter(appeal=appeal).values_list("recipient__username", flat=True))
    assert told == {"city_supervisor", "handler_a"}


def test_the_handler_answers_and_the_answer_is_on_the_timeline(cast, as_user):
    appeal = in_state(cast, State.HANDLING)
    urge = appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="请说明进展")
    deliver_all()
    Message.objects.all().delete()
    client = as_user(cast.handler_a)
    page = client.get(reverse("appeals:staff_detail", args=[appeal.code]))
    assert "answer_urge" in [a["key"] for a in page.context["actions"]]
    assert "Awaiting answer" in page.content.decode()
    response = client.post(reverse("appeals:staff_act", args=[appeal.code, "answer_urge"]),
                           {"answer_urge-urge": urge.pk, "answer_urge-text": "已约物业周三入户检修"}, follow=True)
    html = response.content.decode()
    assert "Your answer to the urging was recorded" in html
    assert "Urging answered (督办反馈)" in html and "已约物业周三入户检修" in html
    assert "answer_urge" not in [a["key"] for a in response.context["actions"]]  # nothing left to answer
    urge.refresh_from_db()
    assert (urge.answer, urge.answered_by) == ("已约物业周三入户检修", cast.handler_a)
    event = appeal.events.get(action=Action.ANSWER_URGE)
    assert (event.actor, event.public) == (cast.handler_a, False)
    # The supervisor sees it on the appeal and hears of it.
    supervisor_page = as_user(cast.city_supervisor).get(reverse("appeals:staff_detail", args=[appeal.code]))
    assert "已约物业周三入户检修" in supervisor_page.content.decode()
    deliver_all()
    assert Message.objects.filter(recipient=cast.city_supervisor, text__contains="已约物业周三入户检修").exists()
    # Answered urgings are not escalated.
    with time_machine.travel(urge.answer_due_at + timedelta(days=1)):
        assert tasks.sweep_overdue.call() == 0


def test_only_the_handling_body_answers_an_urging(cast, as_user):
    appeal = in_state(cast, State.HANDLING)
    urge = appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="请说明进展")
    before = snapshot()
    for outsider in (cast.handler_b, cast.city_supervisor, cast.taigu_handler):
        with pytest.raises(NotAllowed):
            appeal_urge_answer(actor=outsider, urge=urge, text="x")
    assert snapshot() == before
    assert Urge.objects.get(pk=urge.pk).answered_at is None
    response = as_user(cast.handler_b).post(reverse("appeals:staff_act", args=[appeal.code, "answer_urge"]),
                                            {"answer_urge-urge": urge.pk, "answer_urge-text": "x"})
    assert response.status_code in (302, 404)
    assert Urge.objects.get(pk=urge.pk).answered_at is None


def test_an_urging_is_answered_once(cast):
    appeal = in_state(cast, State.HANDLING)
    urge = appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="请说明进展")
    appeal_urge_answer(actor=cast.handler_a, urge=urge, text="已处理")
    with pytest.raises(BadInput):
        appeal_urge_answer(actor=cast.handler_a, urge=urge, text="再答一次")
    assert AppealEvent.objects.filter(appeal=appeal, action=Action.ANSWER_URGE).count() == 1


def test_an_urging_on_an_appeal_no_longer_with_a_handler_is_not_escalated(cast):
    appeal = in_state(cast, State.HANDLING)
    urge = appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="请尽快")
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="已处理")
    with time_machine.travel(urge.answer_due_at + timedelta(hours=1)):
        assert tasks.urge_overdue_sweep() == 0
        assert appeals_in_queue(cast.city_supervisor, "urged_overdue").count() == 0
    assert Appeal.objects.get(pk=appeal.pk).state == State.REPLIED
