"""热点: messages grouped by matter and place, ranked by size and growth, with words a person reads."""

from datetime import datetime, timedelta

from dispatch.hotspots import Message, cluster

BASE = datetime(2025, 3, 1)


def messages():
    topics = {
        "noise": ("幸福里小区旁工地夜间施工噪音扰民", "幸福里小区附近工地每天夜里施工，噪音很大，居民无法睡觉。"),
        "parking": ("和平路人行道被违停车辆占用", "和平路人行道上违停车辆很多，行人只能走机动车道，很危险。"),
        "wages": ("金山建筑公司拖欠农民工工资", "金山建筑公司拖欠我们农民工工资半年，讨薪无门。"),
    }
    out, n = [], 0
    # noise: 6 messages, all in the last days; parking: 4 spread out; wages: 3 early
    for topic, count, start in (("noise", 6, 50), ("parking", 4, 10), ("wages", 3, 0)):
        title, text = topics[topic]
        for i in range(count):
            n += 1
            day = start + i * (2 if topic != "parking" else 12)
            out.append(Message(id=f"{topic}-{i}", title=title if i % 2 else title + "！",
                               text=f"{text}这是第{i + 1}次反映。", created_at=BASE + timedelta(days=day)))
    out.append(Message(id="lone", title="图书馆开放时间太短", text="市图书馆周末只开半天，希望延长。",
                       created_at=BASE + timedelta(days=20)))
    return out


def test_messages_cluster_by_topic_ranked_by_size_and_growth():
    clusters = cluster(messages())
    assert [c.size for c in clusters] == [6, 4, 3]
    noise, parking, wages = clusters
    assert {m.split("-")[0] for m in noise.message_ids} == {"noise"}
    assert {m.split("-")[0] for m in parking.message_ids} == {"parking"}
    assert "噪音" in "".join(noise.key_words) and "施工" in "".join(noise.key_words)
    assert noise.sample_titles[0].startswith("幸福里小区旁工地夜间施工")
    assert noise.growth > 0 and noise.recent == 6
    assert wages.recent == 0 and wages.growth <= 0
    assert all("lone" not in c.message_ids for c in clusters)


def test_the_same_words_in_different_places_are_different_hot_spots():
    items = [Message(id=i, title="路灯坏了很久没人修", text="晚上一片漆黑，请尽快维修路灯。",
                     place="顺城社区" if i < 3 else "东阳村") for i in range(6)]
    clusters = cluster(items)
    assert sorted(c.size for c in clusters) == [3, 3]
    assert {c.place for c in clusters} == {"顺城社区", "东阳村"}


def test_key_words_are_words_a_person_reads():
    from dispatch.hotspots import _key_words

    strongest = ["满", "家庭医生", "名额", "名额 满", "签约 家庭医生", "家庭医生", "陵", "社区"]
    words = _key_words(strongest)
    assert "满" not in words and "陵" not in words  # single characters tell a reader nothing
    assert "名额满" in words and "名额" not in words  # a pair replaces the word it contains
    assert words.count("家庭医生") + words.count("签约家庭医生") == 1  # and nothing is said twice
    assert len(_key_words([f"词{i}" for i in range(20)])) == 6
