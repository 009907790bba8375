"""The pages: the public reads without signing in, residents act on their own community's topics,
staff moderate and run the council; each refusal says why in Chinese and leaves the database as it was."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation import services
from deliberation.models import Comment, Notice, Support, Topic, TopicState
from deliberation.notifications import deliver_pending
from deliberation.tests.conftest import accepted, decided, propose


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_public_topic_reads_without_signing_in_and_a_pending_one_does_not(client, hall):
    topic = accepted(hall)
    pending = propose(hall, title="还在审核的议题")
    response = client.get(f"/deliberation/t/{topic.pk}/")
    assert response.status_code == 200 and topic.title in response.content.decode()
    assert "登录后附议" in response.content.decode()
    assert client.get(f"/deliberation/t/{pending.pk}/").status_code == 404
    hall_page = client.get(f"/deliberation/?unit={hall.unit.pk}").content.decode()
    assert topic.title in hall_page and "还在审核的议题" not in hall_page
    client.force_login(hall.resident)  # the proposer sees their own pending topic
    assert client.get(f"/deliberation/t/{pending.pk}/").status_code == 200


def test_a_resident_proposes_on_the_form(client, hall):
    client.force_login(hall.resident)
    response = client.post(
        "/deliberation/propose/",
        {"title": "小区门口增设减速带", "description": "车辆进出太快，孩子上学很危险。", "location": "南门"},
    )
    topic = Topic.objects.get()
    assert response.status_code == 302 and response.url == f"/deliberation/t/{topic.pk}/"
    assert topic.proposer == hall.resident and topic.state == TopicState.PENDING and topic.location == "南门"


def test_an_empty_title_comes_back_with_what_was_typed_and_nothing_saved(client, hall):
    client.force_login(hall.resident)
    response = client.post("/deliberation/propose/", {"title": " ", "description": "我写了很长的说明", "location": ""})
    html = response.content.decode()
    assert response.status_code == 200 and "标题" in html and "我写了很长的说明" in html
    assert Topic.objects.count() == 0


def test_a_resident_without_a_residency_is_asked_where_they_live(client, cast):
    from deliberation.tests.conftest import make_resident

    newcomer = make_resident("13600000009")
    client.force_login(newcomer)
    response = client.get("/deliberation/propose/")
    assert response.status_code == 302 and response.url.startswith("/deliberation/residency/")
    response = client.post("/deliberation/residency/", {"unit": cast.community.pk, "address": "5号楼"})
    assert response.status_code == 302
    assert newcomer.deliberation_residencies.get().unit == cast.community


def test_support_twice_counts_once_and_an_outsider_is_refused(client, hall):
    topic = accepted(hall)
    client.force_login(hall.neighbours[0])
    client.post(f"/deliberation/t/{topic.pk}/support/")
    response = client.post(f"/deliberation/t/{topic.pk}/support/", follow=True)
    assert "只计一次" in response.content.decode()
    assert Support.objects.filter(topic=topic).count() == 1
    client.force_login(hall.outsider)
    response = client.post(f"/deliberation/t/{topic.pk}/support/", follow=True)
    assert "只有顺城社区的居民" in response.content.decode()
    assert Support.objects.filter(topic=topic).count() == 1


def test_a_hostile_comment_is_refused_in_chinese(client, hall):
    topic = accepted(hall)
    client.force_login(hall.neighbours[0])
    response = client.post(f"/deliberation/t/{topic.pk}/comment/", {"text": "<script>alert(1)</script>"}, follow=True)
    assert "不能包含链接" in response.content.decode()
    assert Comment.objects.count() == 0
    client.post(f"/deliberation/t/{topic.pk}/comment/", {"text": "同意，尽快装。"})
    html = client.get(f"/deliberation/t/{topic.pk}/").content.decode()
    assert "同意，尽快装。" in html


def test_staff_accept_and_the_proposer_is_told(client, hall):
    topic = propose(hall)
    client.force_login(hall.staff)
    assert client.get("/deliberation/staff/").status_code == 200
    response = client.post(f"/deliberation/staff/t/{topic.pk}/accept/")
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.state == TopicState.DISCUSSION
    assert deliver_pending() == 1 and deliver_pending() == 0
    notice = Notice.objects.get()
    assert notice.recipient == hall.resident and "已通过审核" in notice.text


def test_staff_pages_are_refused_outside_the_scope(client, hall):
    topic = propose(hall)
    client.force_login(hall.village_staff)
    assert client.get(f"/deliberation/staff/t/{topic.pk}/").status_code == 403
    response = client.post(f"/deliberation/staff/t/{topic.pk}/accept/")
    assert response.status_code in (302, 403)
    topic.refresh_from_db()
    assert topic.state == TopicState.PENDING
    client.force_login(hall.resident)
    assert client.get("/deliberation/staff/").status_code == 403
    client.force_login(hall.township)  # the township oversees: reads, does not moderate
    assert client.get(f"/deliberation/staff/t/{topic.pk}/").status_code == 200
    client.post(f"/deliberation/staff/t/{topic.pk}/accept/")
    topic.refresh_from_db()
    assert topic.state == TopicState.PENDING


def test_the_decision_tells_the_proposer_and_every_supporter_once(hall):
    topic = accepted(hall)
    for resident in hall.neighbours[:3]:
        services.topic_support(actor=resident, topic=topic)
    services.topic_to_council(
        actor=hall.staff, topic=topic, held_at=timezone.now(), place="议事厅", agenda="表决", expected=1
    )
    meeting = topic.meeting
    services.participant_sign_in(
        actor=hall.staff,
        participant=services.participant_add(actor=hall.staff, meeting=meeting, kind="committee", name="主任"),
    )
    topic.refresh_from_db()
    services.meeting_record(
        actor=hall.staff,
        topic=topic,
        minutes="同意",
        votes_for=1,
        votes_against=0,
        votes_abstain=0,
        decision="加装充电桩",
    )
    deliver_pending()
    deliver_pending()
    told = Notice.objects.filter(event__action="decide")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [hall.resident.pk] + [r.pk for r in hall.neighbours[:3]]
    )


def test_the_printed_notice_has_a_qr_code_and_the_sheet_lists_who_signed_in(client, hall):
    topic = decided(hall)
    html = client.get(f"/deliberation/t/{topic.pk}/print/").content.decode()
    assert "<svg" in html and "议事决议公示" in html and f"/deliberation/t/{topic.pk}/" in html
    client.force_login(hall.staff)
    sheet = client.get(f"/deliberation/staff/t/{topic.pk}/sheet/").content.decode()
    assert "签到表" in sheet and "代表0" in sheet


def test_overdue_tasks_page_for_supervisors(client, hall):
    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="清理空地",
        kind="manual",
        owner_name="居委会",
        due_on=timezone.localdate() + timedelta(days=1),
    )
    type(task).objects.filter(pk=task.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    client.force_login(hall.cast.city_supervisor)
    assert "清理空地" in client.get("/deliberation/staff/overdue/").content.decode()
    client.force_login(hall.cast.grid_worker)
    assert client.get("/deliberation/staff/overdue/").status_code == 403


def test_a_topic_from_a_hot_spot_links_its_demands(hall):
    from conftest import new_appeal

    appeals = [new_appeal(hall.cast), new_appeal(hall.cast)]
    topic = services.topic_propose(
        actor=hall.cast.grid_worker,
        unit=hall.unit,
        title="供暖不热",
        description="多户反映暖气不热",
        hotspot={"ref": "hotspot:x:1", "label": "顺城社区 暖气 不热 (2)", "appeal_ids": [a.pk for a in appeals]},
    )
    assert topic.origin == "hotspot" and topic.demand_links.count() == 2


def test_a_topic_from_a_monthly_topic_links_its_demands(hall):
    from conftest import new_appeal
    from dispatch.services import monthly_topic_create

    appeals = [new_appeal(hall.cast) for _ in range(3)]
    monthly = monthly_topic_create(
        actor=hall.cast.city_supervisor, title="老旧小区供暖", appeals=appeals, owner_department=hall.cast.yuci_housing
    )
    topic = services.topic_propose(
        actor=hall.cast.root,
        unit=hall.unit,
        title="供暖改造",
        description="每月一题：老旧小区供暖",
        monthly_topic=monthly,
    )
    assert topic.origin == "monthly_topic" and topic.demand_links.count() == 3
    assert topic.source_ref == f"monthly_topic:{monthly.pk}"


def test_indicators_count_decisions_executed_and_satisfied(hall):
    from deliberation.selectors import INDICATORS

    topic = decided(hall)
    task = services.task_add(
        actor=hall.staff,
        topic=topic,
        title="装桩",
        kind="manual",
        owner_name="居委会",
        due_on=timezone.localdate() + timedelta(days=1),
    )
    services.task_done(actor=hall.staff, task=task)
    topic.refresh_from_db()
    for resident, value in zip(hall.neighbours, ["satisfied", "basic", "unsatisfied"], strict=False):
        services.rating_submit(actor=resident, topic=topic, value=value)
    services.ratings_publish_due(now=topic.rating_closes_at + timedelta(seconds=1))
    today = timezone.localdate()
    start, end = today - timedelta(days=1), today + timedelta(days=30)
    assert INDICATORS["deliberation.decisions_made"](hall.cast.yuci, start, end) == 1
    assert INDICATORS["deliberation.decisions_executed"](hall.cast.yuci, start, end) == 1
    assert INDICATORS["deliberation.decisions_made"](hall.cast.taigu, start, end) == 0
    rated = INDICATORS["deliberation.rated_satisfied"](hall.unit, start, end)
    assert rated == {"topics": 1, "satisfied_topics": 1, "ratings": 3, "satisfied_ratings": 2}


@pytest.mark.django_db
def test_the_demo_builds_every_stage_and_runs_again_without_change(settings):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", "--if-empty", verbosity=0)
    from accounts.models import User
    from orgs.models import Unit
    from targets import services as target_services

    city = Unit.objects.get(parent__isnull=True)
    canteens = target_services.target_save(  # as targets_demo makes it
        actor=User.objects.get(username="admin"),
        data=target_services.TargetInput(
            title="建成20个标准化社区食堂",
            owner_unit=city,
            year=timezone.localdate().year,
            indicator_code="deliberation.decisions_made",
            baseline="0",
            target_value="20",
        ),
    )
    call_command("deliberation_demo", "--if-empty")
    states = set(Topic.objects.values_list("state", flat=True))
    assert states >= {
        "pending",
        "discussion",
        "deliberation",
        "decided",
        "executing",
        "rating",
        "closed",
        "rejected",
        "not_adopted",
    }
    count = Topic.objects.count()
    call_command("deliberation_demo", "--if-empty")
    assert Topic.objects.count() == count
    assert Comment.objects.filter(state="held").exists()  # moderation work for the demo staff
    lights = Topic.objects.get(title="修复并增设小区路灯", unit__code="140702001001")
    assert lights.tasks.filter(kind="demand", done_at__isnull=False).exists()
    canteen = Topic.objects.get(title="社区建老年助餐食堂")
    assert canteen.tasks.filter(kind="target", target=canteens).exists()
    from deliberation.models import Residency

    assert Residency.objects.filter(status="pending", unit__code="140702001001").count() == 2  # 居住确认 work
    assert not Residency.objects.filter(status="pending", resident__in=lights.supports.values("resident")).exists()


def test_the_topic_page_costs_the_same_queries_with_many_comments_and_shows_one_page(client, hall):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from deliberation.selectors import THREADS_PER_PAGE

    topic = accepted(hall)
    url = f"/deliberation/t/{topic.pk}/"
    client.force_login(hall.neighbours[0])

    def render():
        with CaptureQueriesContext(connection) as captured:
            html = client.get(url).content.decode()
        return html, len(captured.captured_queries)

    Comment.objects.create(topic=topic, author=hall.resident, text="第一条")
    _, few = render()
    people = [hall.resident, *hall.neighbours]
    tops = Comment.objects.bulk_create(
        [Comment(topic=topic, author=people[i % len(people)], text=f"意见{i}") for i in range(THREADS_PER_PAGE * 2)]
    )
    Comment.objects.bulk_create([Comment(topic=topic, parent=c, author=hall.resident, text="同意") for c in tops])
    html, many = render()
    assert many == few
    assert html.count('data-comment="') == THREADS_PER_PAGE and "?page=3#comments" in html
    assert f"{THREADS_PER_PAGE * 4 + 1}" in html  # the total counts every published comment
