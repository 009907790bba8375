"""The demo city's volunteering, as plain data: 顺城社区's volunteer team and 榆次区's social work agency,
volunteers (resident accounts with the obviously fake phones 1390001xxxx) and the demo social worker of
care's demo, activities past and upcoming, and the hours of the past ones in the ledger.
``manage.py volunteers_demo`` builds it through volunteers.services. No real person."""

# The demo volunteer: a resident who signs in with this phone (the demo shows the one-time code on the sign-in page).
DEMO_VOLUNTEER = ("13900010001", "王晓燕", "140702001001")

# (name, kind, credit code or "", unit code)
ORGANISATIONS = [
    ("顺城社区志愿服务队", "team", "", "140702001001"),
    ("榆次区阳光社会工作服务中心", "agency", "52140702MJY2026013", "140702000000"),
]

# (phone, name, unit code, skills, availability)
VOLUNTEERS = [
    (DEMO_VOLUNTEER[0], DEMO_VOLUNTEER[1], DEMO_VOLUNTEER[2], ["companionship", "digital_help"],
     {"5": ["morning", "afternoon"], "6": ["morning"], "2": ["evening"]}),
    ("13900010002", "李建平", "140702001001", ["repair", "driving"], {"5": ["morning"], "6": ["afternoon"]}),
    ("13900010003", "张丽华", "140702001002", ["tutoring", "companionship"], {"1": ["evening"], "3": ["evening"]}),
    ("13900010004", "赵卫东", "140702001001", ["haircut"], {"6": ["morning"]}),
    ("13900010005", "刘红霞", "140702001003", ["health_check", "home_visit"], {"5": ["morning"]}),
    ("13900010006", "陈志强", "140702002001", ["legal_aid"], {"4": ["afternoon"]}),
    ("13900010007", "杨小燕", "140702001001", ["culture", "companionship"], {"5": ["afternoon"], "0": ["evening"]}),
    ("13900010008", "周永红", "140702001002", ["cleaning", "home_visit"], {"2": ["morning"]}),
]
APPLICANT = ("13900010009", "吴晓东", "140702001001", ["tutoring"], {"6": ["afternoon"]})

# (title, place, skills, days from today (negative: past), start hour, hours, places, care need?)
ACTIVITIES = [
    ("陪伴独居老人聊天", "顺城街12号", ["companionship", "home_visit"], -21, 9, 2, 4, True),
    ("社区义务理发", "顺城社区党群服务中心", ["haircut"], -14, 9, 3, 3, False),
    ("教老年人使用智能手机", "顺城社区老年活动室", ["digital_help"], -7, 14, 2, 6, False),
    ("留守儿童课业辅导", "如意社区四点半课堂", ["tutoring"], -3, 18, 2, 4, False),
    ("重阳节文艺演出", "顺城社区广场", ["culture"], 4, 9, 3, 10, False),
    ("独居老人家电检修", "顺城社区各楼栋", ["repair"], 6, 14, 3, 3, False),
    ("探访独居老人", "如意路8号", ["companionship", "home_visit"], 11, 9, 2, 3, True),
]
