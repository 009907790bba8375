"""The nightly work of employment (settings.SCHEDULE): every hard-to-employ seeker's next follow-up date, and
every looking seeker's recommended postings ranked again and stored. Both idempotent: a run repeated, or one
that died half-way and is run again, leaves the same rows."""

from django.core.management.base import BaseCommand

from employment import services


class Command(BaseCommand):
    help = "Schedule the hard-to-employ's follow-ups and rank every looking seeker's postings again."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (the scheduler's runs).")
        parser.add_argument("--skip-recommendations", action="store_true")

    def handle(self, *args, **options):
        follow = services.follow_ups_refresh()
        self.stdout.write(f"follow-ups scheduled: {follow['scheduled']}")
        if options["skip_recommendations"]:
            return
        done = 0

        def progress(n):
            nonlocal done
            done += n
            if not options["no_progress"]:
                self.stdout.write(f"\rrecommendations: {done}", ending="")

        result = services.suggestions_refresh(progress=progress)
        if not options["no_progress"]:
            self.stdout.write("")
        self.stdout.write(f"recommendations ranked: {result['seekers']} seekers, stale removed: {result['removed']}")
