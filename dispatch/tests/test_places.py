from conftest import make_unit
from dispatch.places import find_places
from orgs.models import Level, UnitKind


def test_full_names_find_the_deepest_unit(cast):
    assert find_places("榆次区北关街道顺城社区门口的路灯坏了")[0] == cast.community
    assert find_places("太谷区明星镇东阳村的道路积水")[0] == cast.village


def test_short_forms_are_understood(cast):
    assert find_places("北关街道的垃圾没人清理") == [cast.beiguan]
    assert find_places("北关那边的菜市场太吵") == [cast.beiguan]
    assert find_places("东阳的水渠堵了")[0] == cast.village
    assert find_places("顺城的路灯不亮") == [cast.community]


def test_traditional_text_finds_the_same_places(cast):
    assert find_places("榆次區北關街道順城社區門口") == find_places("榆次区北关街道顺城社区门口") == [cast.community]


def test_the_address_counts_when_the_text_names_no_place(cast):
    assert find_places("门口的路灯坏了", address="晋中市太谷区明星镇东阳村3号") == [cast.village]


def test_a_consistent_chain_beats_a_lone_mention(cast):
    # Two villages mentioned; the one whose township is also named is the likelier place.
    found = find_places("明星镇东阳村的人到顺城社区打工")
    assert found[0] == cast.village and cast.community in found


def test_no_place_mentioned(cast):
    assert find_places("我家的水管漏水了") == []
    assert find_places("") == []


def test_a_new_unit_is_found_without_restarting(cast):
    assert find_places("新华社区的井盖丢了") == []
    xinhua = make_unit(cast.root, "140702001002", "新华社区", Level.VILLAGE, UnitKind.COMMUNITY, cast.beiguan)
    assert find_places("新华社区的井盖丢了") == [xinhua]
