"""Make the slots of every weekly pattern up to its horizon (the scheduler runs it daily, so the horizon
moves a day at a time; each run is idempotent: a slot made before is not made again)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from facilities.services import patterns_extend


class Command(BaseCommand):
    help = "Make the slots of the weekly patterns for the weeks ahead (idempotent)."

    def handle(self, *args, **options):
        run = patterns_extend()
        self.stdout.write(_("%(created)s slot(s) made; %(holidays)s skipped for public holidays, %(taken)s for "
                            "times already taken.") % {"created": run.created, "holidays": run.holidays,
                                                      "taken": run.taken})
