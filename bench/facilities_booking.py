"""Benchmark: facilities' booking race, public directory and canteen day summary.

    .venv/bin/python bench/facilities_booking.py [--db minsheng_bench_facilities] [--facilities 50000]
        [--orders 100000] [--requests 200] [--places 20] [--workers 40] [--runs 5] [--skip-sqlite]

1. The race: ``--requests`` residents book one slot of ``--places`` places at once from ``--workers``
   threads, each with its own database connection, through facilities.services.booking_create; prints how
   many were confirmed and queued (must be exactly --places and the rest) on PostgreSQL, then on a SQLite
   file (/tmp/minsheng_bench_facilities.sqlite3) in a child process. PostgreSQL's max_connections (100
   here, shared) caps the threads; SQLite takes writers one at a time (IMMEDIATE transactions).
2. The directory: ``--facilities`` operating facilities across the demo city; times the public directory's
   queries (first page nearest to a point, open now, by type in a county) — target < 100 ms.
3. The canteen day: ``--orders`` meal orders for one day across the canteens; times the per-canteen summary
   (facilities.selectors.meal_counts) and the meals-served indicator — target < 1 s.

Creates the bench database when missing (never touches any other), migrates it, builds the demo city.
Rows for 2 and 3 are bulk-inserted (bench fixtures, not domain writes); the race goes through the service.
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
SQLITE_FILE = "/tmp/minsheng_bench_facilities.sqlite3"  # noqa: S108 - a scratch database of the bench


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="minsheng_bench_facilities")
    parser.add_argument("--facilities", type=int, default=50_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--race-only", action="store_true")
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
    race(args)
    if args.sqlite_child:
        return
    if not args.skip_sqlite:
        Path(SQLITE_FILE).unlink(missing_ok=True)
        child = [sys.executable, __file__, "--sqlite-child", "--requests", str(args.requests), "--places",
                 str(args.places), "--workers", str(args.workers)]
        subprocess.run(child, check=True)  # noqa: S603 - this script, run again
    if args.race_only:
        return
    directory(args)
    canteen_day(args)


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


def _root():
    from accounts.models import User

    return User.objects.get(username="admin")


def _hall(root, name):
    from facilities import services
    from facilities.models import Facility, FacilityType
    from orgs.models import Unit

    hall = Facility.objects.filter(name=name).first()
    if hall is None:
        hall = services.facility_register(actor=root, facility_type=FacilityType.objects.get(code="sports"),
                                          unit=Unit.objects.get(code="140702001001"), status="operating",
                                          data=services.FacilityData(name=name, latitude=37.7, longitude=112.74))
    return hall


def race(args) -> None:
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from accounts.models import User, UserKind
    from facilities import services
    from facilities.models import Resource, ResourceKind
    from facilities.race import book_at_once

    root = _root()
    hall = _hall(root, "基准测试体育馆")
    resource = services.resource_save(actor=root, resource=Resource(
        facility=hall, name=f"抢位 {time.time_ns()}", kind=ResourceKind.PLACE, capacity=args.places))
    start = timezone.now() + timedelta(days=3)
    slot = services.slot_add(actor=root, resource=resource, starts_at=start, ends_at=start + timedelta(hours=1))
    stamp = time.time_ns() % 10**8
    people = User.objects.bulk_create([User(username=f"bench-{stamp}-{n}", kind=UserKind.RESIDENT)
                                       for n in range(args.requests)])
    began = time.perf_counter()
    result = book_at_once(slot=slot, people=people, workers=args.workers)
    took = time.perf_counter() - began
    vendor = connection.vendor
    ok = (result.confirmed, result.waiting, result.slot_confirmed, result.rows_confirmed) == (
        args.places, args.requests - args.places, args.places, args.places) and not result.errors
    print(f"race on {vendor}: {args.requests} requests for {args.places} places from {args.workers} threads → "
          f"{result.confirmed} confirmed, {result.waiting} waiting, {len(result.errors)} errors; slot counter "
          f"{result.slot_confirmed}, confirmed rows {result.rows_confirmed}; {took * 1000:.0f} ms "
          f"{'OK' if ok else 'WRONG'}")
    for error in result.errors[:3]:
        print("  error:", error)


def _timed(runs, fn):
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - began) * 1000)
    return value, min(times), statistics.median(times)


def directory(args) -> None:
    import random
    from datetime import date
    from datetime import time as dtime

    from django.db import connection
    from django.utils import timezone

    from facilities import selectors
    from facilities.models import Facility, FacilityStatusPeriod, FacilityType, OpeningPeriod
    from orgs.models import Level, Unit

    have = Facility.objects.count()
    if have < args.facilities:
        rng = random.Random(have)
        types = list(FacilityType.objects.all())
        villages = list(Unit.objects.filter(level=Level.VILLAGE))
        print(f"{have:,} facilities; adding {args.facilities - have:,}")
        for chunk in range(have, args.facilities, 5000):
            rows = []
            for n in range(chunk, min(chunk + 5000, args.facilities)):
                village = rng.choice(villages)
                rows.append(Facility(type=rng.choice(types), name=f"设施{n}", unit=village, unit_path=village.path,
                                     latitude=37.0 + rng.random() * 1.2, longitude=112.0 + rng.random() * 1.5,
                                     status="operating", status_since=date(2025, 1, 1)))
            made = Facility.objects.bulk_create(rows)
            FacilityStatusPeriod.objects.bulk_create([FacilityStatusPeriod(facility=f, status="operating",
                                                                           since=date(2025, 1, 1)) for f in made])
            OpeningPeriod.objects.bulk_create([OpeningPeriod(facility=f, weekday=d, opens=dtime(8), closes=dtime(18))
                                               for f in made for d in range(7) if rng.random() < .8])
        with connection.cursor() as cursor:
            for table in ("facilities_facility", "facilities_openingperiod", "facilities_facilitystatusperiod"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    county = Unit.objects.get(code="140702000000")
    canteen = FacilityType.objects.get(code="canteen")
    now = timezone.now()
    cases = [
        ("nearest 20 to a point", lambda: list(selectors.directory(near=(37.69, 112.71))[:20])),
        ("nearest 20, open now", lambda: list(selectors.directory(near=(37.69, 112.71), open_now=True, now=now)[:20])),
        ("canteens in a county, first page", lambda: list(selectors.directory(unit=county, facility_type=canteen)[:20])),
        ("count for the pager (county)", lambda: selectors.directory(unit=county).count()),
        ("canteens operating in a county on a date (indicator)",
         lambda: selectors.facilities_operating(type_code="canteen", unit=county, on=date(2026, 6, 1))),
    ]
    print(f"directory over {Facility.objects.filter(status='operating').count():,} operating facilities "
          f"(target < 100 ms):")
    for label, fn in cases:
        _value, best, median = _timed(args.runs, fn)
        print(f"  {label}: best {best:.1f} ms, median {median:.1f} ms")


def canteen_day(args) -> None:
    import random
    from datetime import datetime, timedelta
    from datetime import time as dtime
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from accounts.models import User, UserKind
    from facilities import selectors
    from facilities.models import Booking, Facility, MealOrder, Resource, Slot

    day = timezone.localdate() + timedelta(days=30)
    have = MealOrder.objects.filter(served_on=day).count()
    if have < args.orders:
        rng = random.Random(7)
        canteens = list(Facility.objects.filter(type__code="canteen", status="operating")[:800])
        holder, _ = User.objects.get_or_create(username="bench-diner-family", defaults={"kind": UserKind.RESIDENT})
        start = timezone.make_aware(datetime.combine(day, dtime(11, 30)))
        slots = {}
        for canteen in canteens:
            resource, _ = Resource.objects.get_or_create(facility=canteen, name="基准午餐",
                                                         defaults={"kind": "meal", "capacity": 1000,
                                                                   "price": Decimal("15")})
            slots[canteen.pk], _ = Slot.objects.get_or_create(resource=resource, starts_at=start,
                                                              defaults={"ends_at": start + timedelta(hours=2),
                                                                        "capacity": 1000})
        print(f"{have:,} meal orders on {day}; adding {args.orders - have:,} across {len(canteens)} canteens")
        for chunk in range(have, args.orders, 10000):
            bookings, meta = [], []
            for n in range(chunk, min(chunk + 10000, args.orders)):
                canteen = rng.choice(canteens)
                state = rng.choices(["confirmed", "checked_in", "cancelled", "waiting"], [50, 40, 7, 3])[0]
                bookings.append(Booking(slot=slots[canteen.pk], holder=holder, for_name="某某",
                                        for_index=f"bench-{day}-{n}", state=state, code=f"B{day:%m%d}{n:08d}"))
                meta.append(canteen)
            made = Booking.objects.bulk_create(bookings)
            orders = []
            for booking, canteen in zip(made, meta, strict=True):
                price = rng.choice([Decimal("15"), Decimal("12"), Decimal("8"), Decimal("5"), Decimal("0")])
                orders.append(MealOrder(booking=booking, facility=canteen, served_on=day, full_price=Decimal("15"),
                                        price=price, subsidy=Decimal("15") - price, delivery=rng.random() < .2))
            MealOrder.objects.bulk_create(orders)
        with connection.cursor() as cursor:
            for table in ("facilities_mealorder", "facilities_booking"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"canteen day: {MealOrder.objects.filter(served_on=day).count():,} meal orders on {day} (target < 1 s):")
    counts, best, median = _timed(args.runs, lambda: selectors.meal_counts(day=day))
    print(f"  per-canteen summary of {len(counts)} canteens ({sum(c.orders for c in counts.values()):,} standing "
          f"orders): best {best:.0f} ms, median {median:.0f} ms")
    _value, best, median = _timed(args.runs, lambda: selectors.meals_served(since=day, until=day))
    print(f"  meals served that day (indicator): best {best:.0f} ms, median {median:.0f} ms")


if __name__ == "__main__":
    main()
