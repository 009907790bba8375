"""The facility types the seeds name, with their own fields and the department type that keeps them,
and the usual meal price rules (80+, 低保, 特困 pay less). A city edits both in the admin; this migration
only adds what is missing (by code or name), so an edited type is never overwritten."""

from decimal import Decimal

from django.db import migrations

YES_NO = ["是", "否"]
TYPES = [
    # code, name, department kind, serves meals, fields, order
    ("elderly_center", "社区养老服务中心", "civil_affairs", False, [
        {"name": "beds", "label": "床位数", "type": "number"},
        {"name": "rating", "label": "星级", "type": "choice", "choices": ["一星", "二星", "三星", "四星", "五星"]},
    ], 10),
    ("canteen", "社区食堂/助餐点", "civil_affairs", True, [
        {"name": "seats", "label": "餐位数", "type": "number"},
        {"name": "standard", "label": "类型", "type": "choice", "choices": ["标准化社区食堂", "助餐点"]},
        {"name": "delivers", "label": "提供送餐", "type": "choice", "choices": YES_NO},
    ], 20),
    ("rural_daycare", "农村老年人日间照料中心", "civil_affairs", False, [
        {"name": "day_places", "label": "日间照料床位", "type": "number"},
        {"name": "meals", "label": "提供助餐", "type": "choice", "choices": YES_NO},
    ], 30),
    ("clinic", "卫生室/社区卫生服务站", "health", False, [
        {"name": "doctors", "label": "医生人数", "type": "number"},
        {"name": "licence", "label": "执业许可证号", "type": "text"},
    ], 40),
    ("sports", "体育场馆", "sports", False, [
        {"name": "area", "label": "面积（平方米）", "type": "number"},
        {"name": "venues", "label": "场地类型", "type": "text"},
    ], 50),
    ("culture", "文化馆/分馆/农家书屋", "culture_tourism", False, [
        {"name": "tier", "label": "层级", "type": "choice", "choices": ["总馆", "分馆", "农家书屋"]},
        {"name": "books", "label": "藏书（册）", "type": "number"},
    ], 60),
    ("childcare", "托育机构", "health", False, [
        {"name": "places", "label": "托位数", "type": "number"},
        {"name": "ages", "label": "收托月龄", "type": "text"},
    ], 70),
]
PRICE_RULES = [
    # name, care category, minimum age, price paid
    ("60周岁以上老人", "", 60, "12.00"),
    ("80周岁以上老人", "", 80, "8.00"),
    ("低保老人", "dibao", 60, "5.00"),
    ("特困老人", "tekun", None, "0.00"),
]


def seed(apps, schema_editor):
    FacilityType = apps.get_model("facilities", "FacilityType")
    PriceRule = apps.get_model("facilities", "PriceRule")
    for code, name, kind, meals, fields, order in TYPES:
        if not FacilityType.objects.filter(code=code).exists():
            FacilityType.objects.create(code=code, name=name, department_kind=kind, serves_meals=meals,
                                        fields=fields, order=order)
    for name, category, min_age, price in PRICE_RULES:
        if not PriceRule.objects.filter(name=name).exists():
            PriceRule.objects.create(name=name, care_category=category, min_age=min_age, price=Decimal(price))


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_registry")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
