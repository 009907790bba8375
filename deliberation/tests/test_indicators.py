"""deliberation's indicators in the 民生实事 registry: decisions made, decisions carried out and residents'
satisfaction with the execution, counted by hand over a small hall built through the services, for a
community, a village, their counties and the city."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appeals.kpis import Period
from deliberation import selectors, services
from deliberation.models import TopicState
from targets import registry

from .conftest import make_resident, propose

CODES = ["deliberation.decisions_made", "deliberation.decisions_executed", "deliberation.rated_satisfied"]


def _to_vote(h, *, staff, unit, actor, title):
    topic = propose(h, actor=actor, unit=unit, title=title, description=f"{title}，请议事会讨论决定。")
    topic = services.topic_accept(actor=staff, topic=topic)
    meeting = services.topic_to_council(
        actor=staff, topic=topic, held_at=timezone.now() + timedelta(days=1), place="议事厅", agenda=title, expected=5
    )
    for i in range(5):
        p = services.participant_add(actor=staff, meeting=meeting, kind="representative", name=f"代表{i}")
        services.participant_sign_in(actor=staff, participant=p)
    return topic


def _carried(h, **kw):
    topic = _to_vote(h, **kw)
    services.meeting_record(
        actor=kw["staff"],
        topic=topic,
        minutes="同意。",
        votes_for=4,
        votes_against=1,
        votes_abstain=0,
        decision="实施。",
    )
    topic.refresh_from_db()
    return topic


def _carried_out(topic, staff):
    task = services.task_add(
        actor=staff,
        topic=topic,
        title="组织实施",
        kind="manual",
        owner_name="居委会",
        due_on=timezone.localdate() + timedelta(days=7),
    )
    services.task_done(actor=staff, task=task)
    topic.refresh_from_db()
    assert topic.state == TopicState.RATING
    return topic


@pytest.fixture
def councils(hall):
    """顺城社区 (榆次区): two topics carried, one of them carried out and rated by three residents (满意,
    基本满意, 不满意), and one not adopted. 东阳村 (太谷区): one topic carried, carried out and rated by
    two residents (不满意, 满意). Every rating is published when its period closes."""
    cast = hall.cast
    rated = _carried(hall, staff=hall.staff, unit=hall.unit, actor=hall.neighbours[0], title="东门加装充电桩")
    rated = _carried_out(rated, hall.staff)
    _carried(hall, staff=hall.staff, unit=hall.unit, actor=hall.neighbours[1], title="楼道加装照明灯")
    lost = _to_vote(hall, staff=hall.staff, unit=hall.unit, actor=hall.neighbours[2], title="广场改建停车场")
    services.meeting_record(
        actor=hall.staff, topic=lost, minutes="多数反对。", votes_for=1, votes_against=4, votes_abstain=0
    )
    lost.refresh_from_db()
    assert lost.state == TopicState.NOT_ADOPTED
    for resident, value in zip(hall.neighbours[:3], ["satisfied", "basic", "unsatisfied"], strict=True):
        services.rating_submit(actor=resident, topic=rated, value=value)

    villager = make_resident("13700000002", cast.village, confirmed_by=hall.village_staff)
    village_topic = _carried_out(
        _carried(hall, staff=hall.village_staff, unit=cast.village, actor=hall.outsider, title="村口修建公厕"),
        hall.village_staff,
    )
    services.rating_submit(actor=hall.outsider, topic=village_topic, value="unsatisfied")
    services.rating_submit(actor=villager, topic=village_topic, value="satisfied")

    closes = max(rated.rating_closes_at, village_topic.rating_closes_at)
    assert services.ratings_publish_due(now=closes + timedelta(seconds=1)) == 2
    return closes


def _figures(code, units, period):
    values = registry.get(code).values(units, period)
    return [values[unit.pk] for unit in units]


def test_every_indicator_is_registered_in_the_deliberation_section():
    indicators = [registry.get(code) for code in CODES]
    assert None not in indicators
    assert {(i.section, i.section_order) for i in indicators} == {("deliberation", 45)}
    assert [i.is_rate for i in indicators] == [False, False, True]
    assert dict((key, label) for key, label, _ in registry.sections())["deliberation"] == "议事协商"


def test_the_figures_are_those_counted_by_hand_and_roll_up(hall, councils):
    cast = hall.cast
    today = timezone.localdate()
    period = Period(today - timedelta(days=1), timezone.localdate(councils) + timedelta(days=1))
    units = [cast.city, cast.yuci, cast.beiguan, cast.community, cast.taigu, cast.village]

    made = _figures("deliberation.decisions_made", units, period)
    # The not-adopted topic is no decision: 2 in 顺城社区, 1 in 东阳村.
    assert [v.value for v in made] == [3, 2, 2, 2, 1, 1]
    executed = _figures("deliberation.decisions_executed", units, period)
    assert [v.value for v in executed] == [2, 1, 1, 1, 1, 1]

    rated = _figures("deliberation.rated_satisfied", units, period)
    assert [(v.numerator, v.denominator) for v in rated] == [(3, 5), (2, 3), (2, 3), (2, 3), (1, 2), (1, 2)]
    assert rated[3].shown() == "66.67%" and rated[5].shown() == "50.00%"
    # The city's rate sums numerators and denominators: 3/5 = 60 %, not the mean of 66.67 % and 50 %.
    assert rated[0].value == 60

    # The same as the per-unit counts of deliberation.selectors, unit by unit.
    for unit, m, e, r in zip(units, made, executed, rated, strict=True):
        assert m.value == selectors.indicator_decisions_made(unit, period.start, period.end)
        assert e.value == selectors.indicator_decisions_executed(unit, period.start, period.end)
        counted = selectors.indicator_rated_satisfied(unit, period.start, period.end)
        assert (r.numerator, r.denominator) == (counted["satisfied_ratings"], counted["ratings"])


def test_flows_count_only_what_happened_in_the_period(hall, councils):
    cast = hall.cast
    today = timezone.localdate()
    # Only today: the decisions and executions happened, the ratings were not published yet.
    now = Period(today, today)
    assert registry.get("deliberation.decisions_made").value(cast.city, now).value == 3
    assert registry.get("deliberation.rated_satisfied").value(cast.city, now).value is None
    # A month before: nothing at all.
    before = Period(today - timedelta(days=40), today - timedelta(days=10))
    for code in CODES[:2]:
        assert registry.get(code).value(cast.city, before).value == 0
    assert registry.get("deliberation.rated_satisfied").value(cast.village, before).shown() == "—"
