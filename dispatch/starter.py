"""A starter responsibility catalogue (通用派单目录): phrases residents use for matters whose handling
department is the same in any Chinese city or county, each pointing to a department *type*. Routing
sends a matched appeal to the department of that type serving the appeal's place (its county's, or
the city's), so one list serves every county without naming their departments.

It is a cold start, not a policy: a deployment loads it with ``manage.py dispatch_starter_catalogue``,
then edits, deactivates or extends the entries in the admin (or by xlsx import) to match its own
权责清单. Phrases are short and common on purpose; a single one never makes the platform sure enough
to dispatch on its own (see ``dispatch.catalogue.PRIOR_EVIDENCE``).
"""

from orgs.models import DepartmentKind as K

STARTER: dict[str, tuple[str, ...]] = {
    K.HOUSING: ("供暖", "暖气", "供热", "燃气", "天然气", "自来水", "停水", "物业", "电梯", "房产证", "不动产证",
                "公租房", "老旧小区改造", "维修基金", "开发商"),
    K.URBAN_MANAGEMENT: ("路灯", "垃圾清运", "垃圾站", "占道经营", "摆摊", "违章建筑", "违建", "井盖", "渣土",
                         "绿化带"),
    K.ENVIRONMENT: ("噪音", "油烟", "污水", "排污", "扬尘", "空气污染", "焚烧", "臭味"),
    K.HEALTH: ("医院", "家庭医生", "疫苗", "卫生院", "挂号", "看病", "卫生服务站"),
    K.MEDICAL_INSURANCE: ("医保", "医疗保险", "异地就医", "报销"),
    K.HUMAN_RESOURCES: ("拖欠工资", "欠薪", "农民工工资", "养老金", "社保", "养老保险", "失业", "就业", "技能培训",
                        "劳动合同", "工伤"),
    K.EDUCATION: ("学校", "入学", "招生", "幼儿园", "老师", "学生", "校外培训", "学费"),
    K.CIVIL_AFFAIRS: ("低保", "特困", "养老院", "独居老人", "残疾", "困难救助", "婚姻登记", "殡葬", "老年食堂",
                      "社区食堂"),
    K.TRANSPORT: ("公交", "出租车", "网约车", "公路", "客运"),
    K.MARKET_REGULATION: ("过期", "假货", "食品安全", "价格欺诈", "缺斤少两", "消费者", "退换"),
    K.SPORTS: ("健身器材", "体育场", "体育馆", "健身"),
    K.CULTURE_TOURISM: ("文化馆", "图书馆", "景区", "旅游", "博物馆"),
}
