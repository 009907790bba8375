"""Notifications from the event outbox: who is told what (SMS to the resident, in-site messages to the
right handlers, supervisors and residents), retries after a failing backend, and no double sending
when two workers run."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User, UserKind
from appeals import notifications
from appeals.models import Action, AppealEvent, AppealType, Channel, Message, Satisfaction, State
from appeals.notifications import claim_due, deliver_all, deliver_event, deliver_pending
from appeals.services import (
    Intake,
    appeal_accept,
    appeal_create,
    appeal_dispatch,
    appeal_mark_overdue,
    appeal_merge,
    appeal_rate,
    appeal_reassign,
    appeal_reply,
    appeal_transfer,
    appeal_urge,
)
from appeals.tests.test_lifecycle import in_state
from conftest import new_appeal
from orgs.models import Role
from orgs.services import membership_grant

PENDING, SENT, FAILED = AppealEvent.Delivery.PENDING, AppealEvent.Delivery.SENT, AppealEvent.Delivery.FAILED
LATE = timedelta(days=30)


pytestmark = pytest.mark.usefixtures("sms_outbox")


def inbox(user):
    return list(Message.objects.filter(recipient=user).values_list("text", flat=True))


def recipients():
    return {m.recipient.username for m in Message.objects.select_related("recipient")}


def flush():
    """Everything pending gets sent (what the worker does on its next run)."""
    return deliver_all()


# --- SMS to the resident ------------------------------------------------------------------------------------

def test_the_resident_gets_the_tracking_code_by_sms(cast, sms_outbox):
    appeal = new_appeal(cast)
    assert sms_outbox == []  # the transition only writes the event
    report = flush()
    assert report.sent == 1
    assert len(sms_outbox) == 1
    phone, text = sms_outbox[0]
    assert phone == "13800138000" and appeal.code in text
    assert appeal.events.get(action=Action.CREATE).delivery == SENT


def test_a_demand_taken_by_phone_texts_the_callers_number(cast, sms_outbox):
    data = Intake(title="路灯不亮", description="小区门口路灯坏了", appeal_type=AppealType.HELP, channel=Channel.PHONE,
                  place=cast.community, contact_phone="137 0013 7000")
    appeal = appeal_create(actor=cast.dispatcher, data=data)
    flush()
    assert len(sms_outbox) == 1 and sms_outbox[0][0] == "13700137000" and appeal.code in sms_outbox[0][1]


def test_a_caller_on_a_landline_is_recorded_and_never_texted(cast, sms_outbox):
    """Many elderly callers ring from a fixed line: their demand is taken with that number to call back
    on, and no SMS is sent to it (a landline cannot receive one): not on receipt, not on the reply."""
    data = Intake(title="独居老人无人照料", description="老人腿脚不便，希望社区上门看看", appeal_type=AppealType.HELP,
                  channel=Channel.PHONE, place=cast.community, contact_phone="0354 302 1234")
    appeal = appeal_create(actor=cast.dispatcher, data=data)
    assert appeal.contact_phone == "0354-3021234"
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="已安排家庭医生上门")
    report = flush()
    assert report.failed == 0 and sms_outbox == []
    assert not appeal.events.exclude(delivery=SENT).filter(action__in=[Action.CREATE, Action.REPLY]).exists()


def test_imported_hotline_records_are_not_texted_again(cast, sms_outbox):
    data = Intake(title="噪音扰民", description="夜间施工噪音", appeal_type=AppealType.COMPLAINT, channel=Channel.IMPORT,
                  place=cast.community, contact_phone="13700137000")
    appeal_create(actor=cast.dispatcher, data=data)
    assert flush().sent == 1
    assert sms_outbox == []


def test_the_reply_is_announced_by_sms_and_in_site(cast, sms_outbox):
    appeal = in_state(cast, State.HANDLING)
    flush()
    sms_outbox.clear()
    appeal_reply(actor=cast.handler_a, appeal=appeal, text="已修复暖气管道")
    flush()
    assert len(sms_outbox) == 1 and appeal.code in sms_outbox[0][1]
    assert [text for text in inbox(cast.resident) if appeal.code in text] != []


def test_merging_tells_each_resident(cast, sms_outbox):
    other = User.objects.create_user(username="r-other", kind=UserKind.RESIDENT, phone="13900139000")
    main = in_state(cast, State.HANDLING)
    duplicate = appeal_create(actor=other, data=Intake(title="3号楼暖气不热", description="同样的问题",
                                                      place=cast.community), resident=other)
    flush()
    sms_outbox.clear()
    Message.objects.all().delete()
    appeal_merge(actor=cast.dispatcher, appeal=duplicate, into=main)
    flush()
    texted = {phone: text for phone, text in sms_outbox}
    assert set(texted) == {"13800138000", "13900139000"}
    assert duplicate.code in texted["13900139000"] and main.code in texted["13900139000"]
    assert main.code in texted["13800138000"] and duplicate.code not in texted["13800138000"]
    assert recipients() == {"r-resident", "r-other"}


# --- in-site messages to staff --------------------------------------------------------------------------------

def test_a_dispatch_reaches_the_departments_handlers_only(cast):
    appeal = new_appeal(cast)
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    flush()
    assert recipients() == {"handler_a"}
    assert appeal.code in inbox(cast.handler_a)[0]


def test_each_move_reaches_the_body_it_was_made_to(cast):
    """Delivered after both moves: the dispatch still goes to 卫健局, the reassignment to 住建局."""
    appeal = new_appeal(cast)
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_reassign(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
    flush()
    assert len(inbox(cast.handler_a)) == 1 and len(inbox(cast.handler_b)) == 1
    assert recipients() == {"handler_a", "handler_b"}


def test_urging_reaches_the_handler(cast):
    appeal = in_state(cast, State.HANDLING)
    flush()
    Message.objects.all().delete()
    appeal_urge(actor=cast.city_supervisor, appeal=appeal, note="今日必须回复")
    flush()
    assert recipients() == {"handler_a"}
    assert "今日必须回复" in inbox(cast.handler_a)[0]


def test_a_transfer_reaches_the_unit_below(cast):
    street = User.objects.create_user(username="beiguan_handler", kind=UserKind.STAFF)
    membership_grant(actor=cast.root, user=street, role=Role.HANDLER, unit=cast.beiguan)
    appeal = in_state(cast, State.HANDLING)
    flush()
    Message.objects.all().delete()
    appeal_transfer(actor=cast.handler_a, appeal=appeal, unit=cast.beiguan)
    flush()
    assert recipients() == {"beiguan_handler"}


def test_overdue_reaches_the_handler_and_their_supervisor(cast):
    appeal = in_state(cast, State.HANDLING)
    flush()
    Message.objects.all().delete()
    with time_machine.travel(timezone.now() + LATE):
        assert appeal_mark_overdue(appeal=appeal)
        flush()
    assert recipients() == {"handler_a", "city_supervisor"}
    assert appeal.code in inbox(cast.city_supervisor)[0]


def test_overdue_in_taigu_reaches_taigus_supervisor(cast):
    appeal = in_state(cast, State.HANDLING, place=cast.village, department=cast.taigu_health)
    flush()
    Message.objects.all().delete()
    with time_machine.travel(timezone.now() + LATE):
        assert appeal_mark_overdue(appeal=appeal)
        flush()
    # The nearest supervisor over the appeal, not every supervisor up to the city.
    assert recipients() == {"taigu_handler", "taigu_supervisor"}


def test_a_reopened_appeal_goes_back_to_the_handler(cast):
    appeal = in_state(cast, State.REPLIED)
    flush()
    Message.objects.all().delete()
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.UNSATISFIED)
    flush()
    assert recipients() == {"handler_a"}


def test_the_log_backend_logs_each_event(cast, caplog):
    appeal = new_appeal(cast)
    with caplog.at_level(logging.INFO, logger="minsheng.appeals.notifications"):
        flush()
    assert any(f"appeal #{appeal.pk}:" in record.getMessage() for record in caplog.records)
    # The tracking code opens the resident's page: whoever reads the log must not learn it.
    assert not any(appeal.code in record.getMessage() for record in caplog.records)


# --- failures and retries -------------------------------------------------------------------------------------

class Flaky(notifications.Backend):
    """A gateway that is down until ``up`` is set."""

    up = False
    calls = 0

    def deliver(self, event):
        Flaky.calls += 1
        if not Flaky.up:
            raise ConnectionError("gateway 502")


@pytest.fixture
def flaky(settings):
    Flaky.up, Flaky.calls = False, 0
    settings.APPEAL_NOTIFICATION_BACKENDS = ["appeals.tests.test_notifications.Flaky",
                                             "appeals.notifications.InSiteBackend"]
    return Flaky


def test_a_failing_backend_does_not_block_the_transition_and_is_retried(cast, flaky):
    appeal = new_appeal(cast)
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)  # no error here
    assert appeal.state == State.TO_ACCEPT
    event = appeal.events.get(action=Action.DISPATCH)
    report = flush()
    assert report.retrying == 2 and report.sent == 0
    event.refresh_from_db()
    assert event.delivery == PENDING and event.delivery_attempts == 1
    assert "gateway 502" in event.delivery_error and event.delivery_claimed_until is None
    assert event.delivery_due_at > timezone.now()
    assert len(inbox(cast.handler_a)) == 1  # the working backend delivered once
    calls = flaky.calls
    flush()  # not due yet: nothing is tried
    assert flaky.calls == calls
    flaky.up = True
    with time_machine.travel(event.delivery_due_at + timedelta(seconds=1)):
        assert flush().sent == 2
    event.refresh_from_db()
    assert event.delivery == SENT and event.delivery_error == ""
    assert len(inbox(cast.handler_a)) == 1  # the in-site message was not sent a second time


def test_the_outbox_gives_up_after_the_last_attempt(cast, flaky, settings):
    settings.APPEAL_NOTIFICATION_MAX_ATTEMPTS = 3
    appeal = new_appeal(cast)
    event = appeal.events.get(action=Action.CREATE)
    moment = timezone.now()
    for attempt in (1, 2, 3):
        with time_machine.travel(moment):
            flush()
        event.refresh_from_db()
        assert event.delivery_attempts == attempt
        moment = event.delivery_due_at + timedelta(seconds=1)
    assert event.delivery == FAILED and "gateway 502" in event.delivery_error
    with time_machine.travel(moment + timedelta(days=1)):
        assert flush().handled == 0


def test_the_pause_between_attempts_grows():
    pauses = [notifications.backoff(n) for n in range(1, 12)]
    assert pauses == sorted(pauses) and pauses[0] < pauses[3] and pauses[-1] == notifications.MAX_BACKOFF


# --- two workers -----------------------------------------------------------------------------------------------

def test_two_workers_never_send_the_same_event(cast, sms_outbox):
    appeals = [new_appeal(cast) for _ in range(3)]
    now = timezone.now()
    first, first_token = claim_due(now=now)
    second, second_token = claim_due(now=now)  # the second worker finds everything taken
    assert len(first) == 3 and second == []
    for event in first:
        deliver_event(event, token=first_token, now=now)
    assert deliver_pending(now=now).handled == 0
    assert [sum(a.code in text for _phone, text in sms_outbox) for a in appeals] == [1, 1, 1]
    assert len(sms_outbox) == 3
    assert set(AppealEvent.objects.values_list("delivery", flat=True)) == {SENT}


def test_a_claim_of_a_worker_that_died_runs_out(cast, sms_outbox):
    new_appeal(cast)
    now = timezone.now()
    claimed, _token = claim_due(now=now)
    assert len(claimed) == 1
    # The worker dies here. Within the lease nobody else takes the row; after it, someone does.
    assert claim_due(now=now + notifications.LEASE - timedelta(seconds=1))[0] == []
    later = now + notifications.LEASE + timedelta(seconds=1)
    with time_machine.travel(later):
        assert deliver_pending(now=later).sent == 1
    assert len(sms_outbox) == 1


def test_a_worker_whose_claim_ran_out_stops_without_sending(cast, sms_outbox):
    new_appeal(cast)
    now = timezone.now()
    (slow_event,), slow_token = claim_due(now=now)
    later = now + notifications.LEASE + timedelta(seconds=1)
    (fresh_event,), fresh_token = claim_due(now=later)  # the slow worker overran its lease
    assert deliver_event(fresh_event, token=fresh_token, now=later) == SENT
    assert deliver_event(slow_event, token=slow_token, now=later) is None
    slow_event.refresh_from_db()
    assert slow_event.delivery == SENT and slow_event.delivery_attempts == 0
    assert len(sms_outbox) == 1
