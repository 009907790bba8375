"""The transition table, whole: every action tried from every state, through the services; then the
rules of each branch (退单 limit, 重办 once, 合并, 延期, 督办, 转办, 不予受理)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from appeals.lifecycle import TRANSITIONS, allowed_actions
from appeals.models import (
    Action,
    Appeal,
    AppealEvent,
    ExtensionRequest,
    KpiSettings,
    Message,
    Satisfaction,
    State,
    Urge,
)
from appeals.selectors import appeals_in_queue
from appeals.services import (
    Intake,
    appeal_accept,
    appeal_add_info,
    appeal_close_unrated,
    appeal_create,
    appeal_decide_extension,
    appeal_dispatch,
    appeal_mark_overdue,
    appeal_merge,
    appeal_progress_note,
    appeal_rate,
    appeal_reassign,
    appeal_reject,
    appeal_reply,
    appeal_request_extension,
    appeal_return,
    appeal_transfer,
    appeal_urge,
    appeal_urge_answer,
    appeal_withdraw,
    urge_mark_overdue,
)
from conftest import new_appeal
from core.errors import BadInput, InvalidTransition, NotAllowed
from orgs.models import Role
from orgs.services import membership_grant

LATER = timedelta(days=30)


def in_state(cast, state, *, place=None, department=None, **intake):
    """A resident's appeal brought to ``state`` through the services (staff steps by the superuser)."""
    appeal = new_appeal(cast, place=place or cast.community, **intake)
    root = cast.root
    if state == State.TO_DISPATCH:
        return appeal
    if state == State.REJECTED:
        appeal_reject(actor=root, appeal=appeal, reason="广告信息，不属于诉求")
        return appeal
    if state == State.WITHDRAWN:
        appeal_withdraw(actor=cast.resident, appeal=appeal, reason="已自行解决")
        return appeal
    if state == State.MERGED:
        main = new_appeal(cast, title="同一小区供暖问题", place=place or cast.community)
        appeal_merge(actor=root, appeal=appeal, into=main)
        return appeal
    appeal_dispatch(actor=root, appeal=appeal, target=department or cast.yuci_health)
    if state == State.TO_ACCEPT:
        return appeal
    appeal_accept(actor=root, appeal=appeal)
    if state == State.HANDLING:
        return appeal
    appeal_reply(actor=root, appeal=appeal, text="已联系供热公司，明日上门检修。")
    if state == State.REPLIED:
        return appeal
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.SATISFIED)
    assert appeal.state == State.CLOSED
    return appeal


def snapshot():
    """Everything a refused action must leave alone."""
    return (
        list(Appeal.objects.order_by("pk").values()),
        list(AppealEvent.objects.order_by("pk").values_list("pk", "action", "delivery")),
        list(ExtensionRequest.objects.order_by("pk").values_list("pk", "status", "decided_by")),
        list(Urge.objects.order_by("pk").values_list("pk", "answered_at", "overdue_at")),
        Message.objects.count(),
    )


def _extension_decision(approve):
    def prepare(cast, appeal):
        request = ExtensionRequest.objects.create(appeal=appeal, requested_by=cast.handler_a,
                                                  requested_due_at=timezone.now() + LATER, reason="需协调多部门")
        return lambda: appeal_decide_extension(actor=cast.root, request=request, approve=approve, note="同意")
    return prepare


def _urging(*, answer_due_at):
    """An urging on the appeal, made before the action is tried (it is the action's precondition)."""
    def make(cast, appeal):
        return Urge.objects.create(appeal=appeal, urged_by=cast.city_supervisor, note="请尽快办理",
                                   created_at=timezone.now(), answer_due_at=answer_due_at())
    return make


def _answer_urge(cast, appeal):
    urge = _urging(answer_due_at=lambda: timezone.now() + LATER)(cast, appeal)
    return lambda: appeal_urge_answer(actor=cast.root, urge=urge, text="已安排专人处理，明日反馈结果")


def _urge_overdue(cast, appeal):
    urge = _urging(answer_due_at=lambda: timezone.now() - timedelta(hours=1))(cast, appeal)
    return lambda: urge_mark_overdue(urge=urge)


def _merge(cast, appeal):
    main = new_appeal(cast, title="同一小区供暖问题")
    return lambda: appeal_merge(actor=cast.root, appeal=appeal, into=main)


def _close_after_rating_period(cast, appeal):
    def call():
        with time_machine.travel(timezone.now() + timedelta(days=8)):
            return appeal_close_unrated(appeal=appeal)
    return call


# For each action of the table: prepare(cast, appeal) → a call of the service that performs it, by an
# actor who may (the superuser for staff actions, the owner for the resident's). REOPEN and CLOSE have
# no service of their own: the resident's rating and the unrated sweep perform them.
CALLS = {
    Action.DISPATCH: lambda c, a: lambda: appeal_dispatch(actor=c.root, appeal=a, target=c.yuci_housing),
    Action.ACCEPT: lambda c, a: lambda: appeal_accept(actor=c.root, appeal=a),
    Action.RETURN: lambda c, a: lambda: appeal_return(actor=c.root, appeal=a, reason="不属于本单位职责"),
    Action.REASSIGN: lambda c, a: lambda: appeal_reassign(actor=c.root, appeal=a, target=c.yuci_housing),
    Action.TRANSFER: lambda c, a: lambda: appeal_transfer(actor=c.root, appeal=a, unit=c.beiguan),
    Action.REQUEST_EXTENSION: lambda c, a: lambda: appeal_request_extension(
        actor=c.root, appeal=a, new_due_at=timezone.now() + LATER, reason="需协调多部门"),
    Action.APPROVE_EXTENSION: _extension_decision(True),
    Action.DENY_EXTENSION: _extension_decision(False),
    Action.URGE: lambda c, a: lambda: appeal_urge(actor=c.root, appeal=a, note="群众反映强烈，请尽快办理"),
    Action.REPLY: lambda c, a: lambda: appeal_reply(actor=c.root, appeal=a, text="已处理完毕"),
    Action.RATE: lambda c, a: lambda: appeal_rate(actor=c.resident, appeal=a, satisfaction=Satisfaction.SATISFIED),
    Action.REOPEN: lambda c, a: lambda: appeal_rate(actor=c.resident, appeal=a,
                                                    satisfaction=Satisfaction.UNSATISFIED),
    Action.CLOSE: _close_after_rating_period,
    Action.MERGE: _merge,
    Action.REJECT: lambda c, a: lambda: appeal_reject(actor=c.root, appeal=a, reason="重复提交"),
    Action.WITHDRAW: lambda c, a: lambda: appeal_withdraw(actor=c.resident, appeal=a),
    Action.ADD_INFO: lambda c, a: lambda: appeal_add_info(actor=c.resident, appeal=a, text="楼道灯也坏了"),
    Action.OVERDUE: lambda c, a: lambda: appeal_mark_overdue(appeal=a, now=timezone.now() + LATER),
    Action.ANSWER_URGE: _answer_urge,
    Action.URGE_OVERDUE: _urge_overdue,
    Action.PROGRESS: lambda c, a: lambda: appeal_progress_note(actor=c.root, appeal=a, text="已联系供热公司",
                                                               public=True),
}
# The action named in the refusal when the service refuses on the way to it.
REFUSED_AS = {Action.REOPEN: Action.RATE}
# System steps (sweeps) that, when the state does not allow them, quietly do nothing: two sweeps at
# once must not fail. Every other refusal is an InvalidTransition.
QUIET = {Action.CLOSE, Action.OVERDUE, Action.URGE_OVERDUE}


D, A, H, R = State.TO_DISPATCH, State.TO_ACCEPT, State.HANDLING, State.REPLIED
# The lifecycle of the issue, written out by hand: action → (states it may start from, state after;
# None: unchanged). The table in appeals.lifecycle must say exactly this.
EXPECTED = {
    Action.DISPATCH: ({D}, A),
    Action.ACCEPT: ({A}, H),
    Action.RETURN: ({A, H}, D),
    Action.REASSIGN: ({A, H}, A),
    Action.TRANSFER: ({A, H}, A),
    Action.REQUEST_EXTENSION: ({H}, None),
    Action.APPROVE_EXTENSION: ({H}, None),
    Action.DENY_EXTENSION: ({H}, None),
    Action.URGE: ({A, H}, None),
    Action.REPLY: ({H}, R),
    Action.RATE: ({R}, None),
    Action.REOPEN: ({R}, H),
    Action.CLOSE: ({R}, State.CLOSED),
    Action.MERGE: ({D, A, H}, State.MERGED),
    Action.REJECT: ({D}, State.REJECTED),
    Action.WITHDRAW: ({D, A, H}, State.WITHDRAWN),
    Action.ADD_INFO: ({D, A, H, R}, None),
    Action.OVERDUE: ({A, H}, None),
    Action.ANSWER_URGE: ({A, H}, None),
    Action.URGE_OVERDUE: ({A, H}, None),
    Action.PROGRESS: ({H}, None),
}


def test_the_table_is_the_lifecycle_of_the_issue():
    assert {action: (set(t.sources), t.target) for action, t in TRANSITIONS.items()} == EXPECTED


def test_every_action_of_the_table_has_a_service_call():
    assert set(CALLS) == set(TRANSITIONS)


@pytest.mark.parametrize("state", State.values)
def test_every_action_from_every_state_is_allowed_or_refused_by_the_table(cast, state):
    appeal = in_state(cast, state)
    problems = []
    for action in EXPECTED:
        with transaction.atomic():  # each try starts from the same appeal: undone at the end
            _try(cast, appeal, state, action, problems)
            transaction.set_rollback(True)
    assert problems == []
    assert set(allowed_actions(state)) == {action for action, (sources, _t) in EXPECTED.items() if state in sources}


def _try(cast, appeal, state, action, problems):
    target = Appeal.objects.get(pk=appeal.pk)
    call = CALLS[action](cast, target)
    before = snapshot()
    last_event = AppealEvent.objects.order_by("pk").last().pk
    sources, target_state = EXPECTED[action]
    if state in sources:
        call()
        event = AppealEvent.objects.filter(appeal=appeal, action=action, pk__gt=last_event).first()
        expected = target_state or state
        if event is None or (event.from_state, event.to_state) != (state, expected):
            got = event and (event.from_state, event.to_state)
            problems.append(f"{action} from {state}: expected an event {state}→{expected}, got {got}")
        return
    if action in QUIET:
        result = call()
        if result not in (None, False):
            problems.append(f"{action} from {state}: the sweep acted ({result!r})")
    else:
        try:
            call()
        except InvalidTransition as exc:
            message = str(exc)
            said = REFUSED_AS.get(action, action)
            if not all(part in message for part in (appeal.code, str(State(state).label), str(Action(said).label))):
                problems.append(f"{action} from {state}: unclear refusal {message!r}")
        except Exception as exc:  # noqa: BLE001 - reported below with the action and state
            problems.append(f"{action} from {state}: {type(exc).__name__} {exc}")
        else:
            problems.append(f"{action} from {state}: allowed, but the table refuses it")
        if target.state != state:
            problems.append(f"{action} from {state}: the in-memory appeal changed to {target.state}")
    if snapshot() != before:
        problems.append(f"{action} from {state}: a refused action changed the database")


def test_final_states_allow_nothing():
    for state in (State.CLOSED, State.REJECTED, State.MERGED, State.WITHDRAWN):
        assert allowed_actions(state) == []


def test_refusal_names_the_appeal_its_state_and_the_action(cast):
    appeal = in_state(cast, State.HANDLING)
    with pytest.raises(InvalidTransition) as refused:
        appeal_accept(actor=cast.handler_a, appeal=appeal)
    assert appeal.code in str(refused.value)
    assert str(State.HANDLING.label) in str(refused.value)
    assert str(Action.ACCEPT.label) in str(refused.value)
    assert refused.value.status == 409


# --- 退单 -----------------------------------------------------------------------------------------------

def test_returns_are_limited_by_the_settings(cast, appeal):
    KpiSettings.objects.create(max_returns=2)
    stale = None
    for n in (1, 2):
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
        if n == 2:
            stale = Appeal.objects.get(pk=appeal.pk)  # read before the second return
        appeal_return(actor=cast.handler_a, appeal=appeal, reason="不属于卫健职责")
        assert (appeal.state, appeal.return_count, appeal.assigned_department) == (State.TO_DISPATCH, n, None)
        assert appeal.due_at is None
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    before = snapshot()
    with pytest.raises(BadInput) as refused:
        appeal_return(actor=cast.handler_a, appeal=appeal, reason="仍不属于本单位")
    assert "2" in str(refused.value)
    # A page that read the appeal before the second return must not let a third one through.
    stale.state = State.TO_ACCEPT
    with pytest.raises(BadInput):
        appeal_return(actor=cast.handler_a, appeal=stale, reason="仍不属于本单位")
    assert snapshot() == before
    appeal.refresh_from_db()
    assert appeal.state == State.TO_ACCEPT and appeal.return_count == 2


def test_a_return_needs_a_reason(cast):
    appeal = in_state(cast, State.TO_ACCEPT)
    before = snapshot()
    with pytest.raises(BadInput):
        appeal_return(actor=cast.handler_a, appeal=appeal, reason="   ")
    assert snapshot() == before


def test_the_return_event_says_why_and_from_whom(cast):
    appeal = in_state(cast, State.HANDLING)
    appeal_return(actor=cast.handler_a, appeal=appeal, reason="属于住建部门职责")
    event = appeal.events.get(action=Action.RETURN)
    assert (event.actor, event.note, event.from_state, event.to_state) == (
        cast.handler_a, "属于住建部门职责", State.HANDLING, State.TO_DISPATCH)
    assert event.data["from"] == str(cast.yuci_health)


# --- 重办 ------------------------------------------------------------------------------------------------

def test_an_unsatisfied_resident_reopens_once_only(cast):
    appeal = in_state(cast, State.REPLIED)
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.UNSATISFIED, comment="还是不热")
    assert (appeal.state, appeal.reopen_count, appeal.replied_at) == (State.HANDLING, 1, None)
    assert appeal.due_at > timezone.now() + timedelta(days=5) and not appeal.is_overdue
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="更换了暖气阀门")
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.UNSATISFIED, comment="仍然不热")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.reopen_count, appeal.resolved) == (State.CLOSED, 1, False)
    closing = appeal.events.filter(action__in=[Action.REOPEN, Action.CLOSE]).order_by("pk")
    assert list(closing.values_list("action", flat=True)) == [
        Action.REOPEN, Action.CLOSE]


def test_a_satisfied_rating_closes(cast):
    appeal = in_state(cast, State.REPLIED)
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.BASIC)
    assert (appeal.state, appeal.reopen_count, appeal.resolved) == (State.CLOSED, 0, True)


# --- 合并 ------------------------------------------------------------------------------------------------

def test_merging_tells_both_residents(cast):
    from accounts.models import User, UserKind

    other = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900139000")
    main = in_state(cast, State.HANDLING)
    duplicate = appeal_create(actor=other, data=Intake(title="3号楼暖气不热", description="同样的问题",
                                                      place=cast.community))
    assert duplicate.resident == other
    appeal_merge(actor=cast.dispatcher, appeal=duplicate, into=main, note="同一楼栋供暖问题")
    assert (duplicate.state, duplicate.merged_into) == (State.MERGED, main)
    merge = duplicate.events.get(action=Action.MERGE)
    notice = main.events.get(action=Action.ADD_INFO, data__merged=duplicate.code)
    assert merge.delivery == AppealEvent.Delivery.PENDING
    assert notice.delivery == AppealEvent.Delivery.PENDING
    main.refresh_from_db()
    assert main.state == State.HANDLING


@pytest.mark.parametrize("main_state", [State.CLOSED, State.REJECTED, State.WITHDRAWN, State.MERGED])
def test_no_merge_into_an_appeal_that_is_no_longer_open(cast, main_state):
    main = in_state(cast, main_state)
    duplicate = new_appeal(cast)
    before = snapshot()
    with pytest.raises(BadInput):
        appeal_merge(actor=cast.dispatcher, appeal=duplicate, into=main)
    assert snapshot() == before


def test_no_merge_into_itself(cast, appeal):
    with pytest.raises(BadInput):
        appeal_merge(actor=cast.dispatcher, appeal=appeal, into=appeal)
    appeal.refresh_from_db()
    assert appeal.state == State.TO_DISPATCH


def test_merge_checks_the_main_appeal_as_it_is_now(cast):
    main = in_state(cast, State.REPLIED)
    stale_main = Appeal.objects.get(pk=main.pk)
    appeal_rate(actor=cast.resident, appeal=main, satisfaction=Satisfaction.SATISFIED)  # closes it
    duplicate = new_appeal(cast)
    with pytest.raises(BadInput):
        appeal_merge(actor=cast.dispatcher, appeal=duplicate, into=stale_main)
    duplicate.refresh_from_db()
    assert duplicate.state == State.TO_DISPATCH


# --- 延期 ------------------------------------------------------------------------------------------------

def test_an_approved_extension_moves_the_deadline(cast):
    appeal = in_state(cast, State.HANDLING)
    old_due = appeal.due_at
    new_due = old_due + timedelta(days=5)
    request = appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=new_due,
                                       reason="需住建、供热公司联合处置")
    assert appeal.due_at == old_due  # asking moves nothing
    appeal_decide_extension(actor=cast.city_supervisor, request=request, approve=True, note="同意")
    appeal.refresh_from_db()
    request.refresh_from_db()
    assert appeal.due_at == new_due and appeal.state == State.HANDLING
    assert (request.status, request.decided_by) == (ExtensionRequest.Status.APPROVED, cast.city_supervisor)
    assert appeal.events.filter(action=Action.APPROVE_EXTENSION).count() == 1


def test_an_approved_extension_lifts_the_overdue_flag(cast):
    appeal = in_state(cast, State.HANDLING)
    assert appeal_mark_overdue(appeal=appeal, now=appeal.due_at + timedelta(minutes=1))
    request = appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=appeal.due_at + LATER,
                                       reason="等待配件")
    appeal_decide_extension(actor=cast.city_supervisor, request=request, approve=True)
    appeal.refresh_from_db()
    assert appeal.is_overdue is False


def test_a_denied_extension_leaves_the_deadline(cast):
    appeal = in_state(cast, State.HANDLING)
    old_due = appeal.due_at
    request = appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=old_due + LATER,
                                       reason="人手不足")
    appeal_decide_extension(actor=cast.city_supervisor, request=request, approve=False, note="理由不充分")
    appeal.refresh_from_db()
    request.refresh_from_db()
    assert appeal.due_at == old_due and request.status == ExtensionRequest.Status.DENIED
    assert appeal.events.filter(action=Action.DENY_EXTENSION).count() == 1


def test_an_extension_is_decided_once_and_asked_once_at_a_time(cast):
    appeal = in_state(cast, State.HANDLING)
    request = appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=appeal.due_at + LATER,
                                       reason="等待配件")
    with pytest.raises(BadInput):
        appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=appeal.due_at + 2 * LATER,
                                 reason="再等等")
    appeal_decide_extension(actor=cast.city_supervisor, request=request, approve=False)
    before = snapshot()
    with pytest.raises(BadInput):
        appeal_decide_extension(actor=cast.city_supervisor, request=request, approve=True)
    assert snapshot() == before


def test_an_extension_must_ask_for_a_later_deadline_and_give_a_reason(cast):
    appeal = in_state(cast, State.HANDLING)
    before = snapshot()
    with pytest.raises(BadInput):
        appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=appeal.due_at, reason="来不及")
    with pytest.raises(BadInput):
        appeal_request_extension(actor=cast.handler_a, appeal=appeal, new_due_at=appeal.due_at + LATER, reason="")
    assert snapshot() == before


# --- 督办 ------------------------------------------------------------------------------------------------

def test_urging_flags_the_appeal_in_the_handlers_queue(cast):
    urged = in_state(cast, State.HANDLING)
    calm = in_state(cast, State.HANDLING)
    appeal_urge(actor=cast.city_supervisor, appeal=urged, note="群众多次来电，请今日办结")
    appeal_urge(actor=cast.city_supervisor, appeal=urged, note="再次督办")
    assert urged.urge_count == 2 and calm.urge_count == 0
    assert list(appeals_in_queue(cast.handler_a, "urged")) == [urged]
    assert list(appeals_in_queue(cast.handler_b, "urged")) == []
    event = urged.events.filter(action=Action.URGE).last()
    assert (event.actor, event.note, event.public) == (cast.city_supervisor, "再次督办", False)
    # The flag stays until the handler answers.
    appeal_reply(actor=cast.handler_a, appeal=urged, text="已办结")
    assert list(appeals_in_queue(cast.handler_a, "urged")) == []


def test_urging_needs_a_note(cast):
    appeal = in_state(cast, State.HANDLING)
    before = snapshot()
    with pytest.raises(BadInput):
        appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="")
    assert snapshot() == before


# --- 转办 ------------------------------------------------------------------------------------------------

def test_transfer_passes_down_and_keeps_the_deadline(cast, settings):
    settings.TIME_ZONE, settings.WORKING_HOURS = "Asia/Shanghai", (time(8, 30), time(17, 30))
    shanghai = ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime(2026, 3, 16, 9, 0, tzinfo=shanghai), tick=False):
        appeal = in_state(cast, State.HANDLING)
    due = appeal.due_at
    with time_machine.travel(datetime(2026, 3, 17, 15, 0, tzinfo=shanghai), tick=False):
        appeal_transfer(actor=cast.handler_a, appeal=appeal, unit=cast.beiguan, note="请街道核实")
    assert (appeal.state, appeal.assigned_unit, appeal.assigned_department) == (State.TO_ACCEPT, cast.beiguan, None)
    assert appeal.due_at == due and appeal.accepted_at is None
    # The street office gets its own two working hours to accept, not the department's spent clock.
    assert appeal.accept_due_at == datetime(2026, 3, 17, 17, 0, tzinfo=shanghai)
    # The department no longer holds it; the street office's handler accepts it.
    with pytest.raises(NotAllowed):
        appeal_accept(actor=cast.handler_a, appeal=appeal)
    street_handler = _staff(cast, "beiguan_handler", Role.HANDLER, unit=cast.beiguan)
    appeal_accept(actor=street_handler, appeal=appeal)
    assert appeal.state == State.HANDLING


@pytest.mark.parametrize("where", ["yuci", "city", "mingxing", "village"])
def test_transfer_goes_only_to_a_unit_below(cast, where):
    appeal = in_state(cast, State.HANDLING)
    before = snapshot()
    with pytest.raises(BadInput):
        appeal_transfer(actor=cast.handler_a, appeal=appeal, unit=getattr(cast, where))
    assert snapshot() == before


# --- 不予受理 ---------------------------------------------------------------------------------------------

def test_rejecting_needs_a_reason(cast, appeal):
    before = snapshot()
    with pytest.raises(BadInput):
        appeal_reject(actor=cast.dispatcher, appeal=appeal, reason=" ")
    assert snapshot() == before
    appeal_reject(actor=cast.dispatcher, appeal=appeal, reason="测试信息，无实际诉求")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.close_reason) == (State.REJECTED, "测试信息，无实际诉求")
    assert appeal.closed_at is not None
    assert appeal.events.get(action=Action.REJECT).note == "测试信息，无实际诉求"


def _staff(cast, username, role, *, unit=None, department=None):
    from accounts.models import User, UserKind

    user = User.objects.create_user(username=username, password=cast.password, kind=UserKind.STAFF)
    membership_grant(actor=cast.root, user=user, role=role, unit=unit, department=department)
    return user
