"""Record as no-shows the confirmed bookings of slots that ended in the last days without a check-in
(the scheduler runs it nightly; each run is idempotent: a booking already recorded is not touched)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from facilities.services import no_shows_sweep


class Command(BaseCommand):
    help = "Record confirmed bookings of ended slots that were never checked in as no-shows."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=2, help="Look at slots that ended this many days back.")

    def handle(self, *args, **options):
        count = no_shows_sweep(days=options["days"])
        self.stdout.write(_("%(n)s booking(s) recorded as not come.") % {"n": count})
