"""The 热点 page: who may open it, what each one sees, and how hot spots are ranked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals.models import AppealType, Channel
from appeals.services import Intake, appeal_create

URL = reverse("dispatch:hotspots")
NOISE = ("幸福里小区旁工地夜间施工噪音扰民", "幸福里小区附近工地每天夜里施工，噪音很大，居民无法睡觉。")
PARKING = ("和平路人行道被违停车辆占用", "和平路人行道上违停车辆很多，行人只能走机动车道，很危险。")
WAGES = ("金山建筑公司拖欠农民工工资", "金山建筑公司拖欠我们农民工工资半年，讨薪无门。")
LONE = ("图书馆开放时间太短", "市图书馆周末只开半天，希望延长。")


def file(cast, place, matter, *, days_ago=1, n=1):
    title, text = matter
    out = []
    for i in range(n):
        out.append(appeal_create(actor=cast.resident, data=Intake(
            title=title if i % 2 else title + "！", description=f"{text}第{i + 1}次反映。",
            appeal_type=AppealType.COMPLAINT, channel=Channel.WEB, place=place,
            received_at=timezone.now() - timedelta(days=days_ago, hours=i))))
    return out


@pytest.fixture
def city(cast):
    """榆次 (顺城社区): 4 about noise now, 2 about wage arrears now and 5 in the 30 days before;
    太谷 (东阳村): 3 about parking now, all new."""
    cast.noise = file(cast, cast.community, NOISE, n=4)
    cast.wages_now = file(cast, cast.community, WAGES, days_ago=3, n=2)
    cast.wages_before = file(cast, cast.community, WAGES, days_ago=40, n=5)
    cast.parking = file(cast, cast.village, PARKING, days_ago=2, n=3)
    file(cast, cast.community, LONE)
    return cast


def spots(response):
    return [(s.count, {a for a in s.appeal_ids}) for s in response.context["report"].spots]


def ids(appeals):
    return {a.pk for a in appeals}


def test_hot_spots_are_ranked_by_size_and_growth(client, city):
    client.force_login(city.city_supervisor)
    response = client.get(URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert [(s.count, s.previous) for s in report.spots] == [(4, 0), (3, 0), (2, 5)]
    noise, parking, wages = report.spots
    assert set(noise.appeal_ids) == ids(city.noise)
    assert set(parking.appeal_ids) == ids(city.parking)
    assert set(wages.appeal_ids) == ids(city.wages_now)  # the previous period counts for growth only
    assert noise.growth is None and wages.growth == -0.6
    assert "噪音" in "".join(noise.key_words)
    assert noise.place == "榆次区北关街道" and parking.place == "明星镇"
    html = response.content.decode()
    sample = noise.samples[0]
    assert reverse("appeals:staff_detail", args=[sample["code"]]) in html
    assert sample["title"].startswith("幸福里小区旁工地夜间施工噪音扰民") and sample["title"] in html
    assert "-60%" in html
    assert html.count(f'href="{reverse("dispatch:topic_create")}?rank=') == 3  # a supervisor may make each a topic
    # The period inputs show the period reported, not empty date boxes.
    today = timezone.localdate()
    assert f'value="{today.isoformat()}"' in html
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in html


def test_each_one_sees_hot_spots_of_their_scope_only(client, city):
    client.force_login(city.dispatcher)  # 榆次区
    report = client.get(URL).context["report"]
    assert [s.count for s in report.spots] == [4, 2]
    assert not any(set(s.appeal_ids) & ids(city.parking) for s in report.spots)
    client.force_login(city.taigu_supervisor)
    report = client.get(URL).context["report"]
    assert [set(s.appeal_ids) for s in report.spots] == [ids(city.parking)]


def test_a_place_narrows_the_page(client, city):
    client.force_login(city.leader)
    response = client.get(URL, {"place": city.taigu.pk})
    assert [set(s.appeal_ids) for s in response.context["report"].spots] == [ids(city.parking)]
    assert reverse("dispatch:topic_create") not in response.content.decode()  # leaders only look


def test_a_period_picks_its_appeals_and_compares_with_the_one_before(client, city):
    client.force_login(city.city_supervisor)
    today = timezone.localdate()
    response = client.get(URL, {"start": today - timedelta(days=59), "end": today - timedelta(days=30)})
    assert [(s.count, s.previous) for s in response.context["report"].spots] == [(5, 0)]


def test_a_start_after_the_end_is_explained(client, city, english):
    client.force_login(city.city_supervisor)
    response = client.get(URL, {"start": "2025-03-10", "end": "2025-03-01"})
    assert response.status_code == 200 and response.context["report"] is None
    assert "must not be after its end" in response.content.decode()


@pytest.mark.parametrize("who", ["handler_a", "grid_worker", "resident"])
def test_handlers_grid_workers_and_residents_are_refused(client, city, who):
    client.force_login(getattr(city, who))
    assert client.get(URL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, city):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


# --- a refused topic update (dispatch.views.topic_update, answered by core.middleware) ----------------

@pytest.fixture
def topic(cast):
    from dispatch.services import monthly_topic_create

    appeals = file(cast, cast.community, NOISE, n=2)
    return monthly_topic_create(actor=cast.city_supervisor, title="幸福里工地夜间施工噪音",
                                owner_department=cast.yuci_health, appeals=appeals, key_words=["噪音"])


@pytest.mark.parametrize(("who", "data", "said"), [
    ("leader", {"status": "done", "note": "已解决"}, "handlers and its supervisors may update this topic"),
    ("handler_a", {"status": "open", "note": ""}, "The topic already has this status"),
])
def test_a_refused_update_says_why_on_the_topic_and_changes_nothing(client, cast, topic, who, data, said):
    from core.models import AuditEvent
    from dispatch.models import TopicStatus

    client.force_login(getattr(cast, who))
    detail = reverse("dispatch:topic_detail", args=[topic.pk])
    response = client.post(reverse("dispatch:topic_update", args=[topic.pk]), data, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.redirect_chain == [(detail, 302)]
    assert response.status_code == 200 and said in response.content.decode()
    topic.refresh_from_db()
    assert topic.status == TopicStatus.OPEN and topic.status_note == ""
    assert not AuditEvent.objects.filter(verb="dispatch.topic.update").exists()
