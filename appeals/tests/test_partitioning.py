"""Appeals' events partitioned by month (manage.py appeals_partition_events): after the conversion the
whole loop still works on the converted table (a demand filed, dispatched, answered and rated, its SMS
sent through the outbox, its timeline and the 三率 figures read), the existing events are all there
with their ids, running the command again changes nothing, and the months ahead are made. The
conversion is DDL inside the test's transaction, which PostgreSQL rolls back with the rest."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from appeals import kpi_rollup, kpis, partitioning
from appeals.models import Action, AppealEvent, Satisfaction, State
from appeals.notifications import deliver_all
from appeals.selectors import appeal_timeline
from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply
from conftest import new_appeal

TZ = ZoneInfo("Asia/Shanghai")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                   reason="partitioning is PostgreSQL's (declarative partitions); SQLite keeps "
                                          "one table")


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=TZ), tick=False)


def partition(**options) -> str:
    out = io.StringIO()
    call_command("appeals_partition_events", *[f"--{k}={v}" if v is not True else f"--{k}"
                                               for k, v in options.items()], stdout=out)
    return out.getvalue()


def layout():
    """What the table looks like: its kind, its partitions with their bounds, its indexes and keys."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = 'appeals_appealevent'::regclass")
        kind = cursor.fetchone()[0]
        cursor.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                       "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'appeals_appealevent'::regclass "
                       "ORDER BY 1")
        parts = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'appeals_appealevent' ORDER BY 1")
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = 'appeals_appealevent'::regclass ORDER BY 1")
        constraints = cursor.fetchall()
    return kind, parts, indexes, constraints


@on_postgresql
def test_the_loop_works_on_the_converted_table(cast, sms_outbox):
    with at("2026-01-20 10:00"):
        before = new_appeal(cast)
        appeal_dispatch(actor=cast.dispatcher, appeal=before, target=cast.yuci_health)
    old_events = list(AppealEvent.objects.order_by("id").values_list("id", "appeal_id", "action", "created_at"))
    _kind, _parts, plain_indexes, plain_keys = layout()

    with at("2026-03-10 09:00"):
        out = partition(convert=True, ahead=2)
        assert f"{len(old_events)} rows moved" in out
        kind, parts, indexes, keys = layout()
        assert kind == "p"
        assert [name for name, _bound in parts] == [
            "appeals_appealevent_default", *(f"appeals_appealevent_p2026_{m:02d}" for m in (1, 2, 3, 4, 5))]
        # Every index under its name, the primary key now with the partition key; the foreign keys kept.
        assert {name for name, _d in indexes} == {name for name, _d in plain_indexes}
        assert dict(keys)["appeals_appealevent_pkey"] == "PRIMARY KEY (id, created_at)"
        assert {name for name, d in keys if "FOREIGN KEY" in d} == {name for name, d in plain_keys
                                                                     if "FOREIGN KEY" in d}
        assert list(AppealEvent.objects.order_by("id").values_list("id", "appeal_id", "action",
                                                                   "created_at")) == old_events

        appeal = new_appeal(cast)
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
        appeal_accept(actor=cast.handler_a, appeal=appeal)
        appeal_reply(actor=cast.handler_a, appeal=appeal, text="已协调供热公司维修，今日恢复供暖。")
        appeal_rate(actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.SATISFIED)
        appeal.refresh_from_db()
        assert appeal.state == State.CLOSED
        # The numbering goes on from where it was.
        assert min(appeal.events.values_list("id", flat=True)) > old_events[-1][0]

        # The outbox: claimed by a conditional UPDATE by id, each event marked sent by id.
        report = deliver_all()
        assert report.sent >= 2 and report.failed == 0
        assert any(appeal.code in text for _phone, text in sms_outbox)
        assert not AppealEvent.objects.filter(delivery=AppealEvent.Delivery.PENDING).exists()
        # The other way to claim, row locks skipping those another worker holds, works on partitions too.
        with transaction.atomic():
            locked = list(AppealEvent.objects.select_for_update(skip_locked=True, of=("self",))
                          .select_related("appeal").filter(appeal=appeal, action=Action.CLOSE))
        assert [event.appeal_id for event in locked] == [appeal.pk]

        assert [event.action for event in appeal_timeline(appeal)] == [
            Action.CREATE, Action.DISPATCH, Action.ACCEPT, Action.REPLY, Action.RATE, Action.CLOSE]
        assert [event.action for event in appeal_timeline(before)] == [Action.CREATE, Action.DISPATCH]

    with at("2026-03-11 09:00"):
        kpi_rollup.rollup()
        march = kpis.month_period(2026, 3)
        summed = kpis.kpi_report(user=cast.root, period=march)
        live = kpis.kpi_report(user=cast.root, period=march, use_summary=False)
    assert summed.department_total.figures.closed == live.department_total.figures.closed == 1


@on_postgresql
def test_running_it_again_changes_nothing_and_next_months_are_made_ahead(cast):
    with at("2026-03-10 09:00"):
        new_appeal(cast)
        partition(convert=True, ahead=3)
        converted = layout()
        events = list(AppealEvent.objects.values_list("id", "created_at"))
        assert "partitioned already" in partition(convert=True, ahead=3)
        assert "exist already" in partition(ahead=3)
        assert layout() == converted
        assert list(AppealEvent.objects.values_list("id", "created_at")) == events
    # The nightly run in May makes August.
    with at("2026-05-02 03:00"):
        assert "appeals_appealevent_p2026_08" in partition(ahead=3)
        names = [name for name, _bound in layout()[1]]
        assert names[-1] == "appeals_appealevent_p2026_08" and "appeals_appealevent_p2026_07" in names


@on_postgresql
def test_an_event_outside_every_month_waits_in_the_default_partition_until_its_month_is_made(cast):
    with at("2026-03-10 09:00"):
        appeal = new_appeal(cast)
        partition(convert=True, ahead=1)
        stray = AppealEvent.objects.create(appeal=appeal, created_at=datetime(2026, 9, 3, 8, 0, tzinfo=TZ),
                                           action=Action.PROGRESS, note="时钟错了的记录")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_appealevent_default")
        assert cursor.fetchone()[0] == 1
    with at("2026-08-20 03:00"):
        partition(ahead=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appeals_appealevent_default")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT id, note FROM appeals_appealevent_p2026_09")
        assert cursor.fetchall() == [(stray.pk, "时钟错了的记录")]


@on_postgresql
def test_the_nightly_run_leaves_a_plain_table_alone(db):
    assert "not partitioned" in partition(ahead=3)
    assert layout()[0] == "r"
    with connection.cursor() as cursor:
        assert not partitioning.is_partitioned(cursor)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="what the command says on SQLite")
def test_on_sqlite_the_command_says_it_is_for_postgresql(db):
    assert "PostgreSQL only" in partition(ahead=3)
    with pytest.raises(CommandError, match="PostgreSQL only"):
        partition(convert=True)


def test_months_are_counted_across_years():
    assert partitioning.add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert partitioning.add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert partitioning.partition_name(date(2027, 2, 1)) == "appeals_appealevent_p2027_02"
