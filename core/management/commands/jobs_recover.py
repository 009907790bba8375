"""manage.py jobs_recover: queue again the background jobs whose worker died mid-job (running with no
progress for JOB_STALE_MINUTES) or whose task was lost (queued that long), up to JOB_MAX_ATTEMPTS times
(core.jobs.jobs_recover). The scheduler runs it every two minutes; running it twice at once is safe."""

from django.core.management.base import BaseCommand

from core.jobs import jobs_recover


class Command(BaseCommand):
    help = "Queue again the background jobs whose worker died or whose task was lost."

    def handle(self, *args, **options):
        report = jobs_recover()
        self.stdout.write(", ".join(f"{key}: {count}" for key, count in report.items()))
