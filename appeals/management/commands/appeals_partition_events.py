"""Appeals' events partitioned by month on PostgreSQL (appeals.partitioning says what is kept):

    manage.py appeals_partition_events --convert      # once, when deploy/README.md says it is time
    manage.py appeals_partition_events --ahead 3      # nightly (settings.SCHEDULE): next months' partitions

``--convert`` moves every row and holds the table locked meanwhile (no event can be written, so no demand
filed) for as long as bench/appeals_events_scale.py measured: run it in a maintenance window. Running it
again does nothing. ``--ahead`` does nothing until the table is partitioned, and nothing on SQLite, so the
scheduler can run it everywhere."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from appeals import partitioning

AHEAD = 3


class Command(BaseCommand):
    help = "Partition appeals' events by month (PostgreSQL): convert the table once, then make months ahead."

    def add_arguments(self, parser):
        parser.add_argument("--convert", action="store_true",
                            help="Convert the plain table (locks it while its rows are moved; idempotent).")
        parser.add_argument("--ahead", type=int, default=AHEAD,
                            help=f"Make the partitions of this month and so many after it (default {AHEAD}).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, convert=False, ahead=AHEAD, database=DEFAULT_DB_ALIAS, **options):
        if ahead < 0:
            raise CommandError("--ahead must be 0 or more")
        connection = connections[database]
        if connection.vendor != "postgresql":
            message = (f"Partitioning appeals' events is for PostgreSQL only; this database is "
                       f"{connection.vendor}, whose events table stays as it is.")
            if convert:
                raise CommandError(message)
            self.stdout.write(message)
            return
        tz = timezone.get_default_timezone()
        today = timezone.localdate()
        with transaction.atomic(using=database), connection.cursor() as cursor:
            if convert:
                done = partitioning.convert(cursor, today=today, ahead=ahead, tz=tz)
                if done is not None:
                    self.stdout.write(f"Converted {partitioning.TABLE}: {done.rows} rows moved into "
                                      f"{len(done.partitions)} monthly partitions ({done.partitions[0]} to "
                                      f"{done.partitions[-1]}) and a default one; next id {done.next_id}.")
                    return
                self.stdout.write(f"{partitioning.TABLE} is partitioned already.")
            elif not partitioning.is_partitioned(cursor):
                self.stdout.write(f"{partitioning.TABLE} is not partitioned: nothing to do "
                                  f"(see deploy/README.md for when to run --convert).")
                return
            made = partitioning.ensure_months_ahead(cursor, today=today, ahead=ahead, tz=tz)
        self.stdout.write(f"Partitions made: {', '.join(made)}." if made
                          else f"The partitions up to {ahead} months ahead exist already.")
