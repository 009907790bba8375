"""Cron entry point for the periodic work on appeals, e.g. every five minutes:

    */5 * * * *  cd /srv/minsheng && .venv/bin/python manage.py appeals_sweep

It flags overdue appeals, closes those left unrated past the rating period, delivers due
notifications, brings the 三率 daily summary (appeals.kpi_rollup) up to date and forgets API
Idempotency-Keys past their retention — here and now, or, with --enqueue, as tasks for
the task worker (``db_worker``, or ``rqworker`` with TASK_BACKEND=rq). Two runs at once do no harm."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from appeals import tasks


class Command(BaseCommand):
    help = ("Flag overdue appeals, close unrated ones, deliver notifications and update the KPI summary "
            "(once; run it from cron).")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the five tasks for the task worker (db_worker, or rqworker with RQ) instead.")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            for job in (tasks.sweep_overdue, tasks.close_unrated, tasks.deliver_notifications, tasks.kpi_rollup,
                        tasks.forget_idempotency_keys):
                result = job.enqueue()
                self.stdout.write(_("Queued %(task)s (%(id)s).") % {"task": job.name, "id": result.id})
            return
        overdue = tasks.sweep_overdue.call()
        closed = tasks.close_unrated.call()
        sent = tasks.deliver_notifications.call()
        tasks.kpi_rollup.call()
        tasks.forget_idempotency_keys.call()
        self.stdout.write(_("Overdue flagged: %(overdue)s; closed unrated: %(closed)s; notifications sent: "
                            "%(sent)s, to retry: %(retrying)s, given up: %(failed)s.")
                          % {"overdue": overdue, "closed": closed, **sent})
