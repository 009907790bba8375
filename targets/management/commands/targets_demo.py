"""Build the demo city's 民生实事 list (targets.demo) through the services: the reported indicators, the
city's targets and one of 榆次区's, a year of monthly figures reported by the county health bureaus and
the city's civil-affairs and health departments and reviewed by the unit above (the last month partly
still waiting, one returned), then the progress and the dashboard's monthly snapshots. Run after
seed_demo, appeals_generate and care_demo; ``--if-empty`` skips when there are targets."""

import random
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from orgs import demo as orgs_demo
from orgs.models import Department, Level, Unit
from targets import demo, progress, selectors, services
from targets.models import ReportedIndicator, Target
from targets.registry import Direction


class Command(BaseCommand):
    help = "Build the demo 民生实事 targets with a year of reported figures. Run after seed_demo and care_demo."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Skip when there are targets already.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "Refusing to build demo data with DEBUG off: it creates accounts with a published "
                    "password. Run it on a development machine (DEBUG=1), or pass --force."
                )
            )
        if options["if_empty"] and Target.objects.exists():
            self.stdout.write("Skipped the demo targets: there are targets already.")
            return
        city = Unit.objects.filter(code=orgs_demo.CITY["code"]).first()
        if city is None:
            raise CommandError(_("The demo city is missing: run “manage.py seed_demo” first."))
        users = {
            u.username: u
            for u in User.objects.filter(
                username__in=["jz_admin", "yuci_admin", "jz_health_handler", "jz_civil_handler", "yuci_civil_handler"]
            )
        }
        rng = random.Random(options["seed"])
        today = timezone.localdate()
        with transaction.atomic():
            indicators = self.indicators(users["jz_admin"])
            made = self.targets(city, users, today.year)
            reports = self.figures(city, users, indicators, rng, today)
        points = progress.progress_refresh(full=True)
        snapshots = selectors.snapshots_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo targets ready: {made} targets, {reports} reported figures, {points} progress points, "
                f"{snapshots} monthly snapshots."
            )
        )
        self.stdout.write(
            f"Leader: jz_leader / {orgs_demo.DEMO_PASSWORD} (the home page opens the dashboard); "
            f"reviewer: jz_health_handler; reporter: yuci_health_handler."
        )

    @staticmethod
    def indicators(admin):
        out = {}
        for code, name, unit, is_rate, numerator, denominator, kind, cumulative in demo.REPORTED:
            row = ReportedIndicator.objects.filter(code=code).first() or ReportedIndicator(
                code=code,
                name=name,
                unit_of_measure=unit,
                is_rate=is_rate,
                numerator_label=numerator,
                denominator_label=denominator,
                department_kind=kind,
                cumulative=cumulative,
            )
            out[code] = services.reported_indicator_save(actor=admin, indicator=row) if row.pk is None else row
        return out

    @staticmethod
    def _milestones(year, baseline, goal):
        ends = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30)]
        return [
            (day, Decimal(baseline) + (Decimal(goal) - Decimal(baseline)) * (i + 1) / 4) for i, day in enumerate(ends)
        ]

    def targets(self, city, users, year) -> int:
        made = 0
        for title, wording, code, baseline, goal, department, order in demo.CITY_TARGETS:
            owner_department = Department.objects.filter(code=f"1407-{department}").first() if department else None
            services.target_save(
                actor=users["jz_admin"],
                data=services.TargetInput(
                    title=title,
                    public_wording=wording,
                    owner_unit=city,
                    owner_department=owner_department,
                    year=year,
                    indicator_code=code,
                    baseline=baseline,
                    target_value=goal,
                    direction=Direction.RISE,
                    order=order,
                    milestones=self._milestones(year, baseline, goal),
                ),
            )
            made += 1
        county_code, title, code, baseline, goal, department = demo.COUNTY_TARGET
        county = Unit.objects.get(code=f"{county_code}000000")
        services.target_save(
            actor=users["yuci_admin"],
            data=services.TargetInput(
                title=title,
                public_wording=title,
                owner_unit=county,
                owner_department=Department.objects.filter(code=f"{county_code}-{department}").first(),
                year=year,
                indicator_code=code,
                baseline=baseline,
                target_value=goal,
                order=10,
                milestones=self._milestones(year, baseline, goal),
            ),
        )
        return made + 1

    def figures(self, city, users, indicators, rng, today) -> int:
        """Monthly figures from January to last month: each county's rates by its health bureau, the city's
        counts by its departments; reviewed by the unit above. Of last month, three counties' rates wait for
        review and 榆次区's family-doctor figure came back for correction."""
        months = [date(today.year, m, 1) for m in range(1, today.month)]
        if not months:  # January: last December's figures stand in
            months = [date(today.year - 1, 12, 1)]
        counties = list(Unit.objects.filter(parent=city, level=Level.COUNTY, is_active=True).order_by("code"))
        reporters = {m.department.unit_id: m.user for m in _health_handlers(counties)}
        reviewer = users["jz_health_handler"]
        written = 0
        for code, (baseline, goal, pace, size) in demo.RATES.items():
            indicator = indicators[code]
            for county in counties:
                reporter = reporters.get(county.pk)
                if reporter is None:
                    continue
                start = baseline + rng.uniform(-3, 3)
                denominator = int(size * rng.uniform(0.6, 1.6))
                for index, month in enumerate(months):
                    share = min(1.0, pace * (index + 1) / 12)
                    rate = start + (goal - baseline) * share + rng.uniform(-0.3, 0.3)
                    numerator = int(denominator * rate / 100)
                    report = services.report_submit(
                        actor=reporter,
                        indicator=indicator,
                        unit=county,
                        month=month,
                        numerator=numerator,
                        denominator=denominator,
                        note=f"{month:%Y年%m月}统计",
                    )
                    written += 1
                    last = month == months[-1]
                    if last and county.code[:6] in ("140702",) and code == "family-doctor":
                        services.report_return(actor=reviewer, report=report, note="常住人口请按第七次人口普查口径核对")
                    elif last and county.code[:6] in ("140703", "140721", "140722"):
                        continue  # waiting for the city's review
                    else:
                        services.report_approve(actor=reviewer, report=report)
        for code, (baseline, goal, pace) in demo.COUNTS.items():
            indicator = indicators[code]
            reporter = (
                users["jz_health_handler"] if indicator.department_kind == "health" else users["jz_civil_handler"]
            )
            for index, month in enumerate(months):
                value = baseline + int((goal - baseline) * min(1.0, pace * (index + 1) / 12))
                report = services.report_submit(
                    actor=reporter,
                    indicator=indicator,
                    unit=city,
                    month=month,
                    numerator=value,
                    note=f"截至{month:%Y年%m月}底",
                )
                services.report_approve(actor=users["jz_admin"], report=report)
                written += 1
        # 榆次区's own canteens, by its civil-affairs bureau, reviewed by the city's.
        yuci = Unit.objects.get(code="140702000000")
        for index, month in enumerate(months):
            report = services.report_submit(
                actor=users["yuci_civil_handler"],
                indicator=indicators["canteens"],
                unit=yuci,
                month=month,
                numerator=min(5, (index + 2) // 2),
            )
            services.report_approve(actor=users["jz_civil_handler"], report=report)
            written += 1
        return written


def _health_handlers(counties):
    from orgs.models import Membership, Role

    return (
        Membership.objects.filter(role=Role.HANDLER, department__kind="health", department__unit__in=counties)
        .select_related("department", "user")
        .order_by("department__unit__code", "user__username")
    )
