"""A task that is a demand reports itself: its progress is the demand's, moved by appeals' own services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.models import State
from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply
from core.errors import BadInput, NotAllowed
from deliberation import selectors, services
from deliberation.models import Action, Task, TopicEvent, TopicState
from deliberation.tests.conftest import decided


def steps(topic, action):
    return list(TopicEvent.objects.filter(topic=topic, action=action).order_by("pk").values_list("data", flat=True))


def test_a_demand_task_follows_its_demand_to_done_and_opens_rating(hall, django_capture_on_commit_callbacks):
    cast = hall.cast
    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="东门加装充电桩",
        kind="demand",
        department=cast.yuci_housing,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    appeal = task.appeal
    assert appeal.place == hall.unit and appeal.resident == hall.resident  # the proposer follows it too
    assert "东门空地加装10个充电桩" in appeal.description and "榆次区住房和城乡建设局" in appeal.description
    assert appeal.state == State.TO_DISPATCH  # community staff do not dispatch: it waits for a dispatcher
    assert selectors.task_progress(task)["state"] == "待派单"
    with django_capture_on_commit_callbacks(execute=True):
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
        appeal_accept(actor=cast.handler_b, appeal=appeal)
        appeal_reply(actor=cast.handler_b, appeal=appeal, text="充电桩已安装完毕并通电。")
    task.refresh_from_db()
    assert task.done_at is None and task.demand_state == State.REPLIED
    assert [d["state"] for d in steps(topic, Action.TASK_PROGRESS)] == ["to_accept", "handling", "replied"]
    with django_capture_on_commit_callbacks(execute=True):
        appeal_rate(actor=hall.resident, appeal=appeal, satisfaction="satisfied")
    task.refresh_from_db()
    topic.refresh_from_db()
    assert task.done_at is not None and selectors.task_progress(task)["done"]
    assert steps(topic, Action.TASK_DONE)[0]["demand"] == appeal.code
    assert topic.state == TopicState.RATING  # the last task done opens the residents' rating
    assert TopicEvent.objects.filter(topic=topic, action=Action.RATING_OPEN, actor__isnull=True).exists()


def test_the_sweep_catches_a_task_up_when_the_signal_was_missed(hall):
    cast = hall.cast
    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="装桩",
        kind="demand",
        department=cast.yuci_housing,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    appeal_dispatch(actor=cast.dispatcher, appeal=task.appeal, target=cast.yuci_housing)  # no on_commit here
    assert services.tasks_sync_open() == 1
    assert services.tasks_sync_open() == 0  # idempotent
    task.refresh_from_db()
    assert task.demand_state == State.TO_ACCEPT


def test_a_dispatcher_deciding_files_straight_to_the_department(hall):
    cast = hall.cast
    from conftest import make_staff
    from orgs.models import Role

    both = make_staff("both", (Role.HANDLER, hall.unit), (Role.DISPATCHER, cast.yuci), root=cast.root)
    topic = decided(hall)
    task = services.task_add(
        actor=both,
        topic=topic,
        title="装桩",
        kind="demand",
        department=cast.yuci_housing,
        due_on=timezone.localdate() + timedelta(days=30),
    )
    assert task.appeal.state == State.TO_ACCEPT and task.appeal.assigned_department == cast.yuci_housing


def test_a_department_outside_the_units_chain_is_refused_and_nothing_is_filed(hall):
    from appeals.models import Appeal

    topic = decided(hall)
    with pytest.raises(BadInput, match="太谷区卫健局|太谷区卫生健康局"):
        services.task_add(
            actor=hall.staff,
            topic=topic,
            title="x",
            kind="demand",
            department=hall.cast.taigu_health,
            due_on=timezone.localdate() + timedelta(days=3),
        )
    assert Appeal.objects.count() == 0 and Task.objects.count() == 0


def test_a_demand_task_takes_no_typed_progress(hall):
    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="装桩",
        kind="demand",
        department=hall.cast.yuci_housing,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    with pytest.raises(BadInput):
        services.task_note(actor=hall.staff, task=task, text="已完成")
    with pytest.raises(BadInput):
        services.task_done(actor=hall.staff, task=task)


def test_overdue_tasks_reach_the_supervisors_of_the_unit_only(hall):
    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="清理空地",
        kind="manual",
        owner_name="居委会",
        due_on=timezone.localdate() + timedelta(days=1),
    )
    Task.objects.filter(pk=task.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    assert list(selectors.overdue_tasks_for(hall.cast.city_supervisor)) == [task]
    assert list(selectors.overdue_tasks_for(hall.township)) == [task]
    assert list(selectors.overdue_tasks_for(hall.cast.taigu_supervisor)) == []
    assert list(selectors.overdue_tasks_for(hall.staff)) == []  # not a supervisor


def test_only_the_owner_or_the_community_reports_on_a_manual_task(hall):
    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="清理空地",
        kind="manual",
        owner_name="居委会",
        due_on=timezone.localdate() + timedelta(days=1),
    )
    with pytest.raises(NotAllowed):
        services.task_note(actor=hall.village_staff, task=task, text="x")
