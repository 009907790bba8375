"""The nightly work of targets (settings.SCHEDULE): each target's progress (incremental: new months,
the month running, months whose inputs changed), the indicators' monthly snapshots the dashboard's
trend and the progress read, the month running's figures the dashboard shows, and with
``--monthly-report`` the city's and counties' reports of last month, once each. ``--running`` only
recomputes the month running's figures (every few minutes, so that the dashboard reads rows)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.kpis import month_period
from orgs.models import Level, Unit
from targets import monthly, progress, selectors, snapshots
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
        parser.add_argument(
            "--running",
            action="store_true",
            help="Only recompute the month running's figures the dashboard reads (every few minutes).",
        )

    def handle(self, *args, **options):
        quiet = options["no_progress"]

        def bar(done, total):
            if not quiet:
                filled = int(30 * done / total) if total else 30
                self.stdout.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", ending="")

        if options["running"]:
            rows = snapshots.running_refresh()
            self.stdout.write(_("Figures of the month running: %(rows)s rows.") % {"rows": rows})
            return
        kept = selectors.snapshots_refresh(full=options["full"])
        snapshots.running_refresh()
        # The snapshots were just refreshed (all of them with --full): the progress reads them as they are.
        points = progress.progress_refresh(full=options["full"], progress=bar, recompute_months=False)
        if not quiet:
            self.stdout.write("")
        self.stdout.write(
            _("Progress: %(points)s points written; snapshots: %(rows)s rows.") % {"points": points, "rows": kept}
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
