"""Benchmark: 民生实事 targets on the other apps' bench volumes in PostgreSQL.

    .venv/bin/python bench/targets.py [--appeals 1000000] [--care 1000000] [--targets 200] [--db minsheng_bench_targets]

Creates the bench database when missing (never touches any other), migrates it, builds the demo city,
tops the appeals up to ``--appeals`` (``appeals_generate``) and rolls up the 三率 summary, tops care up
to ``--care`` records (people, their category memberships, assignments and visits, written in bulk:
bench data, not a demo), defines ``--targets`` targets across the city and its counties on computed and
reported indicators with a year of approved figures, then times:

- recomputing every target's progress, every month of the year, with nothing kept (the monthly
  snapshots and the month running's figures deleted first: every month counted from the raw rows;
  ``progress_refresh(full=True)``; target < 30 s), then again from the months kept;
- the nightly work: the monthly snapshots, the month running's figures (also every ten minutes), the
  incremental progress;
- the city dashboard's data for this month as the city's leader (``selectors.dashboard``: the 民生实事
  list, every section for the city and its counties, twelve months of trend; target < 500 ms), best
  and median of ``--runs``, then once counted live as before (no figures of the month running kept);
- last month's report of the city, Word and xlsx with charts (``monthly.report_build``; target < 60 s).

Each line gives wall time, this process's CPU time and the number of queries: the machine is shared.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--care", type=int, default=1_000_000, help="care records: people + memberships + visits")
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--db", default="minsheng_bench_targets")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prepare-only", action="store_true", help="Build the data, measure nothing.")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the bench only runs against a local PostgreSQL")
    ensure_database(args.host, args.db)
    os.environ["DATABASE_URL"] = f"postgres://postgres@{args.host}:5432/{args.db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    prepare_appeals(args.appeals)
    prepare_care(args.care)
    prepare_targets(args.targets)
    if not args.prepare_only:
        measure(args.runs)


def ensure_database(host: str, name: str) -> None:
    import psycopg

    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def prepare_appeals(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from appeals.kpi_rollup import rollup
    from appeals.models import Appeal
    from orgs.models import Unit

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        call_command("seed_demo", verbosity=0)
    have = Appeal.objects.count()
    if have < count:
        print(f"{have:,} appeals; generating {count - have:,} more")
        call_command("appeals_generate", count - have, seed=have)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE appeals_appeal")
    started = time.perf_counter()
    rollup(full=False)
    print(
        f"{Appeal.objects.count():,} appeals; 三率 summary brought up to date in {time.perf_counter() - started:.1f} s"
    )


def prepare_care(count: int) -> None:
    """People in the villages with one or two category memberships, an assignment for most, and visits
    over the past year, until the records (people + memberships + assignments + visits) reach ``count``."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from care.models import CareAssignment, CareCategory, CareMembership, CarerRole, Person, RiskLevel, Visit
    from core.crypto import blind_index
    from orgs.models import Level, Unit

    def records():
        return (
            Person.objects.count()
            + CareMembership.objects.count()
            + CareAssignment.objects.count()
            + Visit.objects.count()
        )

    have = records()
    if have >= count:
        print(f"{have:,} care records")
        return
    rng = random.Random(have)
    villages = list(Unit.objects.filter(level=Level.VILLAGE, is_active=True).values_list("pk", flat=True))
    categories = list(CareCategory.objects.values_list("pk", flat=True))
    carer = User.objects.filter(is_superuser=True).first() or User.objects.first()
    today = timezone.localdate()
    start = Person.objects.count()
    print(f"{have:,} care records; writing about {count - have:,} more")
    while have < count:
        batch = 2000
        people = []
        for i in range(start, start + batch):
            number = f"1407{i:014d}"
            people.append(
                Person(
                    name=f"居民{i}",
                    id_number=number,
                    id_index=blind_index(number),
                    sex="female",
                    birth_date=date(1940, 1, 1) + timedelta(days=i % 9000),
                    unit_id=rng.choice(villages),
                    risk_level=rng.choice(list(RiskLevel.values)),
                    next_visit_due=today + timedelta(days=rng.randint(-20, 30)),
                )
            )
        Person.objects.bulk_create(people, batch_size=batch)
        people = list(Person.objects.filter(name__in=[p.name for p in people]).values_list("pk", "unit_id"))
        memberships, assignments, visits = [], [], []
        for pk, _unit in people:
            since = today - timedelta(days=rng.randint(30, 900))
            for category in rng.sample(categories, rng.choice([1, 1, 2])):
                memberships.append(
                    CareMembership(person_id=pk, category_id=category, since=since, source="civil_affairs")
                )
            if rng.random() < 0.9:
                assignments.append(CareAssignment(person_id=pk, carer=carer, role=CarerRole.GRID_WORKER, since=since))
            for v in range(rng.randint(2, 5)):
                due = today - timedelta(days=30 * v + rng.randint(0, 29))
                visited = due + timedelta(days=rng.choice([-2, -1, 0, 0, 1, 3]))
                visits.append(
                    Visit(
                        person_id=pk,
                        visitor=carer,
                        due_on=due,
                        on_time=visited <= due,
                        visited_at=timezone.make_aware(datetime.combine(visited, clock(10))),
                        token=f"bench-{pk}-{v}",
                    )
                )
        CareMembership.objects.bulk_create(memberships, batch_size=5000)
        CareAssignment.objects.bulk_create(assignments, batch_size=5000)
        Visit.objects.bulk_create(visits, batch_size=5000)
        have += len(people) + len(memberships) + len(assignments) + len(visits)
        start += batch
        print(f"\r{have:,} care records", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        for table in ("care_person", "care_caremembership", "care_careassignment", "care_visit"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def prepare_targets(count: int) -> None:
    """``count`` targets spread over the city and its counties and over the computed indicators and three
    reported ones, the reported ones with a year of approved monthly figures per county."""
    from django.utils import timezone

    from accounts.models import User
    from orgs.models import Level, Unit
    from targets import registry, services
    from targets.models import IndicatorReport, ReportedIndicator, Target

    have = Target.objects.count()
    if have >= count:
        print(f"{have} targets")
        return
    root = User.objects.filter(is_superuser=True).first()
    city = Unit.objects.get(parent__isnull=True)
    counties = list(Unit.objects.filter(parent=city, level=Level.COUNTY))
    year = timezone.localdate().year
    reported = []
    for code, name in (
        ("family-doctor", "家庭医生签约率"),
        ("inpatient-share", "县域住院人次占比"),
        ("primary-share", "基层诊疗量占比"),
    ):
        row = ReportedIndicator.objects.filter(code=code).first() or services.reported_indicator_save(
            actor=root,
            indicator=ReportedIndicator(
                code=code, name=name, unit_of_measure="%", is_rate=True, department_kind="health"
            ),
        )
        reported.append(row)
    if not IndicatorReport.objects.exists():
        rng = random.Random(1)
        rows = []
        for indicator in reported:
            for county in counties:
                denominator = rng.randint(50_000, 500_000)
                for month in range(1, timezone.localdate().month):
                    rows.append(
                        IndicatorReport(
                            indicator=indicator,
                            unit=county,
                            month=date(year, month, 1),
                            numerator=int(denominator * rng.uniform(0.3, 0.8)),
                            denominator=denominator,
                            state="approved",
                            reported_by=root,
                            reviewed_by=root,
                        )
                    )
        IndicatorReport.objects.bulk_create(rows)
    codes = [i.code for i in registry.registered()] + [r.registry_code for r in reported]
    owners = [city, *counties]
    for n in range(have, count):
        code = codes[n % len(codes)]
        indicator = registry.get(code)
        rate = indicator is None or indicator.is_rate
        services.target_save(
            actor=root,
            data=services.TargetInput(
                title=f"基准目标{n:03d}",
                owner_unit=owners[n % len(owners)],
                year=year,
                indicator_code=code,
                baseline="40" if rate else "100",
                target_value="60" if rate else "5000",
                milestones=[(date(year, 6, 30), "50" if rate else "2500")],
            ),
        )
    print(f"{Target.objects.count()} targets")


class Timer:
    """Wall time, this process's CPU time (the database's own work is not in it) and the queries run."""

    def __init__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.queries = CaptureQueriesContext(connection)

    def __enter__(self):
        self.queries.__enter__()
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        self.queries.__exit__(*exc)

    def __str__(self):
        return f"{self.wall:.2f} s wall, {self.cpu:.2f} s CPU, {len(self.queries)} queries"


def measure(runs: int) -> None:
    from django.utils import timezone

    from accounts.models import User
    from appeals.kpis import month_period
    from orgs.models import Unit
    from targets import monthly, progress, selectors, snapshots
    from targets.models import IndicatorSnapshot, RunningFigure

    sys.path.insert(0, str(ROOT / "bench"))
    import machine

    print(f"load average {os.getloadavg()[0]:.1f}; {machine.line()}")
    # From nothing kept: every month of every indicator the targets read is counted from the raw rows.
    IndicatorSnapshot.objects.all().delete()
    RunningFigure.objects.all().delete()
    with Timer() as cold:
        written = progress.progress_refresh(full=True)
    print(f"recompute every target's progress, every month, nothing kept: {written:,} points, {cold} (target < 30 s)")
    with Timer() as again:
        written = progress.progress_refresh(full=True, recompute_months=False)
    print(f"recompute every target's progress, every month, from the months kept: {written:,} points, {again}")
    with Timer() as kept:
        rows = selectors.snapshots_refresh()
    print(f"the nightly monthly snapshots (missing months and last month again): {rows:,} rows, {kept}")
    with Timer() as running:
        rows = snapshots.running_refresh()
    print(f"the month running's figures (every ten minutes): {rows:,} rows, {running}")
    with Timer() as nightly:
        written = progress.progress_refresh()
    print(f"the nightly incremental progress after it: {written:,} points, {nightly}")

    leader = User.objects.filter(username="jz_leader").first() or User.objects.filter(is_superuser=True).first()
    city = Unit.objects.get(parent__isnull=True)
    today = timezone.localdate()
    period = month_period(today.year, today.month)

    def dashboard(unit, label):
        timers = []
        for _run in range(runs):
            with Timer() as timer:
                board = selectors.dashboard(leader, unit, period)
            timers.append(timer)
        timers.sort(key=lambda t: t.wall)
        middle = timers[len(timers) // 2]
        as_of = f"{timezone.localtime(board.figures_as_of):%H:%M}" if board.figures_as_of else "now (live)"
        print(
            f"{label} ({len(board.targets)} targets, {len(board.sections)} sections, {len(board.children)} units "
            f"below, the month running as counted at {as_of}): "
            f"best {timers[0].wall * 1000:.0f} ms, median {middle.wall * 1000:.0f} ms wall, "
            f"{middle.cpu * 1000:.0f} ms CPU, {len(middle.queries)} queries"
        )
        return board

    board = dashboard(city, "city dashboard data (target < 500 ms)")
    dashboard(board.children[0], f"a county's dashboard ({board.children[0].name})")
    RunningFigure.objects.all().delete()
    with Timer() as live:
        selectors.dashboard(leader, city, period)
    print(f"the city dashboard counted live (no figures of the month running kept, as before): {live}")

    last = today.replace(day=1) - timedelta(days=1)
    with Timer() as built:
        report = monthly.report_build(
            monthly.report_request(actor=leader, unit=city, period=month_period(last.year, last.month)), viewer=leader
        )
    print(
        f"the city's monthly report of {last:%Y-%m} (docx {report.docx.size // 1024} KB, xlsx "
        f"{report.xlsx.size // 1024} KB): {built} (target < 60 s)"
    )


if __name__ == "__main__":
    main()
