"""Benchmark: concurrent sign-ups for one volunteer time slot, and matching suggestions, on PostgreSQL.

    .venv/bin/python bench/volunteers_signup.py [--volunteers 200] [--places 20] [--threads 40] [--pool 3000]

Creates (or empties) its own database ``minsheng_bench_volunteers`` on 127.0.0.1:5432 (never any other),
migrates it, builds a small org tree, ``--volunteers`` approved volunteers and one activity whose slot has
``--places`` places, all through volunteers.services. Then ``--threads`` threads, released together, sign
every volunteer up at once (each thread its own database connection), and the script prints how many
sign-ups were confirmed, how many refused as full, the rows written and the slot's counter: confirmed,
rows and counter must all equal the places (capacity holds, nothing lost, nothing twice). Last it times
the suggestions for an activity among ``--pool`` approved volunteers of the county (p50 of 5 runs).
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "minsheng_bench_volunteers"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB}"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "minsheng.settings"
    import psycopg

    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def id_number(n: int) -> str:
    from stdnum.cn import ric

    body = f"140702{1960 + n % 40}0101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def build(volunteers: int, places: int, pool: int):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User, UserKind
    from orgs.models import Level, Unit, UnitKind
    from orgs.services import unit_save
    from volunteers import services
    from volunteers.models import Skill, Volunteer, VolunteerStatus

    root = User.objects.create_superuser(username="bench-root", password="x", email="")
    city = unit_save(actor=root, unit=Unit(code="140700000000", name="晋中市", level=Level.CITY, kind=UnitKind.CITY))
    county = unit_save(actor=root, unit=Unit(code="140702000000", name="榆次区", level=Level.COUNTY,
                                             kind=UnitKind.DISTRICT, parent=city))
    town = unit_save(actor=root, unit=Unit(code="140702001000", name="北关街道", level=Level.TOWNSHIP,
                                           kind=UnitKind.SUBDISTRICT, parent=county))
    villages = [unit_save(actor=root, unit=Unit(code=f"140702001{n:03d}", name=f"社区{n}", level=Level.VILLAGE,
                                                kind=UnitKind.COMMUNITY, parent=town)) for n in range(1, 11)]
    skills = list(Skill.objects.all())
    made = []
    for n in range(max(volunteers, pool)):
        user = User.objects.create_user(username=f"bench-{n}", kind=UserKind.RESIDENT, phone=f"1390{n:07d}")
        if n < volunteers:
            volunteer = services.volunteer_apply(actor=user, name=f"志愿者{n}", id_number=id_number(n),
                                                 unit=villages[n % 10], skills=[skills[n % len(skills)]],
                                                 availability={str(n % 7): ["morning"]}, consent=True)
            services.volunteer_decide(actor=root, volunteer=volunteer, approve=True, id_checked=True)
            made.append(volunteer)
        else:  # the rest of the pool, in bulk: matching only reads them
            made.append(Volunteer(user=user, name=f"志愿者{n}", id_number=id_number(n), id_index=f"bench-{n}",
                                  unit=villages[n % 10], availability={str(n % 7): ["morning"]},
                                  status=VolunteerStatus.APPROVED, consent_at=timezone.now(),
                                  id_checked_at=timezone.now(), code=f"bench-code-{n}"))
    Volunteer.objects.bulk_create([v for v in made if v.pk is None], batch_size=1000)
    start = timezone.now() + timedelta(days=3)
    activity = services.activity_create(actor=root, title="陪独居老人聊天", unit=villages[0], place="顺城街12号",
                                        slots=[services.SlotInput(start, start + timedelta(hours=2), places)],
                                        skills=skills[:2])
    return root, activity, made[:volunteers]


def race(slot, volunteers, threads: int):
    from django.db import connection

    from core.errors import DomainError
    from volunteers import services

    results = {"confirmed": 0, "full": 0, "other": 0}
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    chunks = [volunteers[i::threads] for i in range(threads)]

    def work(chunk):
        barrier.wait()
        for volunteer in chunk:
            try:
                services.signup_create(actor=volunteer.user, slot=slot)
                key = "confirmed"
            except DomainError as exc:
                key = "full" if "full" in str(exc.message) or "名额已满" in str(exc.message) else "other"
            with lock:
                results[key] += 1
        connection.close()

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    began = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results, time.perf_counter() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=200)
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--pool", type=int, default=3000)
    args = parser.parse_args()
    setup_django()
    began = time.perf_counter()
    root, activity, volunteers = build(args.volunteers, args.places, args.pool)
    print(f"built {args.volunteers} volunteers (+{max(0, args.pool - args.volunteers)} in the pool) "
          f"in {time.perf_counter() - began:.1f} s")
    from volunteers import selectors
    from volunteers.models import Signup

    slot = activity.slots.get()
    for volunteer in volunteers:
        volunteer.user  # noqa: B018 - loaded before the threads start
    results, seconds = race(slot, volunteers, args.threads)
    slot.refresh_from_db()
    rows = Signup.objects.filter(slot=slot).count()
    print(f"{args.volunteers} sign-ups from {args.threads} threads for {args.places} places in {seconds:.2f} s: "
          f"confirmed {results['confirmed']}, refused as full {results['full']}, other errors {results['other']}; "
          f"rows {rows}, slot counter {slot.taken}")
    ok = results["confirmed"] == rows == slot.taken == args.places and results["other"] == 0
    timings = []
    for _ in range(5):
        t = time.perf_counter()
        suggestions = selectors.suggestions(root, activity)
        timings.append((time.perf_counter() - t) * 1000)
    print(f"suggestions among {args.pool} approved volunteers: p50 {statistics.median(timings):.0f} ms "
          f"({len(suggestions)} shown)")
    print("capacity held" if ok else "CAPACITY BROKEN")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
