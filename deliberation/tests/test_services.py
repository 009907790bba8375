"""The topic's path through the services: each step's row, its event, and refusals that write nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import BadInput, InvalidTransition, NotAllowed
from deliberation import services
from deliberation.models import Action, SensitiveWord, Support, Topic, TopicEvent, TopicState
from deliberation.tests.conftest import accepted, at_council, decided, propose


def actions(topic):
    return list(TopicEvent.objects.filter(topic=topic).order_by("pk").values_list("action", flat=True))


def test_a_resident_proposes_in_their_community_and_it_waits_for_review(hall):
    topic = propose(hall)
    assert topic.state == TopicState.PENDING and topic.origin == "resident" and topic.proposer == hall.resident
    assert actions(topic) == [Action.PROPOSE]
    assert not topic.is_public


def test_a_resident_of_another_unit_cannot_propose_support_or_vote_here(hall):
    with pytest.raises(NotAllowed, match="顺城社区"):
        propose(hall, actor=hall.outsider)
    topic = accepted(hall)
    with pytest.raises(NotAllowed):
        services.topic_support(actor=hall.outsider, topic=topic)
    assert Topic.objects.count() == 1 and Support.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "   ", "标题"),
        ("title", "长" * 61, "60"),
        ("description", "", "描述"),
        ("description", "字" * 4001, "4000"),
    ],
)
def test_empty_or_oversized_text_is_refused_with_nothing_saved(hall, field, value, message):
    with pytest.raises(BadInput, match=message):
        propose(hall, **{field: value})
    assert Topic.objects.count() == 0 and TopicEvent.objects.count() == 0


def test_the_weekly_limit_holds(hall):
    for i in range(3):
        propose(hall, title=f"议题{i}")
    with pytest.raises(BadInput, match="3"):
        propose(hall, title="第四个")
    assert Topic.objects.count() == 3


def test_a_sensitive_word_holds_the_topic_and_the_public_timeline_does_not_say_which(hall):
    SensitiveWord.objects.create(word="游行")
    topic = propose(hall, description="大家一起去遊 行抗议")  # traditional form and a space still match
    assert topic.held_words == ["游行"]
    hold = TopicEvent.objects.get(topic=topic, action=Action.HOLD)
    assert hold.public is False and hold.data == {"words": ["游行"]}


def test_accept_opens_discussion_with_the_rules_deadline_and_tells_the_proposer(hall):
    topic = accepted(hall)
    assert topic.state == TopicState.DISCUSSION
    assert timedelta(days=13) < topic.discussion_deadline - timezone.now() <= timedelta(days=14)
    event = TopicEvent.objects.get(topic=topic, action=Action.ACCEPT)
    assert event.delivery == "pending"


def test_only_the_communitys_staff_moderate(hall):
    topic = propose(hall)
    for outsider in (hall.village_staff, hall.township, hall.cast.handler_a, hall.resident):
        with pytest.raises(NotAllowed):
            services.topic_accept(actor=outsider, topic=topic)
    topic.refresh_from_db()
    assert topic.state == TopicState.PENDING and actions(topic) == [Action.PROPOSE]


def test_reject_needs_a_reason_the_proposer_sees(hall):
    topic = propose(hall)
    with pytest.raises(BadInput):
        services.topic_reject(actor=hall.staff, topic=topic, reason="  ")
    services.topic_reject(actor=hall.staff, topic=topic, reason="属于物业公司职责，已转物业处理")
    topic.refresh_from_db()
    assert topic.state == TopicState.REJECTED and topic.reject_reason.startswith("属于物业")


def test_merge_with_a_similar_topic_moves_the_supporters(hall):
    first = accepted(hall)
    second = services.topic_propose(
        actor=hall.neighbours[0],
        unit=hall.unit,
        title="东门加装电动车充电桩",
        description="楼道充电危险，建议东门空地装充电桩。",
    )
    services.topic_accept(actor=hall.staff, topic=second)
    services.topic_support(actor=hall.neighbours[1], topic=second)
    from deliberation.selectors import similar_topics

    suggested = similar_topics(second)
    assert suggested and suggested[0][0] == first
    services.topic_merge(actor=hall.staff, topic=second, into=first)
    second.refresh_from_db()
    assert second.state == TopicState.MERGED and second.merged_into == first
    assert set(Support.objects.filter(topic=first).values_list("resident_id", flat=True)) == {
        hall.neighbours[0].pk,
        hall.neighbours[1].pk,
    }
    assert Action.MERGED_IN in actions(first)


def test_support_counts_once_per_resident(hall):
    topic = accepted(hall)
    assert services.topic_support(actor=hall.neighbours[0], topic=topic) is True
    assert services.topic_support(actor=hall.neighbours[0], topic=topic) is False
    assert Support.objects.filter(topic=topic).count() == 1


def test_support_after_the_deadline_is_refused(hall):
    topic = accepted(hall)
    Topic.objects.filter(pk=topic.pk).update(discussion_deadline=timezone.now() - timedelta(minutes=1))
    topic.refresh_from_db()
    with pytest.raises(BadInput, match="讨论"):
        services.topic_support(actor=hall.neighbours[0], topic=topic)


def test_a_pending_topic_cannot_be_supported(hall):
    topic = propose(hall)
    with pytest.raises(InvalidTransition):
        services.topic_support(actor=hall.neighbours[0], topic=topic)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "看这里 https://evil.example/x",
        "加微信 www.abc.com",
        "<img src=x onerror=alert(1)>",
        "javascript:alert(1)",
    ],
)
def test_a_hostile_comment_is_refused(hall, text):
    topic = accepted(hall)
    with pytest.raises(BadInput, match="链接"):
        services.comment_post(actor=hall.neighbours[0], topic=topic, text=text)
    assert topic.comments.count() == 0


def test_comments_thread_one_level_and_sensitive_ones_wait(hall):
    SensitiveWord.objects.create(word="骗子")
    topic = accepted(hall)
    top = services.comment_post(actor=hall.neighbours[0], topic=topic, text="支持，东门空地够大。")
    reply = services.comment_post(actor=hall.neighbours[1], topic=topic, text="同意", parent=top)
    deeper = services.comment_post(actor=hall.neighbours[2], topic=topic, text="我也同意", parent=reply)
    assert reply.parent == top and deeper.parent == top  # a reply to a reply joins the thread
    held = services.comment_post(actor=hall.neighbours[3], topic=topic, text="物业是骗子")
    assert held.state == "held"
    from deliberation.selectors import comments_for

    assert [c.pk for c in comments_for(topic)[0]] == [top.pk]
    services.comment_moderate(actor=hall.staff, comment=held, publish=True)
    assert [c.pk for c in comments_for(topic)[0]] == [top.pk, held.pk]


def test_the_council_decides_under_the_quorum_and_majority_and_followers_are_told(hall):
    topic = accepted(hall)
    for resident in hall.neighbours[:3]:
        services.topic_support(actor=resident, topic=topic)
    topic = decided(hall)  # a second topic; the first stays in discussion
    assert topic.state == TopicState.DECIDED and topic.decision.startswith("在东门")
    meeting = topic.meeting
    assert meeting.quorum_met and meeting.passed and meeting.votes_for == 4
    assert actions(topic)[-3:] == [Action.MEETING, Action.DECIDE][-2:] or Action.DECIDE in actions(topic)


def test_without_quorum_the_motion_fails(hall):
    topic = at_council(hall, expected=10)  # 10 expected, 10 signed in; quorum met
    from deliberation.models import Participant

    Participant.objects.filter(meeting__topic=topic).order_by("pk")[:0]
    Participant.objects.filter(
        pk__in=list(Participant.objects.filter(meeting__topic=topic).values_list("pk", flat=True)[:5])
    ).update(signed_in_at=None)
    services.meeting_record(
        actor=hall.staff, topic=topic, minutes="到会不足。", votes_for=5, votes_against=0, votes_abstain=0, decision=""
    )
    topic.refresh_from_db()
    assert topic.state == TopicState.NOT_ADOPTED and topic.meeting.quorum_met is False


def test_more_votes_than_members_present_is_refused(hall):
    topic = at_council(hall, expected=3)
    with pytest.raises(BadInput, match="3"):
        services.meeting_record(
            actor=hall.staff, topic=topic, minutes="x", votes_for=4, votes_against=0, votes_abstain=0, decision="y"
        )
    topic.refresh_from_db()
    assert topic.state == TopicState.DELIBERATION and topic.meeting.passed is None


def test_two_thirds_majority(hall):
    from deliberation.models import HallRules, Majority
    from deliberation.services import meeting_result

    rules = HallRules(unit=hall.unit, quorum_percent=50, majority=Majority.TWO_THIRDS)
    assert meeting_result(expected=6, present=6, votes_for=4, votes_against=2, votes_abstain=0, online={}, rules=rules)[
        "passed"
    ]
    assert not meeting_result(
        expected=6, present=6, votes_for=3, votes_against=3, votes_abstain=0, online={}, rules=rules
    )["passed"]
    assert not meeting_result(
        expected=10, present=4, votes_for=4, votes_against=0, votes_abstain=0, online={}, rules=rules
    )["passed"]


def test_online_ballot_one_vote_each_secret_and_within_the_period(hall):
    services.rules_save(
        actor=hall.staff,
        unit=hall.unit,
        quorum_percent=50,
        majority="half",
        weekly_limit=3,
        discussion_days=14,
        rating_days=14,
        online_voting=True,
    )
    topic = accepted(hall)
    services.topic_to_council(
        actor=hall.staff,
        topic=topic,
        held_at=timezone.now(),
        place="议事厅",
        agenda="表决",
        expected=3,
        online_vote_days=3,
    )
    topic.refresh_from_db()
    services.ballot_cast(actor=hall.neighbours[0], topic=topic, choice="for")
    with pytest.raises(BadInput, match="已"):
        services.ballot_cast(actor=hall.neighbours[0], topic=topic, choice="against")
    with pytest.raises(NotAllowed):
        services.ballot_cast(actor=hall.outsider, topic=topic, choice="for")
    from deliberation.models import Ballot, VoterRoll

    assert VoterRoll.objects.filter(topic=topic).count() == 1 and Ballot.objects.filter(topic=topic).count() == 1
    assert not any(f.name in ("voter", "created_at") for f in Ballot._meta.get_fields())
    with pytest.raises(BadInput, match="网上表决"):  # the result waits for the vote to close
        services.meeting_record(
            actor=hall.staff, topic=topic, minutes="x", votes_for=0, votes_against=0, votes_abstain=0, decision="y"
        )
    Topic.objects.filter(pk=topic.pk).update(vote_closes_at=timezone.now() - timedelta(seconds=1))
    topic.refresh_from_db()
    with pytest.raises(BadInput, match="表决"):  # a vote outside the period
        services.ballot_cast(actor=hall.neighbours[1], topic=topic, choice="for")
    assert services.ballot_tally(topic) == {"for": 1, "against": 0, "abstain": 0}


def test_a_manual_task_takes_notes_and_done_opens_rating(hall, media_root):
    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="清理东门空地",
        kind="manual",
        owner_name="社区居委会",
        due_on=timezone.localdate() + timedelta(days=7),
    )
    topic.refresh_from_db()
    assert topic.state == TopicState.EXECUTING
    services.task_note(actor=hall.staff, task=task, text="已清理一半")
    services.task_done(actor=hall.staff, task=task)
    topic.refresh_from_db()
    assert topic.state == TopicState.RATING and topic.rating_closes_at > timezone.now()
    services.rating_submit(actor=hall.neighbours[0], topic=topic, value="satisfied", comment="很好")
    with pytest.raises(BadInput):
        services.rating_submit(actor=hall.neighbours[0], topic=topic, value="basic")
    with pytest.raises(NotAllowed):
        services.rating_submit(actor=hall.outsider, topic=topic, value="basic")
    with pytest.raises(InvalidTransition):
        services.topic_publish_rating(actor=hall.staff, topic=topic)
    assert services.ratings_publish_due(now=topic.rating_closes_at + timedelta(seconds=1)) == 1
    topic.refresh_from_db()
    assert topic.state == TopicState.CLOSED
    result = TopicEvent.objects.get(topic=topic, action=Action.RATING_RESULT)
    assert result.data["satisfied"] == 1 and result.data["rate"] == 100


def test_a_task_due_in_the_past_is_refused(hall):
    topic = decided(hall)
    with pytest.raises(BadInput, match="过去"):
        services.task_add(
            actor=hall.staff,
            topic=topic,
            title="x",
            kind="manual",
            owner_name="居委会",
            due_on=timezone.localdate() - timedelta(days=1),
        )
    assert topic.tasks.count() == 0
