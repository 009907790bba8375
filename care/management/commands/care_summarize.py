"""Count the unit pages' figures again now (care.summary), as care_refresh does nightly: after a large
import, say, so that the pages need not wait for the night. Idempotent."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from care import summary


class Command(BaseCommand):
    help = "Recount the care unit pages' summary of every place and category (also run by care_refresh)."

    def handle(self, *args, **options):
        rows = summary.recompute()
        self.stdout.write(_("Unit figures summarised: %(n)s rows.") % {"n": rows})
