"""For every action, everyone in the cast tries it on an appeal in 榆次区 (handled by 榆次区卫健局) and on
one in 太谷区 (handled by 太谷区卫健局): exactly the people whose role and scope cover it succeed; every
other is refused with NotAllowed and nothing changes."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserKind
from appeals.models import (
    Action,
    Appeal,
    AppealEvent,
    AppealType,
    Channel,
    ExtensionRequest,
    Satisfaction,
    State,
    Urge,
)
from appeals.permissions import may_see_kpis
from appeals.services import (
    Intake,
    appeal_accept,
    appeal_add_info,
    appeal_create,
    appeal_decide_extension,
    appeal_dispatch,
    appeal_merge,
    appeal_progress_note,
    appeal_rate,
    appeal_reassign,
    appeal_reject,
    appeal_reply,
    appeal_request_extension,
    appeal_return,
    appeal_transfer,
    appeal_unmask,
    appeal_urge,
    appeal_urge_answer,
    appeal_withdraw,
)
from appeals.tests.test_lifecycle import in_state, snapshot
from conftest import new_appeal
from core.errors import NotAllowed

EVERYONE = ["root", "dispatcher", "handler_a", "handler_b", "taigu_handler", "city_supervisor", "taigu_supervisor",
            "leader", "grid_worker", "admin", "resident", "other_resident", "anonymous"]


@pytest.fixture
def people(cast):
    other = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900139000")
    named = {name: getattr(cast, name) for name in EVERYONE if hasattr(cast, name)}
    return named | {"other_resident": other, "anonymous": AnonymousUser()}


@dataclass
class Case:
    action: str
    state: str
    prepare: object  # (cast, appeal, where) → (actor, appeal) → the service call
    yuci: frozenset  # who may, on the 榆次区 appeal
    taigu: frozenset  # who may, on the 太谷区 appeal


def _simple(call):
    return lambda cast, appeal, where: lambda actor, a: call(cast, actor, a, where)


def _handling_body(cast, where):
    return cast.yuci_health if where == "yuci" else cast.taigu_health


def _decision(approve):
    def prepare(cast, appeal, where):
        request = ExtensionRequest.objects.create(appeal=appeal, requested_by=cast.root, reason="需协调",
                                                  requested_due_at=appeal.due_at + timedelta(days=10))
        return lambda actor, a: appeal_decide_extension(actor=actor, request=request, approve=approve)
    return prepare


def _answer_urge(cast, appeal, where):
    urge = Urge.objects.create(appeal=appeal, urged_by=cast.city_supervisor, note="请加快", created_at=timezone.now(),
                               answer_due_at=timezone.now() + timedelta(days=2))
    return lambda actor, a: appeal_urge_answer(actor=actor, urge=urge, text="已安排专人处理")


def _merge(cast, appeal, where):
    main = new_appeal(cast, title="同一问题", place=appeal.place)
    return lambda actor, a: appeal_merge(actor=actor, appeal=a, into=main)


DISPATCHERS = frozenset({"root", "dispatcher"})
NOBODY_BUT_ROOT = frozenset({"root"})
OWNER = frozenset({"resident"})
CASES = {
    "dispatch": Case(Action.DISPATCH, State.TO_DISPATCH, _simple(
        lambda c, actor, a, where: appeal_dispatch(actor=actor, appeal=a, target=_handling_body(c, where))),
        DISPATCHERS, NOBODY_BUT_ROOT),
    "reassign": Case(Action.REASSIGN, State.TO_ACCEPT, _simple(
        lambda c, actor, a, where: appeal_reassign(actor=actor, appeal=a,
                                                   target=c.yuci_housing if where == "yuci" else c.mingxing)),
        DISPATCHERS, NOBODY_BUT_ROOT),
    "reject": Case(Action.REJECT, State.TO_DISPATCH, _simple(
        lambda c, actor, a, where: appeal_reject(actor=actor, appeal=a, reason="广告")), DISPATCHERS, NOBODY_BUT_ROOT),
    "merge": Case(Action.MERGE, State.TO_DISPATCH, _merge, DISPATCHERS, NOBODY_BUT_ROOT),
    "accept": Case(Action.ACCEPT, State.TO_ACCEPT, _simple(
        lambda c, actor, a, where: appeal_accept(actor=actor, appeal=a)),
        frozenset({"root", "handler_a"}), frozenset({"root", "taigu_handler"})),
    "return": Case(Action.RETURN, State.TO_ACCEPT, _simple(
        lambda c, actor, a, where: appeal_return(actor=actor, appeal=a, reason="非本单位职责")),
        frozenset({"root", "handler_a"}), frozenset({"root", "taigu_handler"})),
    "transfer": Case(Action.TRANSFER, State.HANDLING, _simple(
        lambda c, actor, a, where: appeal_transfer(actor=actor, appeal=a,
                                                   unit=c.beiguan if where == "yuci" else c.mingxing)),
        frozenset({"root", "handler_a"}), frozenset({"root", "taigu_handler"})),
    "request_extension": Case(Action.REQUEST_EXTENSION, State.HANDLING, _simple(
        lambda c, actor, a, where: appeal_request_extension(actor=actor, appeal=a, reason="需协调",
                                                            new_due_at=a.due_at + timedelta(days=10))),
        frozenset({"root", "handler_a"}), frozenset({"root", "taigu_handler"})),
    "reply": Case(Action.REPLY, State.HANDLING, _simple(
        lambda c, actor, a, where: appeal_reply(actor=actor, appeal=a, text="已处理")),
        frozenset({"root", "handler_a"}), frozenset({"root", "taigu_handler"})),
    # Personal data: only those handling the appeal, not even the superuser.
    "unmask": Case(Action.UNMASK, State.HANDLING, _simple(
        lambda c, actor, a, where: appeal_unmask(actor=actor, appeal=a)),
        frozenset({"handler_a"}), frozenset({"taigu_handler"})),
    "urge": Case(Action.URGE, State.HANDLING, _simple(
        lambda c, actor, a, where: appeal_urge(actor=actor, appeal=a, note="请加快办理")),
        frozenset({"root", "city_supervisor"}), frozenset({"root", "city_supervisor", "taigu_supervisor"})),
    "approve_extension": Case(Action.APPROVE_EXTENSION, State.HANDLING, _decision(True),
                              frozenset({"root", "city_supervisor"}),
                              frozenset({"root", "city_supervisor", "taigu_supervisor"})),
    "deny_extension": Case(Action.DENY_EXTENSION, State.HANDLING, _decision(False),
                           frozenset({"root", "city_supervisor"}),
                           frozenset({"root", "city_supervisor", "taigu_supervisor"})),
    "answer_urge": Case(Action.ANSWER_URGE, State.HANDLING, _answer_urge,
                        frozenset({"root", "handler_a"}), frozenset({"root", "taigu_handler"})),
    "progress": Case(Action.PROGRESS, State.HANDLING, _simple(
        lambda c, actor, a, where: appeal_progress_note(actor=actor, appeal=a, text="已联系供热公司", public=True)),
        frozenset({"root", "handler_a"}), frozenset({"root", "taigu_handler"})),
    # The resident's own actions: the owner only, whatever role anyone else holds.
    "rate": Case(Action.RATE, State.REPLIED, _simple(
        lambda c, actor, a, where: appeal_rate(actor=actor, appeal=a, satisfaction=Satisfaction.SATISFIED)),
        OWNER, OWNER),
    "withdraw": Case(Action.WITHDRAW, State.TO_DISPATCH, _simple(
        lambda c, actor, a, where: appeal_withdraw(actor=actor, appeal=a)), OWNER, OWNER),
    "add_info": Case(Action.ADD_INFO, State.HANDLING, _simple(
        lambda c, actor, a, where: appeal_add_info(actor=actor, appeal=a, text="补充照片说明")), OWNER, OWNER),
}


def test_every_action_a_person_can_take_is_covered():
    system_only = {Action.CREATE, Action.REOPEN, Action.CLOSE, Action.OVERDUE, Action.URGE_OVERDUE,
                   Action.EXTENSION_LAPSED}
    assert {case.action for case in CASES.values()} == set(Action.values) - system_only


def _outcome(case, act, actor, appeal_pk):
    """"allowed" (the event is written, by this actor), "refused" (NotAllowed, nothing changed), or what
    went wrong instead."""
    before = snapshot()
    last = AppealEvent.objects.order_by("pk").last().pk
    try:
        act(actor, Appeal.objects.get(pk=appeal_pk))
    except NotAllowed:
        return "refused" if snapshot() == before else "refused, but something changed"
    except Exception as exc:  # noqa: BLE001 - the outcome names it
        return f"{type(exc).__name__}: {exc}"
    written = AppealEvent.objects.filter(pk__gt=last, action=case.action)
    if not written.filter(actor=actor if actor.is_authenticated else None).exists():
        return "allowed, without its event"
    return "allowed"


@pytest.mark.parametrize("where", ["yuci", "taigu"])
@pytest.mark.parametrize("name", list(CASES))
def test_only_those_in_scope_may(cast, people, name, where):
    case = CASES[name]
    place = cast.community if where == "yuci" else cast.village
    appeal = in_state(cast, case.state, place=place, department=_handling_body(cast, where))
    act = case.prepare(cast, appeal, where)
    outcomes = {}
    for who in EVERYONE:
        with transaction.atomic():
            outcomes[who] = _outcome(case, act, people[who], appeal.pk)
            transaction.set_rollback(True)
    insiders = getattr(case, where)
    assert outcomes == {who: "allowed" if who in insiders else "refused" for who in EVERYONE}


# --- targets outside the actor's scope ------------------------------------------------------------------

def test_a_dispatcher_cannot_send_work_outside_their_county(cast, appeal):
    before = snapshot()
    with pytest.raises(NotAllowed):
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.taigu_health)
    with pytest.raises(NotAllowed):
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.city_health)
    assert snapshot() == before
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    before = snapshot()
    with pytest.raises(NotAllowed):
        appeal_reassign(actor=cast.dispatcher, appeal=appeal, target=cast.mingxing)
    assert snapshot() == before


def test_a_dispatcher_cannot_merge_into_an_appeal_outside_their_county(cast, appeal):
    elsewhere = new_appeal(cast, place=cast.village)
    before = snapshot()
    with pytest.raises(NotAllowed):
        appeal_merge(actor=cast.dispatcher, appeal=appeal, into=elsewhere)
    assert snapshot() == before


def test_a_handler_loses_the_appeal_once_it_is_reassigned(cast):
    appeal = in_state(cast, State.HANDLING)
    appeal_reassign(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
    with pytest.raises(NotAllowed):
        appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_accept(actor=cast.handler_b, appeal=appeal)
    assert appeal.state == State.HANDLING


def test_a_deactivated_handler_is_refused(cast):
    appeal = in_state(cast, State.TO_ACCEPT)
    cast.handler_a.is_active = False
    cast.handler_a.save(update_fields=["is_active"])
    handler = User.objects.get(pk=cast.handler_a.pk)
    with pytest.raises(NotAllowed):
        appeal_accept(actor=handler, appeal=appeal)
    appeal.refresh_from_db()
    assert appeal.state == State.TO_ACCEPT


def test_an_anonymous_residents_details_stay_hidden_even_from_the_handler(cast):
    appeal = in_state(cast, State.HANDLING, anonymous=True, contact_name="张三")
    before = snapshot()
    with pytest.raises(NotAllowed):
        appeal_unmask(actor=cast.handler_a, appeal=appeal)
    assert snapshot() == before


def test_unmasking_is_audited(cast):
    appeal = in_state(cast, State.HANDLING, contact_name="张三")
    details = appeal_unmask(actor=cast.handler_a, appeal=appeal)
    assert details["name"] == "张三" and details["phone"] == "13800138000"
    event = appeal.events.get(action=Action.UNMASK)
    assert (event.actor, event.public) == (cast.handler_a, False)


# --- the 三率 KPI page ----------------------------------------------------------------------------------

def test_supervisors_leaders_administrators_and_dispatchers_see_the_kpis(cast, people):
    allowed = {"root", "dispatcher", "city_supervisor", "taigu_supervisor", "leader", "admin"}
    assert {who for who in EVERYONE if may_see_kpis(people[who])} == allowed
    cast.leader.is_active = False
    assert not may_see_kpis(cast.leader)


# --- recording a demand for a resident (intake by phone or on a visit) ------------------------------------

@pytest.mark.parametrize("where", ["yuci", "taigu"])
def test_only_dispatchers_and_grid_workers_of_the_place_record_for_residents(cast, people, where):
    place = cast.community if where == "yuci" else cast.village
    allowed = {"root", "dispatcher", "grid_worker"} if where == "yuci" else {"root"}
    outcomes = {}
    for who in EVERYONE:
        with transaction.atomic():
            before = Appeal.objects.count()
            data = Intake(title="路灯不亮", description="村口路灯坏了一周", appeal_type=AppealType.HELP,
                          channel=Channel.PHONE, place=place, contact_phone="13700137000")
            try:
                appeal_create(actor=people[who], data=data)
            except NotAllowed:
                outcomes[who] = "refused" if Appeal.objects.count() == before else "refused, but created"
            else:
                outcomes[who] = "allowed"
            transaction.set_rollback(True)
    assert outcomes == {who: "allowed" if who in allowed else "refused" for who in EVERYONE}


def test_the_timeline_shows_who_did_what(cast):
    appeal = in_state(cast, State.TO_DISPATCH)
    now = timezone.now()
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health, note="请卫健局办理")
    event = appeal.events.get(action=Action.DISPATCH)
    assert (event.actor, event.from_state, event.to_state, event.note) == (
        cast.dispatcher, State.TO_DISPATCH, State.TO_ACCEPT, "请卫健局办理")
    assert abs(event.created_at - now) < timedelta(seconds=5)
