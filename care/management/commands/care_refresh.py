"""The nightly refresh of the registry: every person's risk by the rules and their next visit due, in
chunks (care.services.people_refresh). "Days since the last visit" grows by itself, so a rule on it
takes effect only through this (or the person's next change). Then the overdue visits escalate to the
village's and the township's queues (care.services.escalation_sweep) and their staff are told; last,
the unit pages' summary is counted again (care.summary). Every
step is idempotent: run twice, the second run changes nothing and tells no one again."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from care import summary
from care.models import Person
from care.services import escalation_sweep, escalations_deliver, people_refresh


class Command(BaseCommand):
    help = "Re-evaluate every person's risk level and next visit due (run nightly by the scheduler)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="Print no progress line.")

    def handle(self, *args, **options):
        total = Person.objects.count()
        done = 0

        def progress(n):
            nonlocal done
            done += n
            if not options["no_progress"]:
                self.stdout.write(f"\r{done}/{total}", ending="")

        seen = people_refresh(progress=progress)
        if not options["no_progress"]:
            self.stdout.write("")
        self.stdout.write(_("Refreshed %(n)s people.") % {"n": seen})
        moved = escalation_sweep()
        told = escalations_deliver()
        self.stdout.write(_("Overdue visits escalated: %(village)s to villages, %(township)s to townships; "
                            "%(cleared)s cleared; %(told)s escalations told.") % {**moved, "told": told})
        rows = summary.recompute()
        self.stdout.write(_("Unit figures summarised: %(n)s rows.") % {"n": rows})
