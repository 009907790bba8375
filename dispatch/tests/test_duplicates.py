"""Near-duplicates (疑似重复): how nearly two texts say the same, and the merge suggestions built on it —
open appeals in the same area within 30 days that say nearly the same."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User, UserKind
from appeals.models import AppealType, Channel
from appeals.services import Intake, appeal_create, appeal_merge, appeal_reject
from dispatch.duplicates import DUPLICATE_SIMILARITY, duplicates_for, similar

NOISE = ("幸福里小区旁工地夜间施工噪音扰民", "幸福里小区附近工地每天夜里施工，噪音很大，居民无法睡觉。")


def appeal_at(cast, place, *, days_ago=0, title=NOISE[0], description=NOISE[1]):
    return appeal_create(actor=cast.resident, data=Intake(
        title=title, description=description, appeal_type=AppealType.COMPLAINT, channel=Channel.WEB, place=place,
        received_at=timezone.now() - timedelta(days=days_ago)))


@pytest.fixture
def original(cast):
    return appeal_at(cast, cast.community)


def codes(pairs):
    return [a.code for a, _score in pairs]


def test_near_duplicates_score_high_whatever_the_script():
    original = "幸福里小区旁工地夜间施工噪音扰民，居民无法睡觉"
    ranked = similar(original, [
        ("other", "和平路人行道被违停车辆占用，行人很危险"),
        ("traditional", "幸福里小區旁工地夜間施工噪音擾民，居民無法睡覺！"),
        ("reworded", "幸福里小区附近的工地晚上施工太吵了，噪音扰民"),
    ])
    assert [key for key, _score in ranked] == ["traditional", "reworded", "other"]
    scores = dict(ranked)
    assert scores["traditional"] > 0.95
    assert scores["reworded"] >= 0.4 and scores["other"] < 0.2
    assert similar(original, [("other", "和平路人行道被违停车辆占用")], threshold=DUPLICATE_SIMILARITY) == []


def test_the_same_matter_in_the_same_township_within_30_days_is_suggested(cast, original):
    # 顺城社区 is in 北关街道: an appeal filed for the township itself is in the same area.
    reworded = appeal_at(cast, cast.beiguan, days_ago=5, title="幸福里小区旁工地夜里施工太吵",
                         description="幸福里小区附近的工地晚上施工，噪音扰民，居民无法睡觉。")
    unrelated = appeal_at(cast, cast.community, days_ago=2, title="和平路人行道被违停车辆占用",
                          description="和平路人行道上违停车辆很多，行人只能走机动车道。")
    suggested = duplicates_for(original, user=cast.dispatcher)
    assert codes(suggested) == [reworded.code]
    assert 0.6 <= suggested[0][1] <= 1
    assert unrelated.code not in codes(duplicates_for(original, user=cast.dispatcher))
    # and the other way round: the older appeal is suggested on the newer one
    assert original.code in codes(duplicates_for(reworded, user=cast.dispatcher))


def test_best_match_first_and_never_itself(cast, original):
    exact = appeal_at(cast, cast.community, days_ago=1)
    reworded = appeal_at(cast, cast.community, days_ago=1, title="幸福里小区旁工地夜里施工太吵",
                         description="幸福里小区附近的工地晚上施工，噪音扰民。")
    suggested = duplicates_for(original, user=cast.dispatcher)
    assert codes(suggested) == [exact.code, reworded.code]
    assert suggested[0][1] > suggested[1][1]


def test_another_township_is_not_suggested(cast, original):
    appeal_at(cast, cast.village, days_ago=1)  # 东阳村, 明星镇 (太谷区)
    assert duplicates_for(original, user=cast.city_supervisor) == []


def test_a_county_wide_appeal_only_matches_the_same_place(cast):
    county_wide = appeal_at(cast, cast.yuci)
    appeal_at(cast, cast.community)  # in 榆次区 too, but in a township: not the same area
    same_place = appeal_at(cast, cast.yuci, days_ago=3)
    assert codes(duplicates_for(county_wide, user=cast.dispatcher)) == [same_place.code]


def test_older_than_30_days_is_not_suggested(cast, original):
    appeal_at(cast, cast.community, days_ago=31)
    recent = appeal_at(cast, cast.community, days_ago=29)
    assert codes(duplicates_for(original, user=cast.dispatcher)) == [recent.code]


def test_closed_and_merged_appeals_are_not_suggested(cast, original):
    rejected = appeal_at(cast, cast.community, days_ago=1)
    appeal_reject(actor=cast.dispatcher, appeal=rejected, reason="重复")
    merged = appeal_at(cast, cast.community, days_ago=1)
    main = appeal_at(cast, cast.community, days_ago=2)
    appeal_merge(actor=cast.dispatcher, appeal=merged, into=main)
    assert codes(duplicates_for(original, user=cast.dispatcher)) == [main.code]


def test_someone_outside_the_area_sees_no_suggestion(cast, original):
    appeal_at(cast, cast.community, days_ago=1)
    assert duplicates_for(original, user=cast.taigu_supervisor) == []
    assert duplicates_for(original, user=cast.taigu_handler) == []
    neighbour = User.objects.create_user(username="r-neighbour", kind=UserKind.RESIDENT, phone="13900139000")
    assert duplicates_for(original, user=neighbour) == []  # a resident sees only their own appeals
    assert len(duplicates_for(original, user=cast.city_supervisor)) == 1


def test_the_panel_lists_suggestions_with_links_and_the_merge_hint(rf, cast, original, english):
    from django.urls import reverse

    from dispatch.duplicates import duplicates_panel

    copy = appeal_at(cast, cast.community, days_ago=1)
    request = rf.get("/")
    request.user = cast.dispatcher
    html = duplicates_panel(request, original)
    assert reverse("appeals:staff_detail", args=[copy.code]) in html and "Merge (合并)" in html
    request.user = cast.taigu_supervisor
    assert duplicates_panel(request, original) == ""
