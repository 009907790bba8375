"""The demo city's 民生实事 list (targets_demo), drawn from the targets the seeds' municipal reports name:
养老 projects, canteens and day-care centres (民政), the county share of in-patients and primary-care
visits, family-doctor contracts and the 'five centres' of emergency care (卫健), with the platform's
own demand and care figures; a year's monthly figures reported by the departments and reviewed by
the unit above, some of the last month still waiting for review or returned."""

# (code, name, unit of measure, is rate, numerator label, denominator label, department kind, cumulative)
REPORTED = [
    ("family-doctor", "家庭医生签约率", "%", True, "签约人数", "常住人口", "health", False),
    ("inpatient-share", "县域住院人次占比", "%", True, "县域内住院人次", "全部住院人次", "health", False),
    ("primary-visits-share", "基层诊疗量占比", "%", True, "基层医疗机构诊疗人次", "总诊疗人次", "health", False),
    ("emergency-centres", "急诊急救“五大中心”全覆盖的县", "个县", False, "", "", "health", False),
    ("elderly-projects", "社区养老工程和区域养老服务中心建成数", "个", False, "", "", "civil_affairs", False),
    ("canteens", "标准化社区食堂建成数", "个", False, "", "", "civil_affairs", False),
    ("day-care", "农村老年人日间照料中心建成数", "个", False, "", "", "civil_affairs", False),
]

# Rates each county reports monthly: (indicator, city baseline, city target, how fast the year goes:
# 1 is the plan's pace, below it falls behind), and each county's denominator's order of size.
RATES = {
    "family-doctor": (38, 41, 1.05, 400_000),
    "inpatient-share": (80, 85, 1.1, 5_000),
    "primary-visits-share": (55, 60, 0.5, 60_000),
}

# Counts the city reports: (indicator, baseline, target, pace).
COUNTS = {
    "emergency-centres": (6, 11, 1.0),
    "elderly-projects": (0, 10, 0.95),
    "canteens": (0, 20, 1.0),
    "day-care": (0, 30, 0.6),
}

# (title, public wording, indicator code, baseline, target, department code suffix, order)
CITY_TARGETS = [
    (
        "新建改造10个社区养老工程和区域养老服务中心",
        "新建改造10个社区养老工程和区域养老服务中心，扩容升级基本养老服务。",
        "reported.elderly-projects",
        0,
        10,
        "civil-affairs",
        10,
    ),
    (
        "建成20个标准化社区食堂",
        "建成20个标准化社区食堂，让老年人在家门口吃上热乎饭。",
        "reported.canteens",
        0,
        20,
        "civil-affairs",
        20,
    ),
    (
        "建成30个农村老年人日间照料中心",
        "建成30个农村老年人日间照料中心。",
        "reported.day-care",
        0,
        30,
        "civil-affairs",
        30,
    ),
    (
        "县域住院人次占比提升5个百分点",
        "县域住院人次占比、基层诊疗量占比等重点指标提升5%以上。",
        "reported.inpatient-share",
        80,
        85,
        "health",
        40,
    ),
    (
        "基层诊疗量占比提升5个百分点",
        "推动县域医改由“重治病”向“重防病”跨越，基层诊疗量占比提升5%以上。",
        "reported.primary-visits-share",
        55,
        60,
        "health",
        50,
    ),
    (
        "家庭医生签约率提高3个百分点",
        "做实做细家庭医生签约服务，全人群和重点人群签约率提高1至3个百分点。",
        "reported.family-doctor",
        38,
        41,
        "health",
        60,
    ),
    (
        "急诊急救“五大中心”县县全覆盖",
        "推动急诊急救“五大中心”县县全覆盖。",
        "reported.emergency-centres",
        6,
        11,
        "health",
        70,
    ),
    ("12345诉求满意率达到95%", "群众诉求件件有回应，满意率达到95%以上。", "demands.satisfaction_rate", 90, 95, "", 80),
    (
        "困难群体包联覆盖率达到90%",
        "健全困难群体关爱帮扶机制，包联覆盖率达到90%。",
        "care.coverage",
        50,
        90,
        "civil-affairs",
        90,
    ),
    (
        "按时走访率达到95%",
        "独居老人、留守儿童等重点人群按时走访率达到95%。",
        "care.visits_on_time",
        75,
        95,
        "civil-affairs",
        100,
    ),
]

# A county's own item: 榆次区 builds 5 of the city's canteens.
COUNTY_TARGET = ("140702", "榆次区建成5个标准化社区食堂", "reported.canteens", 0, 5, "civil-affairs")
