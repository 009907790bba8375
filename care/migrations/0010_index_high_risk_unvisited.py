"""The unit page's "high risk, not seen longest" (care.selectors.unit_figures) in the order it lists them
(never visited first, then the longest ago): on a million people the city's ten are the index's first ten,
where they were otherwise a sort of every high-risk person (1.3 s). Partial (high risk, current records).
PostgreSQL only: SQLite cannot index NULLS FIRST, and its registries are small."""

from django.db import migrations

INDEX = "care_person_high_unvisited"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON care_person (last_visit_at ASC NULLS FIRST, created_at, id) "
            "WHERE risk_level = 'high' AND ended_on IS NULL")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("care", "0009_place_summary"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
