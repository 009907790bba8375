"""Residencies a grid worker recorded were checked by the community's own staff: they count as
confirmed. Those residents declared themselves stay waiting for the community to confirm them."""

from django.db import migrations
from django.db.models import F


def confirm_recorded(apps, schema_editor):
    Residency = apps.get_model("deliberation", "Residency")
    Residency.objects.filter(recorded_by__isnull=False, status="pending").update(
        status="confirmed", reviewed_by=F("recorded_by"), reviewed_at=F("since")
    )


class Migration(migrations.Migration):
    dependencies = [("deliberation", "0002_residency_confirmed_and_target_tasks")]

    operations = [migrations.RunPython(confirm_recorded, migrations.RunPython.noop)]
