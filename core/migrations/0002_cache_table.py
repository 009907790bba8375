"""The database cache's table (settings.CACHES, when REDIS_URL is not set), made by migrate itself.

Rate limits and the access version (orgs.scope_cache) read and write the cache on every request,
some of them inside a transaction; on PostgreSQL a missing table would abort that transaction, so
the table must not depend on somebody remembering ``manage.py createcachetable``. Idempotent, like
that command; with another cache backend it does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
