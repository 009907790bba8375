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


def test_key_words_keep_the_negation_and_never_invert_the_meaning():
    texts = [
        ("小区物业不作为，楼道垃圾堆积", "幸福里小区物业不作为，楼道垃圾一个月没人清理，臭气熏天。"),
        ("投诉幸福里物业不作为", "物业不作为，楼道垃圾没人管，反映多次也不处理。"),
        ("幸福里小区物业不作为", "楼道里垃圾堆满了，物业不作为，请尽快督促清理。"),
        ("物业不作为楼道垃圾无人清理", "幸福里小区楼道垃圾无人清理，物业不作为。"),
        ("幸福里物业不作为垃圾成堆", "物业公司不作为，垃圾成堆，居民苦不堪言。"),
    ]
    items = [Message(id=i, title=title, text=text, created_at=BASE + timedelta(days=i))
             for i, (title, text) in enumerate(texts)]
    items.append(Message(id="other", title="图书馆开放时间太短", text="市图书馆周末只开半天，希望延长。"))
    group = cluster(items)[0]
    assert group.size >= 3 and "other" not in group.message_ids
    assert any("不作为" in word for word in group.key_words), group.key_words
    assert not any("物业作为" in word for word in group.key_words), group.key_words


def test_key_words_are_whole_words_and_phrases():
    from dispatch.hotspots import key_terms

    assert "楼下扔" not in key_terms("楼上住户往楼下扔垃圾") and "扔垃圾" in key_terms("楼上住户往楼下扔垃圾")
    assert "坏久" not in key_terms("电梯坏久了没人修") and "没人修" in key_terms("电梯坏久了没人修")
    assert "不热" in key_terms("暖气不热") and "暖气不热" in key_terms("暖气不热")
    assert "很久没清理" in key_terms("垃圾很久没清理")
    assert "伊景园" in key_terms("A市伊景园滨河苑捆绑销售车位") and "市伊" not in "".join(
        key_terms("A市伊景园滨河苑捆绑销售车位"))
    # Phrases stop at punctuation and stop words: nothing joins the words either side of them.
    assert "物业楼道" not in key_terms("物业不作为，楼道垃圾没人管")


def test_key_words_prefer_what_the_cluster_says_in_its_titles():
    from collections import Counter

    from dispatch.hotspots import _message_terms, cluster_key_words

    members = [_message_terms(Message(id=i, title="路灯坏了很久没人修", text="晚上一片漆黑，请尽快维修路灯。"))
               for i in range(4)]
    others = [_message_terms(Message(id=i, title=f"其他事项{i}", text="请尽快处理。")) for i in range(20)]
    frequency = Counter(term for terms in members + others for term in terms.every)
    words = cluster_key_words(members, frequency, len(members) + len(others))
    assert words and "路灯" in "".join(words) and "很久没人修" in "".join(words)
    assert len(words) <= 6 and len(set(words)) == len(words)
    assert not any(a != b and a in b for a in words for b in words)  # nothing is said twice
