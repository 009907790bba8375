"""The periodic work: flagging overdue appeals (超期), closing unrated ones, and the commands and tasks
that run them. Two sweeps at once must do no harm."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from appeals import tasks
from appeals.models import Action, Appeal, AppealEvent, KpiSettings, State
from appeals.services import appeal_mark_overdue
from appeals.tests.test_lifecycle import in_state

LATE = timedelta(days=30)


def overdue_events(appeal=None):
    events = AppealEvent.objects.filter(action=Action.OVERDUE)
    return events.filter(appeal=appeal) if appeal is not None else events


def test_the_sweep_flags_what_is_past_due_and_nothing_else(cast):
    waiting = in_state(cast, State.TO_ACCEPT)
    handling = in_state(cast, State.HANDLING)
    replied = in_state(cast, State.REPLIED)
    undispatched = in_state(cast, State.TO_DISPATCH)
    with time_machine.travel(timezone.now() + LATE):
        assert tasks.sweep_overdue.call() == 2
    for appeal in (waiting, handling):
        appeal.refresh_from_db()
        assert appeal.is_overdue and appeal.state in (State.TO_ACCEPT, State.HANDLING)
        event = overdue_events(appeal).get()
        assert (event.actor, event.actor_label, event.public) == (None, "system", False)
        assert event.delivery == AppealEvent.Delivery.PENDING  # the handler and supervisor will be told
        assert event.data["due_at"] == appeal.due_at.isoformat()
    for appeal in (replied, undispatched):
        appeal.refresh_from_db()
        assert not appeal.is_overdue and not overdue_events(appeal).exists()


def test_nothing_is_flagged_before_its_deadline(cast):
    appeal = in_state(cast, State.HANDLING)
    with time_machine.travel(appeal.due_at - timedelta(minutes=1)):
        assert tasks.sweep_overdue.call() == 0
    with time_machine.travel(appeal.due_at + timedelta(minutes=1)):
        assert tasks.sweep_overdue.call() == 1
    assert overdue_events(appeal).count() == 1


def test_a_second_sweep_writes_nothing_new(cast):
    appeals = [in_state(cast, State.HANDLING) for _ in range(3)]
    with time_machine.travel(timezone.now() + LATE):
        assert tasks.sweep_overdue.call() == 3
        assert tasks.sweep_overdue.call() == 0
    assert [overdue_events(a).count() for a in appeals] == [1, 1, 1]


def test_two_sweeps_interleaved_flag_each_appeal_once(cast):
    """Both sweeps pick their candidates before either writes; each then works through its list."""
    appeals = [in_state(cast, State.HANDLING) for _ in range(3)]
    now = timezone.now() + LATE
    first = list(tasks.overdue_candidates(now).values_list("pk", flat=True))
    second = list(tasks.overdue_candidates(now).values_list("pk", flat=True))
    assert sorted(first) == sorted(second) == sorted(a.pk for a in appeals)
    assert tasks.mark_overdue(second, now) == 3
    assert tasks.mark_overdue(first, now) == 0
    # And with stale objects handed straight to the service.
    stale = Appeal.objects.get(pk=appeals[0].pk)
    stale.is_overdue = False
    assert appeal_mark_overdue(appeal=stale, now=now) is False
    assert [overdue_events(a).count() for a in appeals] == [1, 1, 1]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_in_two_threads(cast):
    appeals = [in_state(cast, State.HANDLING) for _ in range(6)]
    now = timezone.now() + LATE
    start = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            start.wait(timeout=10)
            for _attempt in range(200):
                try:
                    results.append(tasks.overdue_sweep(now))
                    return
                except OperationalError as exc:
                    # The test database on SQLite is in memory with a shared cache, where a writer
                    # meeting another gets "table is locked" at once instead of waiting. A failed
                    # sweep is simply run again (cron would); PostgreSQL never gets here.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(results) == 2  # both sweeps ran to the end
    assert [overdue_events(a).count() for a in appeals] == [1] * 6
    assert Appeal.objects.filter(is_overdue=True).count() == 6


def test_an_overdue_appeal_reassigned_can_fall_overdue_again(cast):
    from appeals.services import appeal_reassign

    appeal = in_state(cast, State.HANDLING)
    with time_machine.travel(appeal.due_at + timedelta(hours=1)):
        assert tasks.sweep_overdue.call() == 1
        appeal_reassign(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
        assert appeal.is_overdue is False
    with time_machine.travel(appeal.due_at + timedelta(hours=1)):
        assert tasks.sweep_overdue.call() == 1
    assert overdue_events(appeal).count() == 2


# --- closing replied appeals nobody rated ---------------------------------------------------------------------

def test_unrated_replies_close_after_the_rating_period(cast):
    KpiSettings.objects.create(rating_days=7)
    old = in_state(cast, State.REPLIED)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        recent = in_state(cast, State.REPLIED)
    with time_machine.travel(old.replied_at + timedelta(days=7, minutes=1)):
        assert tasks.close_unrated.call() == 1
        assert tasks.close_unrated.call() == 0
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.state == State.CLOSED and old.satisfaction == "" and old.closed_on_time is True
    assert old.events.get(action=Action.CLOSE).actor_label == "system"
    assert recent.state == State.REPLIED


def test_the_rating_period_comes_from_the_settings(cast):
    KpiSettings.objects.create(rating_days=2)
    appeal = in_state(cast, State.REPLIED)
    with time_machine.travel(appeal.replied_at + timedelta(days=2, minutes=1)):
        assert tasks.close_unrated.call() == 1


# --- the commands and the task worker -----------------------------------------------------------------------------

def test_the_cron_command_sweeps_closes_delivers_and_updates_the_kpi_summary(cast, capsys):
    handling = in_state(cast, State.HANDLING)
    replied = in_state(cast, State.REPLIED)
    with time_machine.travel(timezone.now() + LATE):
        call_command("appeals_sweep")
        yesterday = timezone.localdate() - timedelta(days=1)
    out = capsys.readouterr().out
    handling.refresh_from_db()
    replied.refresh_from_db()
    assert handling.is_overdue and replied.state == State.CLOSED
    # What the sweep queued (the OVERDUE notice) went out in the same run.
    assert not AppealEvent.objects.filter(delivery=AppealEvent.Delivery.PENDING).exists()
    assert handling.events.get(action=Action.OVERDUE).delivery == AppealEvent.Delivery.SENT
    assert out.strip()
    # … and the 三率 summary the dashboards read now covers up to yesterday.
    from appeals.kpi_rollup import current_state
    assert current_state().covered_until == yesterday


def test_the_cron_command_can_queue_the_tasks_for_the_worker(cast):
    appeal = in_state(cast, State.HANDLING)
    call_command("appeals_sweep", "--enqueue")
    queued = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued == {"appeals.tasks.sweep_overdue", "appeals.tasks.close_unrated",
                      "appeals.tasks.deliver_notifications", "appeals.tasks.kpi_rollup",
                      "appeals.tasks.forget_idempotency_keys"}
    # The worker closes "old" connections between tasks; inside a test's transaction that would be the
    # test's own connection (PostgreSQL), so keep it open here.
    with time_machine.travel(timezone.now() + LATE), \
            mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    appeal.refresh_from_db()
    assert appeal.is_overdue
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
