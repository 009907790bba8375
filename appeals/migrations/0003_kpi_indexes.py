"""Indexes for the 三率 KPI page (appeals.kpis): the dispatch side and the closure side of the figures
are each a range scan over one index holding every column the query reads (an index-only scan),
so a year of a million appeals is counted without touching the table."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0002_holidays_2026"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(condition=models.Q(("dispatched_at__isnull", False)),
                               fields=["dispatched_at", "assigned_department", "assigned_unit", "accepted_on_time",
                                       "state", "accept_due_at"], name="appeal_kpi_dispatch_idx"),
        ),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(condition=models.Q(("state", "closed")),
                               fields=["closed_at", "assigned_department", "assigned_unit", "satisfaction",
                                       "resolved", "closed_on_time"], name="appeal_kpi_closed_idx"),
        ),
    ]
