"""The router plugged in at intake (appeals.services.set_router): what it writes stays when it
succeeds, and when it fails, whatever it wrote is undone and the appeal waits for a dispatcher with a
note saying why, also when the failure is the database's (which on PostgreSQL aborts the transaction
short of a savepoint)."""

import pytest
from django.db import connection

from appeals import services
from appeals.models import Action, Appeal, State
from conftest import new_appeal


@pytest.fixture
def router(monkeypatch):
    def plug(function):
        monkeypatch.setattr(services, "_router", function)

    return plug


def _failure_notes(appeal):
    return appeal.events.filter(action=Action.ADD_INFO, data__has_key="routing_error")


def test_what_a_router_writes_stays_when_it_succeeds(cast, router):
    router(lambda appeal: services.appeal_note(appeal=appeal, actor_label="auto", note="routed by test"))
    appeal = new_appeal(cast)
    assert appeal.events.filter(note="routed by test").exists()
    assert not _failure_notes(appeal).exists()


def test_a_router_that_writes_then_fails_leaves_only_the_appeal_and_the_reason(cast, router):
    def writes_then_fails(appeal):
        services.appeal_note(appeal=appeal, actor_label="auto", note="half done")
        raise RuntimeError("model server gone")

    router(writes_then_fails)
    appeal = new_appeal(cast)
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.state == State.TO_DISPATCH and appeal.events.filter(action=Action.CREATE).exists()
    assert not appeal.events.filter(note="half done").exists()
    assert _failure_notes(appeal).get().data["routing_error"] == "model server gone"


def test_a_router_that_fails_before_any_query_leaves_the_appeal_and_the_reason(cast, router):
    def fails(appeal):
        raise ValueError("no model")

    router(fails)
    appeal = new_appeal(cast)
    assert Appeal.objects.filter(pk=appeal.pk, state=State.TO_DISPATCH).exists()
    assert _failure_notes(appeal).get().data["routing_error"] == "no model"


def test_a_database_error_in_the_router_does_not_lose_the_appeal(cast, router):
    def bad_query(appeal):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_for_routing")

    router(bad_query)
    appeal = new_appeal(cast)
    # The appeal, its creation and the note were written after the failed statement: on PostgreSQL
    # only a savepoint taken before it lets the transaction go on.
    assert Appeal.objects.filter(pk=appeal.pk).exists()
    assert appeal.events.filter(action=Action.CREATE).exists()
    assert _failure_notes(appeal).exists()
