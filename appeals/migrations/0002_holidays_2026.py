"""China's official 2026 public holidays and make-up working days (国务院办公厅 2026年部分节假日安排)."""

import datetime

from django.db import migrations

HOLIDAYS = {
    "元旦": ("2026-01-01", "2026-01-03"),
    "春节": ("2026-02-15", "2026-02-23"),
    "清明节": ("2026-04-04", "2026-04-06"),
    "劳动节": ("2026-05-01", "2026-05-05"),
    "端午节": ("2026-06-19", "2026-06-21"),
    "中秋节": ("2026-09-25", "2026-09-27"),
    "国庆节": ("2026-10-01", "2026-10-07"),
}
WORKDAYS = {
    "2026-01-04": "元旦调休",
    "2026-02-14": "春节调休",
    "2026-02-28": "春节调休",
    "2026-05-09": "劳动节调休",
    "2026-09-20": "国庆节调休",
    "2026-10-10": "国庆节调休",
}


def days(first, last):
    day = datetime.date.fromisoformat(first)
    end = datetime.date.fromisoformat(last)
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("appeals", "CalendarDay")
    for name, (first, last) in HOLIDAYS.items():
        for day in days(first, last):
            CalendarDay.objects.update_or_create(date=day, defaults={"kind": "holiday", "name": name})
    for date, name in WORKDAYS.items():
        CalendarDay.objects.update_or_create(date=datetime.date.fromisoformat(date),
                                             defaults={"kind": "workday", "name": name})


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("appeals", "CalendarDay")
    dates = [d for first, last in HOLIDAYS.values() for d in days(first, last)]
    dates += [datetime.date.fromisoformat(d) for d in WORKDAYS]
    CalendarDay.objects.filter(date__in=dates).delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_appeals")]
    operations = [migrations.RunPython(seed, unseed)]
