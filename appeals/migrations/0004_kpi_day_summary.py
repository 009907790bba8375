"""The 三率 daily summary (appeals.kpi_rollup) and two indexes on appeals it reads through.

The indexes are plain SQL (both PostgreSQL and SQLite take it) and kept out of Appeal.Meta so this
migration only appends to appeals/models.py:

- appeal_updated_idx: the appeals changed since the last rollup (whose days the page counts live
  and the next rollup recomputes);
- appeal_kpi_waiting_idx: appeals still waiting for acceptance (签收), which the page always counts
  live because whether their acceptance is decided depends on when one looks.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0003_kpi_indexes'),
        ('orgs', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='KpiRollupState',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('covered_until', models.DateField(blank=True, null=True, verbose_name='summarised up to')),
                ('watermark', models.DateTimeField(blank=True, null=True, verbose_name='appeals as of')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='last run')),
            ],
            options={
                'verbose_name': 'KPI rollup state',
                'verbose_name_plural': 'KPI rollup state',
            },
        ),
        migrations.CreateModel(
            name='KpiDaySummary',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(verbose_name='day')),
                ('accepted', models.PositiveIntegerField(default=0, verbose_name='accepted (on time or late)')),
                ('accepted_on_time', models.PositiveIntegerField(default=0, verbose_name='accepted on time')),
                ('closed', models.PositiveIntegerField(default=0, verbose_name='closed')),
                ('closed_on_time', models.PositiveIntegerField(default=0, verbose_name='closed on time')),
                ('rated', models.PositiveIntegerField(default=0, verbose_name='rated')),
                ('resolved', models.PositiveIntegerField(default=0, verbose_name='resolved')),
                ('satisfied', models.PositiveIntegerField(default=0, verbose_name='satisfied')),
                ('basic', models.PositiveIntegerField(default=0, verbose_name='basically satisfied')),
                ('department', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.department')),
                ('unit', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.unit')),
            ],
            options={
                'verbose_name': 'KPI day summary',
                'verbose_name_plural': 'KPI day summaries',
                'indexes': [models.Index(fields=['day', 'department', 'unit'], name='appeal_kpi_day_idx')],
            },
        ),
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(fields=['updated_at'], name='appeal_updated_idx'),
        ),
        migrations.AddIndex(
            model_name='appeal',
            index=models.Index(fields=['dispatched_at', 'assigned_department', 'assigned_unit', 'accept_due_at'],
                               name='appeal_kpi_waiting_idx',
                               condition=models.Q(('accepted_on_time__isnull', True), ('state', 'to_accept'))),
        ),
    ]
