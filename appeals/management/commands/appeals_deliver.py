"""Deliver due notifications from the appeal outbox: once (cron), or as a small long-running
process with --loop, so a resident's tracking-code SMS does not wait for the next sweep. Any number
of these may run at once: rows are claimed with a conditional UPDATE."""

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from appeals import notifications


class Command(BaseCommand):
    help = "Deliver due appeal notifications (SMS, in-site messages, log) from the event outbox."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Keep running, checking every --interval seconds.")
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between checks with --loop.")
        parser.add_argument("--limit", type=int, default=notifications.BATCH, help="Events claimed per batch.")

    def handle(self, *args, loop=False, interval=5.0, limit=notifications.BATCH, **options):
        while True:
            report = notifications.deliver_all(limit=limit)
            if report.handled or not loop:
                self.stdout.write(_("Notifications sent: %(sent)s, to retry: %(retrying)s, given up: %(failed)s.")
                                  % {"sent": report.sent, "retrying": report.retrying, "failed": report.failed})
            if not loop:
                return
            time.sleep(interval)
