"""The demo city's employment service, as plain data: employers of 榆次区 and 太谷区 (invented names, credit
codes with valid check characters), their jobs and 见习 internships, public-welfare posts, graduates of
the province's universities. ``manage.py employment_demo`` builds it through employment.services. No real
person or company: names are invented, ID numbers generated, phones the obviously fake 1390000xxxx."""

from stdnum.cn import uscc

# The demo employer's HR person signs in with this phone (the demo shows the one-time code on the sign-in page).
EMPLOYER_PHONE = "13900000101"
# A graduate who registered on their phone, with part of their 1131 done.
GRADUATE_PHONE = "13900000102"
COUNSELORS = {"140702": "yuci_hrss_handler", "140703": "taigu_hrss_handler"}


def credit_code(region: str, serial: str) -> str:
    body = f"91{region}{serial}"
    return body + uscc.calc_check_digit(body)


# (name, region code, serial, township code, industry, contact, verified)
EMPLOYERS = [
    ("晋中云数科技有限公司", "140702", "MA0K1A2B3", "140702001000", "软件和信息技术", "刘敏", True),
    ("榆次区顺达物流有限公司", "140702", "MA0K2C4D5", "140702002000", "物流", "王海涛", True),
    ("晋中市康乐养老服务中心", "140702", "MA0K3E6F7", "140702001000", "养老服务", "张丽", True),
    ("山西晋味食品有限公司", "140703", "MA0K4G8H9", "140703100000", "食品制造", "郭建", True),
    ("太谷区绿源农业专业合作社", "140703", "MA0K5J1K2", "140703100000", "农业", "李春生", True),
    ("晋中汇通会计师事务所", "140702", "MA0K6L3M4", "140702001000", "会计服务", "赵婷", True),
    ("榆次区安居物业管理有限公司", "140702", "MA0K7N5P6", "140702002000", "物业管理", "孙强", False),
]

# (employer index, kind, title, duties, requirements, education, pay from, pay to, headcount, months, subsidy)
POSTINGS = [
    (0, "job", "软件测试工程师", "编写测试用例，执行功能测试和自动化测试，跟踪缺陷", "熟悉Python或Java，计算机相关专业", "bachelor",
     4500, 7000, 3, None, None),
    (0, "job", "Java开发工程师", "参与政务系统后端开发与维护", "熟悉Java、Spring、MySQL", "bachelor", 6000, 9000, 2, None, None),
    (0, "job", "运维工程师", "服务器与网络日常运维，值班处理故障", "熟悉Linux，有网络基础", "college", 4500, 6500, 1, None, None),
    (0, "internship", "数据分析见习生", "整理业务数据，制作报表和可视化", "会用Excel，了解Python优先", "college", 2000, 2500, 4, 6,
     1800),
    (0, "internship", "前端开发见习生", "参与网页和小程序前端开发", "了解HTML、CSS、JavaScript", "college", 2000, 2800, 2, 6, 1800),
    (1, "job", "仓库管理员", "货物出入库登记、盘点和仓库安全", "细心负责，会用电脑", "senior", 3500, 4500, 2, None, None),
    (1, "job", "货车司机", "市内及周边配送", "持B2及以上驾照，两年驾龄", "junior", 5000, 7000, 3, None, None),
    (1, "job", "物流调度员", "安排车辆和线路，跟踪在途货物", "有物流工作经验优先", "college", 4000, 5500, 1, None, None),
    (1, "internship", "物流管理见习生", "协助调度、统计和客户对接", "物流管理、电子商务等专业", "college", 2000, 2300, 3, 3, 1600),
    (2, "job", "养老护理员", "老人日常起居照料、助餐助浴", "有爱心，持护理员证优先", "junior", 3200, 4200, 6, None, None),
    (2, "job", "康复治疗师", "为入住老人做康复训练", "康复治疗学专业，持证", "college", 4500, 6000, 1, None, None),
    (2, "internship", "社会工作见习生", "组织老人活动，个案跟进", "社会工作、护理等专业", "college", 2000, 2200, 2, 6, 1800),
    (3, "job", "食品检验员", "原料和成品的抽样检验，记录数据", "食品科学、化学相关专业", "college", 4000, 5500, 2, None, None),
    (3, "job", "生产线操作工", "按工艺要求操作包装设备", "吃苦耐劳，能倒班", "junior", 3800, 4800, 10, None, None),
    (3, "job", "电商运营专员", "网店商品上架、推广和客服", "熟悉电商平台，会做图", "college", 4000, 6000, 2, None, None),
    (3, "internship", "质量管理见习生", "协助质量体系文件和现场检查", "食品、生物类专业", "bachelor", 2200, 2500, 2, 6, 1800),
    (4, "job", "农业技术员", "大棚蔬菜种植技术指导，病虫害防治", "农学、园艺专业", "college", 3800, 5000, 2, None, None),
    (4, "job", "电工", "农场电路和灌溉设备维护", "持低压电工证", "senior", 4000, 5200, 1, None, None),
    (4, "internship", "农村电商见习生", "农产品直播带货和网店运营", "电子商务、市场营销专业", "college", 2000, 2400, 2, 6, 1800),
    (5, "job", "会计助理", "记账凭证、报税和档案整理", "会计学专业，持初级会计证优先", "bachelor", 3800, 5000, 2, None, None),
    (5, "internship", "审计见习生", "协助审计底稿编制", "会计、审计、财务管理专业", "bachelor", 2200, 2600, 3, 6, 1800),
    (6, "job", "物业客服", "业主接待、报修登记和回访", "沟通能力好", "senior", 3000, 3800, 2, None, None),
]

SCHOOLS = [
    ("太原理工大学", [("计算机科学与技术", "Python Java 编程 测试", "软件测试 开发"),
                     ("电气工程及其自动化", "电工 电路 PLC", "电工 运维")]),
    ("山西大学", [("社会工作", "社会工作 活动组织 沟通", "社工 养老服务"),
                 ("汉语言文学", "写作 公文 新媒体", "文员 新媒体运营")]),
    ("晋中学院", [("电子商务", "网店运营 直播 做图", "电商运营 直播"),
                 ("数据科学与大数据技术", "Python 数据分析 Excel 报表", "数据分析")]),
    ("山西农业大学", [("园艺", "种植 大棚 病虫害防治", "农业技术员"),
                     ("食品科学与工程", "食品检验 化验 质量管理", "食品检验 质量管理")]),
    ("山西财经大学", [("会计学", "会计 记账 报税 Excel", "会计 审计"),
                     ("物流管理", "物流 调度 仓储 Excel", "物流调度 仓库管理")]),
]
GIVEN = ["思远", "雨桐", "浩宇", "欣怡", "子轩", "佳琪", "博文", "梓涵", "宇航", "诗涵", "俊杰", "晓雯", "天宇", "若彤",
         "嘉豪", "静怡", "明轩", "可馨", "志远", "一帆"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余于杜叶程魏苏吕丁任"

# (title, duties, township or village code, months, subsidy, places)
WELFARE_POSTS = [
    ("社区保洁", "负责社区公共区域保洁", "140702001001", 12, 1600, 3),
    ("养老护理", "为社区独居老人提供助餐、陪护", "140702001000", 12, 1800, 2),
    ("护林员", "巡山护林，防火宣传", "140703100000", 24, 1500, 3),
    ("公共设施看护", "看护社区健身器材和公共设施", "140702002000", 12, 1500, 2),
]

# How far each graduate's 1131 has come, in turn: nothing yet, a policy talk, + guidance, + one or two
# recommendations, all three, and complete (a 见习 placement).
STAGES = ["none", "policy", "guidance", "one", "two", "three", "complete", "complete"]
