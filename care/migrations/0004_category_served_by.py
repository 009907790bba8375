"""Which department types serve the seeded categories: 民政 the elderly, children and assistance lists,
残联 the disabled, 人社 the hard-to-employ. Only a category nobody has configured yet (served_by empty)
is filled in, so a city's own choice is never overwritten."""

from django.db import migrations

SERVED_BY = {
    "solitary_elderly": ["civil_affairs"],
    "empty_nest_elderly": ["civil_affairs"],
    "disabled_elderly": ["civil_affairs"],
    "left_behind_children": ["civil_affairs"],
    "children_in_hardship": ["civil_affairs"],
    "disabled": ["disabled_federation"],
    "dibao": ["civil_affairs"],
    "tekun": ["civil_affairs"],
    "low_income": ["civil_affairs"],
    "hard_to_employ": ["hrss"],
}


def seed(apps, schema_editor):
    CareCategory = apps.get_model("care", "CareCategory")
    for category in CareCategory.objects.filter(code__in=SERVED_BY):
        if not category.served_by:
            category.served_by = SERVED_BY[category.code]
            category.save(update_fields=["served_by"])


class Migration(migrations.Migration):
    dependencies = [("care", "0003_registry_pages")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
