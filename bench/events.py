"""Benchmark: events' sign-up race, and the pages around it.

    .venv/bin/python bench/events.py [--db minsheng_bench_events] [--requests 200] [--places 20]
        [--workers 40] [--runs 5] [--skip-sqlite]

1. The race: ``--requests`` residents of 顺城社区 sign up for one event of ``--places`` places at once from
   ``--workers`` threads, each with its own database connection, through events.services.signup_create;
   prints how many were confirmed and put on the waiting list (must be exactly --places and the rest), the
   event's counter and the confirmed rows, on PostgreSQL, then on a SQLite file in a child process. Then a
   confirmed resident cancels and the first waiting must take the place (still exactly --places).
2. One sign-up's cost: queries and CPU time of signup_create alone.
3. The pages: a resident's event list and the organiser's page of the raced event (all its sign-ups), with
   wall time, CPU time (time.process_time) and query counts. The machine is shared: read CPU and queries.

Creates the bench database when missing (never touches any other), migrates it, builds the demo city.
"""

import argparse
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = "/tmp/minsheng_bench_events.sqlite3"  # noqa: S108 - a scratch database of the bench


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="minsheng_bench_events")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--sqlite-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.sqlite_child:
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_FILE}"
    else:
        ensure_database(args.db)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    prepare()
    event = race(args)
    if args.sqlite_child:
        return
    one_signup(args)
    pages(args, event)
    if not args.skip_sqlite:
        Path(SQLITE_FILE).unlink(missing_ok=True)
        child = [sys.executable, __file__, "--sqlite-child", "--requests", str(args.requests), "--places",
                 str(args.places), "--workers", str(args.workers)]
        subprocess.run(child, check=True)  # noqa: S603 - this script, run again


def ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def prepare() -> None:
    from django.core.management import call_command

    from orgs.models import Unit

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())


def _event(places, title):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from events import services
    from orgs.models import Unit

    organiser = User.objects.get(username="shuncheng_handler")
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=5)
    event = services.event_create(actor=organiser, unit=Unit.objects.get(code="140702001001"), data=services.EventData(
        title=title, kind="performance", place="顺城社区文化广场", starts_at=start, ends_at=start + timedelta(hours=2),
        signup_opens_at=start - timedelta(days=7), signup_closes_at=start - timedelta(days=1), capacity=places))
    return services.event_publish(actor=organiser, event=event), organiser


def _residents(count):
    from accounts.models import User, UserKind
    from deliberation.services import residency_declare
    from orgs.models import Unit

    community = Unit.objects.get(code="140702001001")
    stamp = time.time_ns() % 10**8
    people = User.objects.bulk_create([User(username=f"bench-ev-{stamp}-{n}", kind=UserKind.RESIDENT)
                                       for n in range(count)])
    for person in people:
        residency_declare(actor=person, unit=community)
    return people


def race(args):
    from django.db import connection

    from events import services
    from events.models import Signup
    from events.race import sign_up_at_once

    event, _organiser = _event(args.places, f"抢报名 {time.time_ns()}")
    people = _residents(args.requests)
    began, cpu = time.perf_counter(), time.process_time()
    result = sign_up_at_once(event=event, people=people, workers=args.workers)
    took, cpu_took = time.perf_counter() - began, time.process_time() - cpu
    ok = (result.confirmed, result.waiting, result.event_confirmed, result.rows_confirmed) == (
        args.places, args.requests - args.places, args.places, args.places) and not result.errors
    print(f"race on {connection.vendor}: {args.requests} sign-ups for {args.places} places from {args.workers} "
          f"threads → {result.confirmed} confirmed, {result.waiting} waiting, {len(result.errors)} errors; event "
          f"counter {result.event_confirmed}, confirmed rows {result.rows_confirmed}; {took * 1000:.0f} ms wall, "
          f"{cpu_took * 1000:.0f} ms CPU {'OK' if ok else 'WRONG'}")
    for error in result.errors[:3]:
        print("  error:", error)
    first = Signup.objects.filter(event=event, state="confirmed").order_by("pk").first()
    services.signup_cancel(actor=first.resident, signup=first)
    after = Signup.objects.filter(event=event, state="confirmed").count()
    print(f"  after one cancellation: {after} confirmed {'OK' if after == args.places else 'WRONG'}")
    return event


def one_signup(args) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from events import services

    event, _organiser = _event(10_000, f"单次报名 {time.time_ns()}")
    people = _residents(args.runs)
    times, cpus, queries = [], [], []
    for person in people:
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            began, cpu = time.perf_counter(), time.process_time()
            services.signup_create(actor=person, event=event, name="基准")
            times.append((time.perf_counter() - began) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        queries.append(len(captured))
    print(f"one sign-up: median {statistics.median(times):.1f} ms wall, {statistics.median(cpus):.1f} ms CPU, "
          f"{max(queries)} queries")


def pages(args, event) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from events.models import Signup

    def timed(client, url):
        times, cpus = [], []
        for _ in range(args.runs):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                began, cpu = time.perf_counter(), time.process_time()
                response = client.get(url, HTTP_HOST="localhost")
                times.append((time.perf_counter() - began) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{url}: median {statistics.median(times):.0f} ms wall, {statistics.median(cpus):.0f} ms CPU, "
              f"{len(captured)} queries")

    organiser = Client()
    organiser.force_login(event.created_by)
    timed(organiser, f"/events/staff/{event.pk}/")
    resident = Client()
    resident.force_login(Signup.objects.filter(event=event).first().resident)
    timed(resident, "/events/")
    timed(resident, f"/events/{event.pk}/")


if __name__ == "__main__":
    main()
