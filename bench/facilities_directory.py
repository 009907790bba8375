"""Benchmark: the public facilities directory over 50,000 operating facilities, on PostgreSQL.

    .venv/bin/python bench/facilities_directory.py [--db minsheng_bench_fac_directory] [--facilities 50000]
        [--runs 15] [--explain] [--queries]

Times what a resident's phone asks for, as the directory page and the API do it (the selector's page of
20, the pager's count, which of the 20 are open now): nearest 20 to a point, nearest 20 open now, the
canteens of a county, the page itself through the test client and the API's JSON. For each: wall time
(median and best of --runs), CPU time of this process (time.process_time: Python, the ORM and the
driver, not the server's share) and the number of queries. ``--explain`` prints EXPLAIN ANALYZE of the
nearest-first query. Target: < 100 ms. Figures on a shared, loaded machine vary: read the CPU time
and query counts beside the wall time.

Creates the bench database when missing (never touches any other), migrates it, builds the demo city,
and bulk-inserts the facilities (bench fixtures, not domain writes) once.
"""

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POINT = (37.69, 112.71)


def _booking_bench():
    spec = importlib.util.spec_from_file_location("facilities_booking_bench", ROOT / "bench" / "facilities_booking.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="minsheng_bench_fac_directory")
    parser.add_argument("--facilities", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--queries", action="store_true", help="Print each case's queries.")
    args = parser.parse_args()

    shared = _booking_bench()
    shared.ensure_database(args.db)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    shared.prepare()
    fill(shared, args)
    measure(args)


def fill(shared, args) -> None:
    """The directory's rows, made once (the booking bench's generator, without its timings)."""
    if _missing(args):
        shared.directory(argparse.Namespace(facilities=args.facilities, runs=1))


def _missing(args) -> bool:
    from facilities.models import Facility

    return Facility.objects.count() < args.facilities


class _Counter:
    """Counts the queries a call makes (an execute wrapper: not capped like DEBUG's query log)."""

    def __init__(self):
        self.count = 0
        self.sql = []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        self.sql.append(sql)
        return execute(sql, params, many, context)


def _timed(runs, fn, *, show=False):
    from django.db import connection

    fn()  # warm: the first call pays for imports and the plan cache
    walls, cpus, queries = [], [], 0
    for _ in range(runs):
        counter = _Counter()
        with connection.execute_wrapper(counter):
            began, cpu = time.perf_counter(), time.process_time()
            fn()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - began) * 1000)
        queries = counter.count
    if show:
        for sql in counter.sql:
            print("     ", sql[:160])
    return statistics.median(walls), min(walls), statistics.median(cpus), queries


def _page(**filters):
    """What the page and the API read for one page: the 20, the pager's count, which are open now."""
    from facilities import selectors

    qs = selectors.directory(**filters)
    items = list(qs[:20])
    qs.count()
    if not filters.get("open_now"):  # asked for open now, all of them are
        selectors.open_among([f.pk for f in items])
    return items


def measure(args) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from facilities.models import Facility, FacilityType
    from orgs.models import Unit

    settings.ALLOWED_HOSTS = ["*"]
    county = Unit.objects.get(code="140702000000")
    canteen = FacilityType.objects.get(code="canteen")
    # A weekday morning (most open) and an evening (nothing near is open: the boxes widen to the city).
    monday = timezone.localdate() - timezone.timedelta(days=timezone.localdate().weekday())
    morning = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time())).replace(hour=10)
    evening = morning.replace(hour=20)
    client = Client()
    lat, lng = POINT
    cases = [
        ("nearest 20 to a point (page: 20 + count + open)", lambda: _page(near=POINT)),
        ("nearest 20, open now (10:00)", lambda: _page(near=POINT, open_now=True, now=morning)),
        ("nearest 20, open now (20:00, none open)", lambda: _page(near=POINT, open_now=True, now=evening)),
        ("canteens of a county, first page", lambda: _page(unit=county, facility_type=canteen)),
        ("all, by place, first page", lambda: _page()),
        ("the page /facilities/?lat&lng (HTML)", lambda: client.get(f"/facilities/?lat={lat}&lng={lng}")),
        ("the page, nearest and open now", lambda: client.get(f"/facilities/?lat={lat}&lng={lng}&open=1")),
    ]
    operating = Facility.objects.filter(status="operating").count()
    print(f"directory over {operating:,} operating facilities on PostgreSQL "
          f"(target < 100 ms; the machine is shared and loaded):")
    for label, fn in cases:
        median, best, cpu, queries = _timed(args.runs, fn, show=args.queries)
        print(f"  {label}: median {median:.1f} ms, best {best:.1f} ms wall; CPU {cpu:.1f} ms; {queries} queries")
    if args.explain:
        from facilities import selectors

        sql, params = selectors.directory(near=POINT)[:20].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN ANALYZE " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
