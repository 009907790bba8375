"""The demo city, as plain data: 晋中市 with its real districts and counties (real division codes and
approximate county-seat coordinates), invented but plausible townships, villages, communities and
grids below them, the departments of each government, and staff in every role.

``python manage.py seed_demo`` turns this into rows through the services; edit this file and run it
again to change the demo. Nothing here is real personal data: names are invented, phone numbers are
obviously fake (1380000xxxx).
"""

# One password for every demo account; the command prints it. Never use the demo on a public server.
DEMO_PASSWORD = "minsheng-demo"

# The system superuser the command acts as (and creates when missing).
SUPERUSER = {"username": "admin", "display_name": "系统管理员"}

CITY = {"code": "140700000000", "name": "晋中市", "short_name": "晋中", "lat": 37.6870, "lng": 112.7528}

# Each county: 6-digit county code, name, short name, ASCII slug (for usernames), county-seat
# coordinates, and its townships. The unit type follows from the name's last character
# (区 → district, 县 → county, 市 → county-level city).
#
# A township is (3-digit code within the county, name, [villages or communities]); its full name is
# the county's name plus its own (榆次区北关街道), its short name its own (北关街道); its type follows
# from the suffix (街道, 镇, 乡). Codes follow the statistical pattern: 0xx for 街道, 1xx for 镇,
# 2xx for 乡.
#
# A village or community is (3-digit code within the township, name) or (code, name, [grids]);
# its type follows from the suffix (社区, 村). Communities take 0xx codes, villages 2xx.
# A grid is (3-digit code within the community, short name); its full name is the community's name
# plus its own (顺城社区第一网格).
COUNTIES = [
    {
        "code": "140702", "name": "榆次区", "short_name": "榆次", "slug": "yuci", "lat": 37.6977, "lng": 112.7081,
        "townships": [
            ("001", "北关街道", [
                ("001", "顺城社区", [("001", "第一网格"), ("002", "第二网格"), ("003", "第三网格")]),
                ("002", "如意社区", [("001", "第一网格"), ("002", "第二网格")]),
                ("003", "迎春社区"),
            ]),
            ("002", "西南街道", [
                ("001", "文苑社区"),
                ("002", "桥东社区"),
                ("003", "紫金社区"),
            ]),
            ("100", "乌金山镇", [
                ("201", "乌金山村"),
                ("202", "龙白村"),
                ("203", "使赵村"),
            ]),
            ("101", "东阳镇", [
                ("201", "东阳村"),
                ("202", "车辋村"),
                ("203", "罕山村"),
            ]),
        ],
    },
    {
        "code": "140703", "name": "太谷区", "short_name": "太谷", "slug": "taigu", "lat": 37.4212, "lng": 112.5512,
        "townships": [
            ("001", "桃园街道", [
                ("001", "桃园社区"),
                ("002", "金谷社区"),
                ("003", "东街社区"),
            ]),
            ("100", "明星镇", [
                ("001", "西街社区"),
                ("201", "北汪村"),
                ("202", "贯家堡村"),
            ]),
            ("101", "胡村镇", [
                ("201", "胡村"),
                ("202", "东贾村"),
            ]),
            ("200", "侯城乡", [
                ("201", "侯城村"),
                ("202", "王公村"),
                ("203", "咸阳村"),
            ]),
        ],
    },
    {
        "code": "140721", "name": "榆社县", "short_name": "榆社", "slug": "yushe", "lat": 37.0706, "lng": 112.9756,
        "townships": [
            ("100", "箕城镇", [("001", "城关社区"), ("201", "桑家沟村"), ("202", "东沟村")]),
            ("101", "云竹镇", [("201", "云竹村"), ("202", "王景村")]),
            ("200", "河峪乡", [("201", "河峪村"), ("202", "西河村")]),
        ],
    },
    {
        "code": "140722", "name": "左权县", "short_name": "左权", "slug": "zuoquan", "lat": 37.0824, "lng": 113.3792,
        "townships": [
            ("100", "辽阳镇", [("001", "紫阳社区"), ("201", "西关村"), ("202", "南关村")]),
            ("101", "桐峪镇", [("201", "桐峪村"), ("202", "上武村")]),
            ("102", "麻田镇", [("201", "麻田村"), ("202", "泽城村"), ("203", "上麻田村")]),
        ],
    },
    {
        "code": "140723", "name": "和顺县", "short_name": "和顺", "slug": "heshun", "lat": 37.3296, "lng": 113.5698,
        "townships": [
            ("100", "义兴镇", [("001", "东关社区"), ("201", "南窑村"), ("202", "玉女村")]),
            ("101", "李阳镇", [("201", "李阳村"), ("202", "红堡沟村")]),
            ("102", "松烟镇", [("201", "松烟村"), ("202", "许村")]),
        ],
    },
    {
        "code": "140724", "name": "昔阳县", "short_name": "昔阳", "slug": "xiyang", "lat": 37.6118, "lng": 113.7066,
        "townships": [
            ("100", "乐平镇", [("001", "城南社区"), ("002", "城北社区"), ("201", "东关村")]),
            ("101", "大寨镇", [("201", "大寨村"), ("202", "武家坪村"), ("203", "金石坡村")]),
            ("102", "皋落镇", [("201", "皋落村"), ("202", "西固壁村")]),
        ],
    },
    {
        "code": "140725", "name": "寿阳县", "short_name": "寿阳", "slug": "shouyang", "lat": 37.8952, "lng": 113.1772,
        "townships": [
            ("100", "朝阳镇", [("001", "府前社区"), ("002", "新城社区"), ("201", "韩沟村")]),
            ("101", "宗艾镇", [("201", "宗艾村"), ("202", "下洲村")]),
            ("200", "景尚乡", [("201", "景尚村"), ("202", "北河村")]),
        ],
    },
    {
        "code": "140727", "name": "祁县", "short_name": "", "slug": "qixian", "lat": 37.3580, "lng": 112.3354,
        "townships": [
            ("100", "昭馀镇", [("001", "丹枫社区"), ("002", "西大街社区"), ("201", "南关村")]),
            ("101", "东观镇", [("201", "乔家堡村"), ("202", "东观村")]),
            ("102", "贾令镇", [("201", "贾令村"), ("202", "谷恋村")]),
            ("200", "峪口乡", [("201", "峪口村"), ("202", "鲁村")]),
        ],
    },
    {
        "code": "140728", "name": "平遥县", "short_name": "平遥", "slug": "pingyao", "lat": 37.1893, "lng": 112.1759,
        "townships": [
            ("100", "古陶镇", [("001", "南大街社区"), ("002", "西大街社区"), ("003", "东城社区")]),
            ("101", "洪善镇", [("201", "洪善村"), ("202", "长寿村")]),
            ("102", "段村镇", [("201", "段村"), ("202", "西王智村")]),
            ("200", "中都乡", [("201", "中都村"), ("202", "白家庄村"), ("203", "郝洞村")]),
        ],
    },
    {
        "code": "140729", "name": "灵石县", "short_name": "灵石", "slug": "lingshi", "lat": 36.8478, "lng": 111.7784,
        "townships": [
            ("100", "翠峰镇", [("001", "新建社区"), ("002", "翠峰社区"), ("201", "南王中村")]),
            ("101", "静升镇", [("201", "静升村"), ("202", "尹方村")]),
            ("102", "两渡镇", [("201", "两渡村"), ("202", "冷泉村")]),
        ],
    },
    {
        "code": "140781", "name": "介休市", "short_name": "介休", "slug": "jiexiu", "lat": 37.0271, "lng": 111.9168,
        "townships": [
            ("001", "西关街道", [("001", "顺城关社区"), ("002", "新华社区"), ("003", "西关社区")]),
            ("100", "张兰镇", [("201", "张兰村"), ("202", "旧新堡村")]),
            ("101", "绵山镇", [("201", "兴地村"), ("202", "大靳村"), ("203", "石屯村")]),
            ("200", "宋古乡", [("201", "宋古村"), ("202", "东宋壁村")]),
        ],
    },
]

# Departments of every city and county government. Per kind (an orgs.models.DepartmentKind value):
# the code suffix, and the (full name, short name) templates at city and at county level, where
# {unit} is the government's full name (晋中市, 榆次区) and {stem} a county's short name (榆次; 祁县 has
# none and uses its full name). Codes read "1407-<suffix>" for the city and "<county code>-<suffix>"
# for a county (140702-health).
DEPARTMENTS = [
    {"kind": "health", "code": "health",
     "city": ("{unit}卫生健康委员会", "市卫健委"), "county": ("{unit}卫生健康局", "{unit}卫健局")},
    {"kind": "hrss", "code": "hrss",
     "city": ("{unit}人力资源和社会保障局", "市人社局"), "county": ("{unit}人力资源和社会保障局", "{unit}人社局")},
    {"kind": "housing", "code": "housing",
     "city": ("{unit}住房和城乡建设局", "市住建局"), "county": ("{unit}住房和城乡建设局", "{unit}住建局")},
    {"kind": "civil_affairs", "code": "civil-affairs",
     "city": ("{unit}民政局", "市民政局"), "county": ("{unit}民政局", "{unit}民政局")},
    {"kind": "education", "code": "education",
     "city": ("{unit}教育局", "市教育局"), "county": ("{unit}教育局", "{unit}教育局")},
    {"kind": "sports", "code": "sports",
     "city": ("{unit}体育局", "市体育局"), "county": ("{unit}体育局", "{unit}体育局")},
    {"kind": "culture_tourism", "code": "culture-tourism",
     "city": ("{unit}文化和旅游局", "市文旅局"), "county": ("{unit}文化和旅游局", "{unit}文旅局")},
    {"kind": "urban_management", "code": "urban-management",
     "city": ("{unit}城市管理局", "市城管局"), "county": ("{unit}城市管理局", "{unit}城管局")},
    {"kind": "transport", "code": "transport",
     "city": ("{unit}交通运输局", "市交通运输局"), "county": ("{unit}交通运输局", "{unit}交通运输局")},
    # A county's ecology office is a branch (分局) of the city's bureau, not a county bureau.
    {"kind": "environment", "code": "environment",
     "city": ("{unit}生态环境局", "市生态环境局"), "county": ("晋中市生态环境局{stem}分局", "{unit}生态环境分局")},
    {"kind": "market_regulation", "code": "market-regulation",
     "city": ("{unit}市场监督管理局", "市市场监管局"), "county": ("{unit}市场监督管理局", "{unit}市场监管局")},
    {"kind": "medical_insurance", "code": "medical-insurance",
     "city": ("{unit}医疗保障局", "市医保局"), "county": ("{unit}医疗保障局", "{unit}医保局")},
    # The disabled persons' federation (残联): not a government bureau but at each level beside them; the
    # care registry shows it the disabled of its area.
    {"kind": "disabled_federation", "code": "dpf",
     "city": ("{unit}残疾人联合会", "市残联"), "county": ("{unit}残疾人联合会", "{unit}残联")},
]

# Staff: (username, display name, role, place, phone). The place is a unit code (12 digits, or 15
# for a grid) or a department code; the role an orgs.models.Role value. The phone is optional.
STAFF = [
    # 晋中市: the city's hotline centre, leadership and departments
    ("jz_leader", "李振华", "leader", "140700000000", "13800000001"),
    ("jz_supervisor", "张慧敏", "supervisor", "140700000000", "13800000002"),
    ("jz_dispatcher", "王丽娜", "dispatcher", "140700000000", "13800000003"),
    ("jz_admin", "赵志刚", "admin", "140700000000", "13800000004"),
    ("jz_health_handler", "刘晓燕", "handler", "1407-health", ""),
    ("jz_hrss_handler", "陈建军", "handler", "1407-hrss", ""),
    ("jz_civil_handler", "杨秀兰", "handler", "1407-civil-affairs", ""),
    ("jz_market_handler", "郭伟", "handler", "1407-market-regulation", ""),
    # 榆次区
    ("yuci_leader", "武国庆", "leader", "140702000000", ""),
    ("yuci_supervisor", "田海燕", "supervisor", "140702000000", "13800000011"),
    ("yuci_dispatcher", "任晓峰", "dispatcher", "140702000000", "13800000012"),
    ("yuci_admin", "韩磊", "admin", "140702000000", ""),
    ("yuci_health_handler", "梁静", "handler", "140702-health", "13800000013"),
    ("yuci_hrss_handler", "贾志强", "handler", "140702-hrss", ""),
    ("yuci_housing_handler", "闫丽君", "handler", "140702-housing", ""),
    ("yuci_civil_handler", "冀红梅", "handler", "140702-civil-affairs", ""),
    ("yuci_education_handler", "范雅琴", "handler", "140702-education", ""),
    ("yuci_urban_handler", "侯文斌", "handler", "140702-urban-management", ""),
    ("yuci_market_handler", "薛晓东", "handler", "140702-market-regulation", ""),
    ("beiguan_handler", "宋佳", "handler", "140702001000", ""),
    ("xinan_handler", "段建平", "handler", "140702002000", ""),
    ("wujinshan_handler", "史春生", "handler", "140702100000", ""),
    ("shuncheng_handler", "温丽萍", "handler", "140702001001", ""),
    ("wenyuan_handler", "牛淑芳", "handler", "140702002001", ""),
    ("shuncheng_grid1", "郝明", "grid_worker", "140702001001001", ""),
    ("shuncheng_grid2", "白雪", "grid_worker", "140702001001002", ""),
    ("shuncheng_grid3", "程立新", "grid_worker", "140702001001003", ""),
    ("ruyi_grid1", "常燕", "grid_worker", "140702001002001", ""),
    ("ruyi_grid2", "康永红", "grid_worker", "140702001002002", ""),
    ("longbai_worker", "赵二虎", "grid_worker", "140702100202", ""),
    # 太谷区
    ("taigu_leader", "孟庆华", "leader", "140703000000", ""),
    ("taigu_supervisor", "乔建英", "supervisor", "140703000000", "13800000021"),
    ("taigu_dispatcher", "曹永刚", "dispatcher", "140703000000", "13800000022"),
    ("taigu_admin", "申志勇", "admin", "140703000000", ""),
    ("taigu_health_handler", "秦玉梅", "handler", "140703-health", ""),
    ("taigu_hrss_handler", "石红", "handler", "140703-hrss", ""),
    ("taigu_civil_handler", "霍建华", "handler", "140703-civil-affairs", ""),
    ("taigu_urban_handler", "高鹏", "handler", "140703-urban-management", ""),
    ("taoyuan_handler", "苗丽华", "handler", "140703001000", ""),
    ("mingxing_handler", "马俊杰", "handler", "140703100000", ""),
    ("dongjie_handler", "殷晓红", "handler", "140703001003", ""),
    ("taoyuan_grid", "柴国栋", "grid_worker", "140703001001", ""),
    ("jingu_grid", "阎春燕", "grid_worker", "140703001002", ""),
    ("beiwang_worker", "任福贵", "grid_worker", "140703100201", ""),
    # The other counties: each has a dispatcher at its hotline desk and a health-bureau handler.
    ("yushe_dispatcher", "李红霞", "dispatcher", "140721000000", ""),
    ("yushe_health_handler", "王二平", "handler", "140721-health", ""),
    ("zuoquan_dispatcher", "张彦军", "dispatcher", "140722000000", ""),
    ("zuoquan_health_handler", "刘翠英", "handler", "140722-health", ""),
    ("heshun_dispatcher", "杜晓明", "dispatcher", "140723000000", ""),
    ("heshun_health_handler", "姚丽", "handler", "140723-health", ""),
    ("xiyang_dispatcher", "贾宏伟", "dispatcher", "140724000000", ""),
    ("xiyang_health_handler", "李变英", "handler", "140724-health", ""),
    ("shouyang_dispatcher", "赵晋平", "dispatcher", "140725000000", ""),
    ("shouyang_health_handler", "郭小芳", "handler", "140725-health", ""),
    ("qixian_dispatcher", "渠志斌", "dispatcher", "140727000000", ""),
    ("qixian_health_handler", "乔美玲", "handler", "140727-health", ""),
    ("pingyao_dispatcher", "雷永生", "dispatcher", "140728000000", ""),
    ("pingyao_health_handler", "冀雪梅", "handler", "140728-health", ""),
    ("pingyao_gutao_handler", "侯建新", "handler", "140728100000", ""),
    ("lingshi_dispatcher", "王宝成", "dispatcher", "140729000000", ""),
    ("lingshi_health_handler", "耿玉兰", "handler", "140729-health", ""),
    ("jiexiu_dispatcher", "宋志刚", "dispatcher", "140781000000", ""),
    ("jiexiu_health_handler", "张丽芳", "handler", "140781-health", ""),
]

# The accounts the command lists after a run (a few per role, from the top of the tree down).
FEATURED_LOGINS = [
    "jz_leader", "yuci_leader",
    "jz_supervisor", "yuci_supervisor", "taigu_supervisor",
    "jz_dispatcher", "yuci_dispatcher", "taigu_dispatcher",
    "jz_health_handler", "yuci_health_handler", "taigu_health_handler", "beiguan_handler", "shuncheng_handler",
    "shuncheng_grid1", "taoyuan_grid", "longbai_worker",
    "jz_admin", "yuci_admin",
]
