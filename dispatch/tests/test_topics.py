"""每月一题: a supervisor turns a hot spot into a topic owned by a department; its handlers track it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import AppealType, Channel
from appeals.services import Intake, appeal_create
from core.errors import NotAllowed
from core.models import AuditEvent
from dispatch.models import MonthlyTopic, MonthlyTopicAppeal, TopicStatus
from dispatch.services import monthly_topic_create, monthly_topic_update

NOISE = ("幸福里小区旁工地夜间施工噪音扰民", "幸福里小区附近工地每天夜里施工，噪音很大，居民无法睡觉。")


@pytest.fixture
def noise(cast):
    return [appeal_create(actor=cast.resident, data=Intake(
        title=NOISE[0], description=f"{NOISE[1]}第{i + 1}次反映。", appeal_type=AppealType.COMPLAINT,
        channel=Channel.WEB, place=cast.community, received_at=timezone.now() - timedelta(days=1, hours=i)))
        for i in range(3)]


def test_a_supervisor_turns_a_hot_spot_into_a_topic(client, cast, noise):
    client.force_login(cast.city_supervisor)
    page = client.get(reverse("dispatch:topic_create"), {"rank": 1})
    assert page.status_code == 200 and any(a.code in page.content.decode() for a in noise)
    form = page.context["form"].initial
    assert cast.yuci_housing in page.context["form"].fields["owner_department"].queryset
    assert sorted(int(i) for i in form["appeal_ids"].split(",")) == sorted(a.pk for a in noise)
    response = client.post(reverse("dispatch:topic_create"), {
        "next": reverse("dispatch:hotspots"),
        "title": "幸福里工地夜间施工噪音", "description": "三个月内多次反映",
        "owner_department": cast.yuci_housing.pk, "appeal_ids": form["appeal_ids"],
        "key_words": form["key_words"], "period": form["period"].isoformat(),
    })
    topic = MonthlyTopic.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dispatch:topic_detail", args=[topic.pk])
    assert topic.owner_department == cast.yuci_housing and topic.status == TopicStatus.OPEN
    assert topic.created_by == cast.city_supervisor and topic.period == timezone.localdate().replace(day=1)
    assert sorted(topic.source_appeal_ids) == sorted(a.pk for a in noise)
    assert set(MonthlyTopicAppeal.objects.filter(topic=topic).values_list("appeal_id", flat=True)) == {
        a.pk for a in noise}
    assert "噪音" in "".join(topic.key_words)
    audit = AuditEvent.objects.get(verb="dispatch.topic.create")
    assert audit.actor == cast.city_supervisor and audit.target_id == str(topic.pk) and audit.data["appeals"] == 3
    detail = client.get(response["Location"]).content.decode()
    assert "幸福里工地夜间施工噪音" in detail and noise[0].code in detail


def test_the_topic_form_lists_every_demand_of_the_hot_spot_masked_and_linked(client, cast):
    """A hot spot shown as "5 诉求" shows all five for review, not three samples; phone numbers masked."""
    five = [appeal_create(actor=cast.resident, data=Intake(
        title=f"幸福里物业不作为，楼道垃圾没人清理 13912345{i:03d}", description="物业不作为，楼道垃圾堆积，反映多次没人管。",
        appeal_type=AppealType.COMPLAINT, channel=Channel.WEB, place=cast.community,
        received_at=timezone.now() - timedelta(days=1, hours=i))) for i in range(5)]
    client.force_login(cast.city_supervisor)
    page = client.get(reverse("dispatch:topic_create"), {"rank": 1})
    html = page.content.decode()
    assert page.status_code == 200 and "将纳入的 5 个诉求：创建前请逐一核对" in html
    for appeal in five:
        assert f'href="{reverse("appeals:staff_detail", args=[appeal.code])}"' in html
    assert len(page.context["members"]) == 5
    assert "13912345" not in html and "139****5" in html
    # A refused post shows the list again with what was typed.
    data = page.context["form"].initial
    response = client.post(reverse("dispatch:topic_create"), {
        "title": "", "owner_department": cast.yuci_housing.pk, "appeal_ids": data["appeal_ids"]})
    assert response.status_code == 400 and len(response.context["members"]) == 5


def test_a_handler_may_not_create_a_topic(client, cast, noise):
    with pytest.raises(NotAllowed):
        monthly_topic_create(actor=cast.handler_a, title="噪音", owner_department=cast.yuci_health, appeals=noise)
    client.force_login(cast.handler_a)
    response = client.post(reverse("dispatch:topic_create"), {
        "title": "噪音", "owner_department": cast.yuci_health.pk, "appeal_ids": ",".join(str(a.pk) for a in noise)})
    assert response.status_code == 403
    assert not MonthlyTopic.objects.exists() and not AuditEvent.objects.filter(verb="dispatch.topic.create").exists()


def test_a_supervisor_outside_the_scope_is_refused(client, cast, noise, english):
    # 太谷区's supervisor may neither give a topic to 榆次区's department ...
    with pytest.raises(NotAllowed, match="outside your scope"):
        monthly_topic_create(actor=cast.taigu_supervisor, title="噪音", owner_department=cast.yuci_health,
                             appeals=noise)
    # ... nor make a topic of 榆次区's appeals, even for a department of their own
    with pytest.raises(NotAllowed, match="outside your scope"):
        monthly_topic_create(actor=cast.taigu_supervisor, title="噪音", owner_department=cast.taigu_health,
                             appeals=noise)
    client.force_login(cast.taigu_supervisor)
    response = client.post(reverse("dispatch:topic_create"), {
        "title": "噪音", "owner_department": cast.taigu_health.pk,
        "appeal_ids": ",".join(str(a.pk) for a in noise)})
    assert response.status_code == 403 and "outside your scope" in response.content.decode()
    # and 榆次区's department is not even offered to them
    assert cast.yuci_health not in response.context["form"].fields["owner_department"].queryset
    assert not MonthlyTopic.objects.exists()


@pytest.fixture
def topic(cast, noise):
    return monthly_topic_create(actor=cast.city_supervisor, title="幸福里工地夜间施工噪音",
                                owner_department=cast.yuci_health, appeals=noise, key_words=["噪音", "施工"])


def test_the_owner_departments_handler_updates_the_status(client, cast, topic):
    client.force_login(cast.handler_a)
    response = client.post(reverse("dispatch:topic_update", args=[topic.pk]),
                           {"status": TopicStatus.IN_PROGRESS, "note": "已约谈施工单位"})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.IN_PROGRESS and topic.status_note == "已约谈施工单位"
    audit = AuditEvent.objects.get(verb="dispatch.topic.update")
    assert audit.actor == cast.handler_a and audit.data == {"from": "open", "to": "in_progress",
                                                            "note": "已约谈施工单位"}
    assert "幸福里工地夜间施工噪音" in client.get(reverse("dispatch:topics")).content.decode()


def test_another_departments_handler_may_not_update_it(client, cast, topic):
    with pytest.raises(NotAllowed):
        monthly_topic_update(actor=cast.handler_b, topic=topic, status=TopicStatus.DONE)
    client.force_login(cast.handler_b)  # 住建局: the topic is not in their list at all
    assert client.get(reverse("dispatch:topic_detail", args=[topic.pk])).status_code == 404
    assert client.post(reverse("dispatch:topic_update", args=[topic.pk]), {"status": "done"}).status_code == 404
    assert "幸福里" not in client.get(reverse("dispatch:topics")).content.decode()
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN


def test_an_outside_supervisor_sees_no_topic_and_the_city_supervisor_closes_it(client, cast, topic):
    client.force_login(cast.taigu_supervisor)
    assert client.get(reverse("dispatch:topic_detail", args=[topic.pk])).status_code == 404
    monthly_topic_update(actor=cast.city_supervisor, topic=topic, status=TopicStatus.DONE, note="工地已限时施工")
    topic.refresh_from_db()
    assert topic.status == TopicStatus.DONE
