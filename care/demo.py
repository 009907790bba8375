"""The demo city's registry, as plain data and a seeded generator: a few hundred invented people across
the care categories in the villages and communities of 榆次区 and 太谷区, their responsible people (the
demo grid workers and community staff of orgs.demo, and one social worker), and a visit history with
some visits overdue. ``manage.py care_demo`` builds it through care.services. No real person: names are
drawn from common surnames and given names, ID numbers are generated (valid check digits), phones are
the obviously fake 1390000xxxx."""

import random
from dataclasses import dataclass, field
from datetime import date

from stdnum.cn import ric

# The demo's social worker (社工): a login of their own, serving 顺城社区 as a community worker.
SOCIAL_WORKER = ("shuncheng_social", "冯晓梅", "140702001001")
# 榆次区残联 (the disabled persons' federation, a department type that serves 残疾人) and its login: it sees
# the disabled of 榆次区, and only that category of them. seed_demo makes the department (orgs.demo); it is made
# here too for a demo city seeded before it was there.
DISABLED_FEDERATION = {"code": "140702-dpf", "unit": "140702000000", "name": "榆次区残疾人联合会",
                       "short_name": "榆次区残联"}
DPF_HANDLER = ("yuci_dpf_handler", "郝丽娟")
# Records the demo ends (in 顺城社区): one person died a month ago, one moved away ten days ago.
ENDED = [("died", 30, ""), ("moved_away", 10, "随子女迁往太原市小店区")]
# A need a village cadre responsible for someone heard of outside a visit, filed from the record.
RECORD_NEED = ("老人反映楼道灯坏了", "包联对象反映所住单元楼道灯已坏一周，晚上上下楼看不清，请物业或社区维修。")

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
ELDERLY_GIVEN = ["秀英", "桂兰", "玉兰", "淑珍", "凤英", "桂英", "秀兰", "玉珍", "德明", "国华", "建国", "福贵",
                 "长顺", "文华", "志明", "守信", "有才", "金花", "翠兰", "春生", "保国", "来福", "二虎", "喜梅"]
CHILD_GIVEN = ["子涵", "梓萱", "浩宇", "雨桐", "一诺", "欣怡", "宇轩", "思源", "佳怡", "俊熙", "若曦", "博文"]
ADULT_GIVEN = ["晓峰", "丽娟", "海军", "小燕", "志强", "红霞", "建平", "丽华", "永红", "晓东", "卫东", "艳芳"]
STREETS = ["顺城街", "如意路", "迎春巷", "文苑街", "桥东路", "紫金路", "新建路", "中都路", "解放路", "蕴华街"]

# Category code → (weight, kind of person) for a person's first category; a second is sometimes added.
CATEGORY_MIX = {
    "solitary_elderly": (18, "elderly"), "empty_nest_elderly": (16, "elderly"), "disabled_elderly": (8, "elderly"),
    "left_behind_children": (9, "child"), "children_in_hardship": (4, "child"), "disabled": (10, "adult"),
    "dibao": (14, "adult"), "tekun": (5, "elderly"), "low_income": (7, "adult"), "hard_to_employ": (9, "adult"),
}
# Villages with a responsible person get more people; the others show coverage gaps on the unit page.
PEOPLE_PER_COVERED_VILLAGE = 26  # and a quarter of it in each other village
COUNTY_CODES = ("140702", "140703")
OVERDUE_SHARE = 0.2  # of the people visited, those whose last visit is left late
NEEDS = [
    ("独居老人家中燃气软管老化", "走访发现厨房燃气软管老化开裂，老人独居行动不便，请燃气公司上门更换。"),
    ("老人冬季取暖困难", "老人家中暖气不热，室温约12度，请供热单位上门检修。"),
    ("残疾人申请辅具", "走访中残疾人提出需要一副助行器，请残联协助申请辅具适配。"),
]


@dataclass
class DemoPerson:
    name: str
    id_number: str
    phone: str
    address: str
    categories: list[tuple[str, dict]] = field(default_factory=list)


def id_number(rng: random.Random, place: str, birth: date, taken: set[str]) -> str:
    while True:
        body = f"{place}{birth:%Y%m%d}{rng.randint(1, 998):03d}"
        number = body + ric.calc_check_digit(body + "0")
        if number not in taken:
            taken.add(number)
            return number


def birth_for(rng: random.Random, kind: str, today: date) -> date:
    years = {"elderly": (62, 95), "child": (4, 15), "adult": (25, 58)}[kind]
    age = rng.randint(*years)
    return date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))


def values_for(rng: random.Random, code: str) -> dict:
    """Plausible field values for the seeded categories (care/migrations/0002_seed_categories.py)."""
    adl = rng.choices(["自理", "半失能", "失能"], weights=[6, 3, 1])[0]
    return {
        "solitary_elderly": {"adl": adl, "chronic": rng.choice(["高血压", "糖尿病", "", "冠心病"])},
        "empty_nest_elderly": {"adl": adl, "children_live": rng.choice(["太原", "北京", "本市", "外省"])},
        "disabled_elderly": {"adl": rng.choice(["半失能", "失能"]), "carer": rng.choice(["配偶", "子女", "无"])},
        "left_behind_children": {"guardian": "祖父母", "school": "本村小学", "parents_work": rng.choice(["太原", "北京"])},
        "children_in_hardship": {"guardian": rng.choice(["祖父母", "母亲"]),
                                 "hardship": rng.choice(["重病重残", "家庭困难", "监护缺失"])},
        "disabled": {"disability_type": rng.choice(["视力", "听力", "肢体", "智力"]),
                     "disability_grade": rng.choice(["一级", "二级", "三级", "四级"])},
        "dibao": {"certificate": f"DB{rng.randint(10000, 99999)}", "amount": rng.choice([520, 610, 680])},
        "tekun": {"certificate": f"TK{rng.randint(10000, 99999)}", "support": rng.choice(["集中供养", "分散供养"])},
        "low_income": {"certificate": f"DS{rng.randint(10000, 99999)}"},
        "hard_to_employ": {"recognised_on": f"{date.today().year - 1}-0{rng.randint(1, 9)}-15",
                           "skills": rng.choice(["保洁", "保安", "电工", "种植"])},
    }[code]


def people_for(rng: random.Random, *, count: int, county_code: str, taken: set[str], today: date) -> list[DemoPerson]:
    codes = list(CATEGORY_MIX)
    weights = [CATEGORY_MIX[code][0] for code in codes]
    out = []
    for _ in range(count):
        code = rng.choices(codes, weights=weights)[0]
        kind = CATEGORY_MIX[code][1]
        birth = birth_for(rng, kind, today)
        given = {"elderly": ELDERLY_GIVEN, "child": CHILD_GIVEN, "adult": ADULT_GIVEN}[kind]
        person = DemoPerson(
            name=rng.choice(SURNAMES) + rng.choice(given),
            id_number=id_number(rng, county_code, birth, taken),
            phone="" if kind == "child" else f"1390000{rng.randint(0, 9999):04d}",
            address=f"{rng.choice(STREETS)}{rng.randint(1, 120)}号",
            categories=[(code, values_for(rng, code))],
        )
        if kind == "elderly" and rng.random() < 0.25:
            person.categories.append(("dibao", values_for(rng, "dibao")))
        out.append(person)
    return out
