"""The usual care categories and risk rules, as a city starts with them. They are configuration each
city edits in the admin afterwards; this migration only adds what is missing (by code), so an edited
category is never overwritten."""

from django.db import migrations

ADL = {"name": "adl", "label": "自理能力", "type": "choice", "choices": ["自理", "半失能", "失能"]}
GUARDIAN = {"name": "guardian", "label": "监护人", "type": "text"}
SCHOOL = {"name": "school", "label": "就读学校", "type": "text"}
CERTIFICATE = {"name": "certificate", "label": "证号", "type": "text"}
AMOUNT = {"name": "amount", "label": "月保障金额（元）", "type": "number"}
ELDERLY_CHECKS = [{"name": "adl_change", "label": "自理能力有无变化"}, {"name": "medicine", "label": "按时服药"}]
CHILD_CHECKS = [{"name": "schooling", "label": "上学情况"}, {"name": "guardianship", "label": "监护落实"}]

CATEGORIES = [
    # code, name, fields, extra checklist, visit days (high, medium, low), order
    ("solitary_elderly", "独居老人", [ADL, {"name": "chronic", "label": "慢性病", "type": "text"}], ELDERLY_CHECKS,
     (7, 14, 30), 10),
    ("empty_nest_elderly", "空巢老人", [ADL, {"name": "children_live", "label": "子女居住地", "type": "text"}],
     ELDERLY_CHECKS, (7, 14, 30), 20),
    ("disabled_elderly", "失能半失能老人", [ADL, {"name": "carer", "label": "照料人", "type": "text"}], ELDERLY_CHECKS,
     (7, 14, 30), 30),
    ("left_behind_children", "留守儿童", [GUARDIAN, SCHOOL,
                                         {"name": "parents_work", "label": "父母务工地", "type": "text"}],
     CHILD_CHECKS, (7, 14, 30), 40),
    ("children_in_hardship", "困境儿童", [GUARDIAN, SCHOOL, {"name": "hardship", "label": "困境类型", "type": "choice",
                                                          "choices": ["重病重残", "家庭困难", "监护缺失", "其他"]}],
     CHILD_CHECKS, (7, 14, 30), 50),
    ("disabled", "残疾人", [
        {"name": "disability_type", "label": "残疾类别", "type": "choice",
         "choices": ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"]},
        {"name": "disability_grade", "label": "残疾等级", "type": "choice", "choices": ["一级", "二级", "三级", "四级"]},
        {"name": "certificate", "label": "残疾证号", "type": "text"}], [], (7, 14, 30), 60),
    ("dibao", "低保", [CERTIFICATE, AMOUNT], [], (7, 14, 30), 70),
    ("tekun", "特困", [CERTIFICATE, AMOUNT,
                     {"name": "support", "label": "供养方式", "type": "choice", "choices": ["集中供养", "分散供养"]}],
     [], (7, 14, 30), 80),
    ("low_income", "低收入", [CERTIFICATE], [], (7, 14, 30), 90),
    ("hard_to_employ", "就业困难人员", [{"name": "recognised_on", "label": "认定日期", "type": "date"},
                                      {"name": "skills", "label": "技能或意向", "type": "text"}],
     [{"name": "job_search", "label": "求职进展"}], (7, 14, 30), 100),
]

RULES = [
    # category code (None: anyone), subject, field, operator, value, level, why
    ("solitary_elderly", "age", "", "gte", "80", "high", "80岁以上独居老人"),
    ("solitary_elderly", "age", "", "gte", "0", "medium", "独居老人至少中风险"),
    ("empty_nest_elderly", "age", "", "gte", "80", "medium", "80岁以上空巢老人"),
    ("disabled_elderly", "field", "adl", "eq", "失能", "high", "失能老人"),
    ("disabled_elderly", "field", "adl", "eq", "半失能", "medium", "半失能老人"),
    ("children_in_hardship", "field", "hardship", "in", "重病重残,监护缺失", "high", "重病重残或监护缺失的困境儿童"),
    ("children_in_hardship", "age", "", "gte", "0", "medium", "困境儿童至少中风险"),
    ("disabled", "field", "disability_grade", "in", "一级,二级", "high", "一级、二级残疾"),
    ("tekun", "field", "support", "eq", "分散供养", "medium", "分散供养特困人员"),
    (None, "days_since_visit", "", "gte", "60", "medium", "60天未走访"),
    (None, "days_since_visit", "", "gte", "90", "high", "90天未走访"),
]


def seed(apps, schema_editor):
    CareCategory = apps.get_model("care", "CareCategory")
    RiskRule = apps.get_model("care", "RiskRule")
    added = {}
    for code, name, fields, checklist, (high, medium, low), order in CATEGORIES:
        if CareCategory.objects.filter(code=code).exists():
            continue
        added[code] = CareCategory.objects.create(
            code=code, name=name, fields=fields, checklist=checklist, visit_days_high=high,
            visit_days_medium=medium, visit_days_low=low, order=order)
    if not RiskRule.objects.exists():
        for code, subject, field, operator, value, level, note in RULES:
            category = CareCategory.objects.filter(code=code).first() if code else None
            if code and category is None:
                continue
            RiskRule.objects.create(category=category, subject=subject, field_name=field, operator=operator,
                                    value=value, level=level, note=note)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_registry")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
