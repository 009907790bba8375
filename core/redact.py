"""Personal names and home addresses a resident typed into free text ("我叫赵六，家住顺城街5号3单元"),
found by cues, a list of common surnames and address patterns, and replaced, for text the public reads
(Open311). Phone and ID numbers are masked elsewhere (appeals.exports.mask_text for staff,
open311.serializers.public_text for the public), so this module only looks at words.

Precision matters as much as recall: a public text must stay readable. So a name is masked only when
something says it is one (a cue such as 我叫 or 联系人, or a title such as 先生 or 大爷 after a surname),
never because two characters happen to start with a common surname (马路, 高楼, 王府井); and an
address only when it carries a house number (顺城街5号, 3号楼2单元501), never a bare place name
(顺城社区, 北关街道), which the request's public location names anyway.
"""

import re

NAME_MASK = "某某"
SURNAME_MASK = "某"  # 张先生 → 某先生
ADDRESS_MASK = "[地址已隐去]"

# The most common Chinese surnames (over 85% of the population), compound ones first so that 欧阳 wins over 欧.
COMPOUND_SURNAMES = "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 令狐 端木 独孤 南宫 西门".split()
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单"
    "季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚"
    "娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘"
    "池查麻苑迟邝"
)
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + SURNAMES + "])"
# A character that ends a name: punctuation, digits, spaces and the words that follow one in a sentence.
_NOT_IN_NAME = r"\s\d\W_的了在是住家说和与跟及我你他她们今昨明反映投诉电话手机号联系身份证住址，。、；：！？（）"
_GIVEN = f"[^{_NOT_IN_NAME}]"
# Cues after which the next one to three characters are a name, whatever its surname.
_NAMED_CUE = r"(?:我叫|名叫|叫做|本人姓名|姓名|联系人|来电人|诉求人|申请人|户主|业主|当事人|反映人)[:：\s]*"
# Cues after which a name follows if it starts with a surname (我是 also starts "我是居民").
_WEAK_CUE = r"(?:我是|本人是?|我姓名?是?|他叫|她叫|其子|其女|老伴|丈夫|妻子|儿子|女儿)[:：\s]*"
_TITLES = r"(?:先生|女士|小姐|师傅|大爷|大妈|大娘|大叔|大哥|大姐|阿姨|奶奶|爷爷|老师|同志|老人|老太太|老汉)"

_NAMES = [
    re.compile(f"(?P<cue>{_NAMED_CUE})(?P<name>{_GIVEN}{{1,3}})"),
    re.compile(f"(?P<cue>{_WEAK_CUE})(?P<name>{_SURNAME}{_GIVEN}{{1,2}})"),
    # 张先生, 李大爷, 欧阳女士: the surname is masked, the title kept (it says who is meant, not who it is).
    # Only at the start of a word, or after a word that introduces a person (邻居张先生, 找王师傅), so that
    # 保安师傅 stays as written.
    re.compile(
        f"(?:(?<![\u4e00-\u9fff])|(?<=[的位居户主和与跟找给叫问向对被让请]))(?P<surname>{_SURNAME})(?P<title>{_TITLES})"
    ),
    re.compile(f"(?P<cue>[，,。\\s]|^)(?P<name>老{_SURNAME}|小{_SURNAME})(?=[，,。、\\s家说]|$)"),
]

_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
# The parts of a home address after the street or the estate: 5号, 3号楼, 2单元, 501室, 12栋, 6层, 甲5号.
_HOUSE = f"(?:{_NUM}(?:号院|号楼|号|栋|幢|座|单元|层|楼|室|户)|[-－—]{_NUM}|甲|乙|丙|东|西|南|北|[A-Za-z])"
_HOUSE_RUN = f"(?:{_NUM}(?:号院|号楼|号|栋|幢|座|单元|室|户))(?:{_HOUSE})*"
# A street or an estate: Chinese characters ending in one of these, not a cue word.
_STREET_END = r"(?:大道|大街|胡同|路|街|巷|弄|里|小区|花园|家园|公寓|大厦|新村|苑|院)"
_ADDRESSES = [
    # After a cue, the whole address up to the end of the clause, when it holds a number (家住顺城街5号).
    re.compile(
        r"(?P<cue>家住|住在|住址[:：]?|家庭住址[:：]?|居住在|现住)(?P<address>[^，。,;；！!？?\s]{0,30}?"
        f"{_NUM}[^，。,;；！!？?\\s]*)"
    ),
    # A street with a house number: 顺城街5号, 迎宾路12号院3号楼.
    re.compile(f"(?P<address>[^\\W\\d_住在于到的是从向近旁在和与]{{1,8}}?{_STREET_END}{_HOUSE_RUN})"),
    # Building with its unit or room, without a street: 3号楼2单元501, 12栋602室 (a building alone is
    # shared by many households and says where the trouble is: "3号楼停水" stays).
    re.compile(f"(?P<address>{_NUM}(?:号楼|栋|幢)(?:{_HOUSE})+)"),
    re.compile(f"(?<!第)(?P<address>{_NUM}单元(?:{_HOUSE})*)"),
]


def _mask_group(group: str, mask: str):
    def replace(match: re.Match) -> str:
        start, end = match.span(group)
        whole = match.group(0)
        offset = match.start(0)
        return whole[: start - offset] + mask + whole[end - offset :]

    return replace


def mask_names(text: str) -> str:
    for pattern in _NAMES:
        if "surname" in pattern.groupindex:
            text = pattern.sub(_mask_group("surname", SURNAME_MASK), text)
        else:
            text = pattern.sub(_mask_group("name", NAME_MASK), text)
    return text


def mask_addresses(text: str) -> str:
    for pattern in _ADDRESSES:
        text = pattern.sub(_mask_group("address", ADDRESS_MASK), text)
    return text


def mask_people(text: str | None) -> str:
    """``text`` with personal names and home addresses replaced (see the module's docstring)."""
    if not text:
        return ""
    return mask_names(mask_addresses(text))
