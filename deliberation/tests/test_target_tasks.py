"""A council task can be the community's part of a 民生实事 target: the staff pick a target that reaches
the community and that they may see; the task, the public page and the timeline show the target's
progress as the targets app measures it, and the task is done when the target is achieved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import BadInput
from deliberation import services
from deliberation.models import Action, Task, TaskKind, TopicEvent, TopicState
from deliberation.tests.conftest import decided
from targets import progress
from targets import services as target_services


def make_target(hall, *, title="全市议事协商决议2项", owner=None, covered=(), public=True, target_value="2"):
    """A target measured by deliberation's own indicator (decisions made), so its progress is real."""
    return target_services.target_save(
        actor=hall.cast.root,
        data=target_services.TargetInput(
            title=title,
            owner_unit=owner or hall.cast.city,
            year=timezone.localdate().year,
            indicator_code="deliberation.decisions_made",
            baseline="0",
            target_value=target_value,
            is_public=public,
            covered_units=list(covered),
        ),
    )


def add_task(hall, topic, target, **kw):
    return services.task_add(
        actor=kw.pop("actor", hall.staff),
        topic=topic,
        title=kw.pop("title", "社区议事决议落实"),
        kind=TaskKind.TARGET,
        target=target,
        owner_name="社区居委会",
        due_on=timezone.localdate() + timedelta(days=60),
        **kw,
    )


def refreshed(target):
    progress.target_refresh(target)
    target.refresh_from_db()
    return target


def test_the_staff_are_offered_the_targets_reaching_their_community_they_may_see(client, hall):
    cast = hall.cast
    city = make_target(hall)
    yuci = make_target(hall, title="榆次区议事决议1项", owner=cast.yuci, target_value="1")
    make_target(hall, title="太谷区议事决议1项", owner=cast.taigu, target_value="1")  # elsewhere
    make_target(hall, title="只覆盖东阳村", covered=[cast.village])  # another community
    make_target(hall, title="内部考核项目", public=False)  # not public, and a community handler's scope is not the city's
    topic = decided(hall)
    client.force_login(hall.staff)
    page = client.get(f"/deliberation/staff/t/{topic.pk}/").content.decode()
    assert f'<option value="{city.pk}">' in page and f'<option value="{yuci.pk}">' in page
    assert "太谷区议事决议1项" not in page and "只覆盖东阳村" not in page and "内部考核项目" not in page


def test_a_target_outside_the_community_or_the_staff_members_sight_is_refused_and_nothing_saved(hall):
    topic = decided(hall)
    elsewhere = make_target(hall, title="太谷区议事决议1项", owner=hall.cast.taigu, target_value="1")
    hidden = make_target(hall, title="内部考核项目", public=False)
    for target in (elsewhere, hidden, None):
        with pytest.raises(BadInput):
            add_task(hall, topic, target)
    assert not Task.objects.exists()
    topic.refresh_from_db()
    assert topic.state == TopicState.DECIDED


def test_the_task_follows_the_targets_progress_to_done_on_the_page_and_the_timeline(client, hall):
    target = refreshed(make_target(hall))
    topic = decided(hall)  # the city's first decision: half of the target
    task = add_task(hall, topic, target)
    target = refreshed(target)
    assert services.tasks_sync_open() == 1
    assert services.tasks_sync_open() == 0  # told once
    page = client.get(f"/deliberation/t/{topic.pk}/").content.decode()
    assert 'data-target-progress="50"' in page and "全市议事协商决议2项" in page
    assert "data-step-target" in page and "50%" in page
    task.refresh_from_db()
    assert task.done_at is None

    decided(hall, title="楼道加装照明灯")  # the second decision: the target is achieved
    refreshed(target)
    assert services.tasks_sync_open() == 1
    task.refresh_from_db()
    topic.refresh_from_db()
    assert task.done_at is not None and topic.state == TopicState.RATING  # its only task: rating opens
    done = TopicEvent.objects.filter(topic=topic, action=Action.TASK_DONE).get()
    assert done.data["target_share"] == 100 and done.public


def test_the_community_may_mark_its_part_done_before_the_target_is(hall):
    target = make_target(hall, target_value="50")
    topic = decided(hall)
    task = add_task(hall, topic, target)
    services.task_note(actor=hall.staff, task=task, text="食堂已装修完毕，下周开业。")
    services.task_done(actor=hall.staff, task=task, note="本社区食堂已开业")
    topic.refresh_from_db()
    assert topic.state == TopicState.RATING
    assert services.tasks_sync_open() == 0  # a done task no longer follows the target
