"""The nightly work of targets (settings.SCHEDULE): each target's progress (incremental: new months,
the month running, months whose inputs changed), the indicators' monthly snapshots the dashboard's
trend reads, and with ``--monthly-report`` the city's and counties' reports of last month, once each."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.kpis import month_period
from orgs.models import Level, Unit
from targets import monthly, progress, selectors
from targets.models import MonthlyReport


class Command(BaseCommand):
    help = "Recompute the 民生实事 targets' progress and the indicators' monthly snapshots (nightly)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="Recompute every month, not only what changed.")
        parser.add_argument("--no-progress", action="store_true", help="Print no progress bar.")
        parser.add_argument(
            "--monthly-report",
            action="store_true",
            help="Also build last month's report of the city and each county, if not built yet.",
        )

    def handle(self, *args, **options):
        quiet = options["no_progress"]

        def bar(done, total):
            if not quiet:
                filled = int(30 * done / total) if total else 30
                self.stdout.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", ending="")

        snapshots = selectors.snapshots_refresh(full=options["full"])
        points = progress.progress_refresh(full=options["full"], progress=bar)
        if not quiet:
            self.stdout.write("")
        self.stdout.write(
            _("Progress: %(points)s points written; snapshots: %(rows)s rows.") % {"points": points, "rows": snapshots}
        )
        if options["monthly_report"]:
            last = timezone.localdate().replace(day=1) - timedelta(days=1)
            period = month_period(last.year, last.month)
            built = 0
            for unit in Unit.objects.filter(is_active=True, level__in=[Level.CITY, Level.COUNTY]):
                if MonthlyReport.objects.filter(unit=unit, month=period.start).exists():
                    continue
                monthly.report_build(monthly.report_request(actor=None, unit=unit, period=period))
                built += 1
            self.stdout.write(_("Monthly reports built: %(n)s.") % {"n": built})
