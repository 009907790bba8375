"""core.redact: names and home addresses typed in free text are masked for the public, and ordinary
complaints stay readable as written."""

import pytest

from core.redact import ADDRESS_MASK, NAME_MASK, mask_people

# (text, what must no longer be in it, what must still be in it)
MASKED = [
    ("我叫赵六，家住顺城街5号3单元501，楼下暖气不热。", ["赵六", "顺城街5号", "501"], ["楼下暖气不热"]),
    ("我叫赵六家住顺城街5号", ["赵六", "顺城街5号"], ["我叫", "家住"]),
    ("联系人：王秀英 电话见上", ["王秀英"], ["联系人"]),
    ("我是张伟，住在迎宾路12号院3号楼", ["张伟", "迎宾路12号院", "3号楼"], ["我是"]),
    ("张先生反映路灯不亮", ["张先生"], ["先生反映路灯不亮"]),
    ("邻居李大爷家的水管冻裂了", ["李大爷"], ["大爷家的水管冻裂了"]),
    ("欧阳女士说噪音扰民", ["欧阳"], ["女士说噪音扰民"]),
    ("本人刘德华，身份证见附件", ["刘德华"], ["身份证见附件"]),
    ("顺城社区3号楼2单元楼道灯坏了", ["3号楼2单元"], ["顺城社区", "楼道灯坏了"]),
    ("12栋602室漏水影响楼下", ["12栋602室"], ["漏水影响楼下"]),
    ("家庭住址：榆次区顺城街甲5号，反映人：孙丽", ["顺城街甲5号", "孙丽"], ["反映人"]),
    ("锦纶路８号院门口积水", ["锦纶路８号院"], ["门口积水"]),
]
READABLE = [
    "马路上有个大坑，晚上骑车容易摔倒",
    "高楼停电三天，电梯不能用",
    "张贴的通知看不清",
    "我是一名退休教师，想咨询医保报销",
    "王家庄村的路坏了",
    "北关街道顺城社区垃圾没人清运",
    "我是顺城社区居民，小区门口积水",
    "黄色警示牌倒了",
    "102路公交车不准点",
    "2号线地铁站口有人乱摆摊",
    "住在顺城社区，附近工地夜间施工",
    "第3单元的供暖很差",
    "建设路与滨河路交叉口红绿灯坏了",
    "小区保安师傅态度很好，表扬一下",
    "老城区的下水道堵了",
]


@pytest.mark.parametrize(("text", "gone", "kept"), MASKED)
def test_names_and_addresses_are_masked(text, gone, kept):
    masked = mask_people(text)
    for value in gone:
        assert value not in masked, (text, masked)
    for value in kept:
        assert value in masked, (text, masked)
    assert NAME_MASK in masked or ADDRESS_MASK in masked or "某" in masked


@pytest.mark.parametrize("text", READABLE)
def test_ordinary_text_stays_as_written(text):
    assert mask_people(text) == text


def test_nothing_in_nothing_out():
    assert mask_people(None) == "" and mask_people("") == ""


def test_a_building_alone_says_where_the_trouble_is():
    assert mask_people("3号楼停水两天") == "3号楼停水两天"
    assert mask_people("3号楼501室停水") == f"{ADDRESS_MASK}停水"
