"""The usual skills of community volunteering; a city edits the list in the admin."""

from django.db import migrations

SKILLS = [
    ("companionship", "陪伴聊天"), ("home_visit", "入户探访"), ("tutoring", "课业辅导"), ("haircut", "义务理发"),
    ("health_check", "健康义诊"), ("cleaning", "家政清洁"), ("repair", "家电维修"), ("legal_aid", "法律咨询"),
    ("psychological", "心理疏导"), ("digital_help", "智能手机教学"), ("culture", "文艺演出"), ("driving", "驾车接送"),
]


def seed(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for order, (code, name) in enumerate(SKILLS, start=1):
        Skill.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_volunteers")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
