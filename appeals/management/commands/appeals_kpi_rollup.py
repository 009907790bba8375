"""Cron entry point for the 三率 daily summary (appeals.kpi_rollup), e.g. every ten minutes:

    */10 * * * *  cd /srv/minsheng && .venv/bin/python manage.py appeals_kpi_rollup

It recomputes the days touched by appeals changed since its last run and adds the days up to
yesterday. The KPI page shows the same figures whether or not it has run (it counts live what the
summary does not hold); running it often keeps the page fast. The first run (or ``--full``, which
rebuilds every day) reads every appeal: about 12 s for a million on PostgreSQL; later runs take a
second or two. Two runs at once do no harm. ``--enqueue`` queues the task for the task worker."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from appeals import kpi_rollup, tasks


class Command(BaseCommand):
    help = "Bring the KPI daily summary up to yesterday (once; run it from cron)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every day, not only the changed ones.")
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the task for the task worker (db_worker, or rqworker with RQ) instead.")

    def handle(self, *args, full=False, enqueue=False, **options):
        if enqueue:
            result = tasks.kpi_rollup.enqueue(full=full)
            self.stdout.write(_("Queued %(task)s (%(id)s).") % {"task": tasks.kpi_rollup.name, "id": result.id})
            return
        result = kpi_rollup.rollup(full=full)
        self.stdout.write(_("KPI summary: %(days)s days recomputed (%(rows)s rows)%(full)s; summarised up to "
                            "%(until)s.") % {"days": result.days, "rows": result.rows, "until": result.covered_until,
                                             "full": _(", all of them") if result.full else ""})
