"""The two seasonal checks every northern city makes for its elderly, and the default escalation of
overdue visits (7 days overdue → the village; 14 more → the township). Editable in the admin."""

from django.db import migrations

ELDERLY = ["solitary_elderly", "empty_nest_elderly", "disabled_elderly"]
CHECKS = [
    # name, (from month, day), (until month, day), categories, items
    ("冬季取暖检查", (11, 15), (3, 15), ELDERLY + ["tekun", "dibao"], [
        {"name": "heating_ok", "label": "取暖设施正常、室温适宜"},
        {"name": "coal_gas", "label": "煤炉烟道通畅、安装一氧化碳报警器"},
        {"name": "winter_supplies", "label": "过冬衣被、燃料充足"},
    ]),
    ("夏季防暑检查", (6, 15), (8, 31), ELDERLY, [
        {"name": "cooling", "label": "降温设施（风扇、空调）可用"},
        {"name": "heat_health", "label": "无中暑症状、饮水充足"},
    ]),
]


def seed(apps, schema_editor):
    SeasonalCheck = apps.get_model("care", "SeasonalCheck")
    CareCategory = apps.get_model("care", "CareCategory")
    EscalationSettings = apps.get_model("care", "EscalationSettings")
    if not SeasonalCheck.objects.exists():
        for name, (sm, sd), (em, ed), codes, items in CHECKS:
            check = SeasonalCheck.objects.create(name=name, start_month=sm, start_day=sd, end_month=em, end_day=ed,
                                                 checklist=items)
            check.categories.set(CareCategory.objects.filter(code__in=codes))
    if not EscalationSettings.objects.exists():
        EscalationSettings.objects.create(village_after_days=7, township_after_days=14)


class Migration(migrations.Migration):
    dependencies = [("care", "0005_visit_plans_escalation_photos")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
