"""Benchmark: support counted once under concurrent clicks, and a topic page with 2,000 comments.

    .venv/bin/python bench/deliberation.py [--residents 10000] [--clients 50] [--comments 2000] [--renders 30]

On PostgreSQL (database ``minsheng_bench_deliberation``, created when missing; no other is touched),
with the production settings (DEBUG off):

1. Supports: ``--residents`` residents of one community each support one topic, and each of them clicks
   twice, from two of ``--clients`` client threads at about the same moment (every thread has its own
   database connection and calls deliberation.services.topic_support, as the page does). Prints
   supports/s, p50/p99 per click, the clicks counted, the rows and the count the page shows: the rows
   must equal the residents, exactly one per resident.
2. The page: a public topic with ``--comments`` published comments (a quarter of them replies) is
   rendered ``--renders`` times through the full request path (Django's test client, anonymous and as
   a resident of the community). The page shows the threads 50 at a time (a phone reads no more), with
   the total and links to the other pages. Prints p50/p95/max in ms. Target: < 200 ms.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def ensure_database(name: str) -> None:
    import psycopg

    with psycopg.connect(host=HOST, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(db: str) -> None:
    keys = subprocess.run([sys.executable, "manage.py", "personal_data_keys"], cwd=ROOT, env=dict(os.environ, DEBUG="1"),
                          capture_output=True, text=True, check=True).stdout.splitlines()
    keys = dict(line.split("=", 1) for line in keys if line and not line.startswith("#"))
    os.environ.update(DATABASE_URL=f"postgres://postgres@{HOST}:5432/{db}", DEBUG="0", ALLOWED_HOSTS="testserver",
                      SECRET_KEY=os.environ.get("SECRET_KEY", "bench-" + "x" * 40), **keys)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def community():
    """A community of its own for the bench (its code is not the demo city's), with its staff."""
    from accounts.models import User, UserKind
    from orgs.models import Level, Role, Unit, UnitKind
    from orgs.services import membership_grant, unit_save

    root = User.objects.filter(username="bench-root").first() or User.objects.create_superuser(
        username="bench-root", password="bench-root-password", email="")
    units = {}
    for code, name, level, kind, parent in [
        ("990000000000", "基准市", Level.CITY, UnitKind.CITY, None),
        ("990100000000", "基准区", Level.COUNTY, UnitKind.DISTRICT, "990000000000"),
        ("990101000000", "基准街道", Level.TOWNSHIP, UnitKind.SUBDISTRICT, "990100000000"),
        ("990101001000", "基准社区", Level.VILLAGE, UnitKind.COMMUNITY, "990101000000"),
    ]:
        units[code] = Unit.objects.filter(code=code).first() or unit_save(actor=root, unit=Unit(
            code=code, name=name, level=level, kind=kind, parent=units.get(parent)))
    unit = units["990101001000"]
    staff = User.objects.filter(username="bench-community").first()
    if staff is None:
        staff = User.objects.create_user(username="bench-community", password="bench-community-pw",
                                         kind=UserKind.STAFF)
        membership_grant(actor=root, user=staff, role=Role.HANDLER, unit=unit)
    return unit, staff


def residents(unit, count: int) -> list:
    """``count`` residents living in ``unit`` (bulk-made: the bench is about supports, not sign-up)."""
    from accounts.models import User, UserKind
    from deliberation.models import Residency

    have = list(User.objects.filter(username__startswith="bench-r-").order_by("pk")[:count])
    if len(have) < count:
        User.objects.bulk_create([User(username=f"bench-r-{n:06d}", kind=UserKind.RESIDENT)
                                  for n in range(len(have), count)], batch_size=2000)
        have = list(User.objects.filter(username__startswith="bench-r-").order_by("pk")[:count])
    living = set(Residency.objects.filter(unit=unit, ended_at__isnull=True).values_list("resident_id", flat=True))
    # Confirmed by the community, as residents whose supports count are (bulk-made all the same).
    Residency.objects.bulk_create([Residency(resident=u, unit=unit, status="confirmed")
                                   for u in have if u.pk not in living], batch_size=2000)
    Residency.objects.filter(unit=unit, ended_at__isnull=True, status="pending").update(status="confirmed")
    return have


def new_topic(unit, staff, proposer, title):
    from deliberation import services

    topic = services.topic_propose(actor=staff, unit=unit, title=title, description="基准测试议题：东门加装充电桩。")
    return services.topic_accept(actor=staff, topic=topic)


def bench_supports(unit, staff, people, clients: int) -> None:
    from django.db import connection, connections

    from deliberation import selectors, services
    from deliberation.models import Support

    topic = new_topic(unit, staff, None, f"并发附议基准 {time.strftime('%H:%M:%S')}")
    # Each resident clicks twice; the two clicks go to different clients at about the same time.
    clicks = [u for u in people for _ in range(2)]
    shares = [clicks[i::clients] for i in range(clients)]
    durations: list[list[float]] = [[] for _ in range(clients)]
    counted = [0] * clients
    errors: list[str] = []
    barrier = threading.Barrier(clients)

    def client(index: int) -> None:
        try:
            barrier.wait()
            for user in shares[index]:
                started = time.perf_counter()
                counted[index] += services.topic_support(actor=user, topic=topic)
                durations[index].append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - reported below; the figures are then worthless
            errors.append(repr(exc))
        finally:
            connections.close_all()

    connection.close()
    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    all_durations = sorted(d for part in durations for d in part)
    rows = Support.objects.filter(topic=topic).count()
    shown = selectors.public_topics(unit=unit).get(pk=topic.pk).support_count
    distinct = Support.objects.filter(topic=topic).values("resident").distinct().count()
    print(f"supports: {len(people)} residents x 2 clicks = {len(clicks)} clicks from {clients} clients in "
          f"{elapsed:.1f} s ({len(clicks) / elapsed:.0f} clicks/s); p50 {statistics.median(all_durations) * 1000:.1f} ms, "
          f"p99 {all_durations[int(len(all_durations) * 0.99)] * 1000:.1f} ms")
    print(f"  counted {sum(counted)}, rows {rows}, distinct residents {distinct}, the page's count {shown}, "
          f"errors {len(errors)}")
    ok = sum(counted) == rows == distinct == shown == len(people) and not errors
    print(f"  exactly one per resident: {'yes' if ok else 'NO'}")
    if errors:
        print("  first error:", errors[0])


def bench_page(unit, staff, people, comments: int, renders: int) -> None:
    from django.test import Client

    from deliberation.models import Comment, Support

    topic = new_topic(unit, staff, None, f"两千条评论的议题 {time.strftime('%H:%M:%S')}")
    Support.objects.bulk_create([Support(topic=topic, resident=u) for u in people[:500]])
    top = comments - comments // 4
    Comment.objects.bulk_create([Comment(topic=topic, author=people[i % len(people)],
                                         text=f"第{i + 1}条意见：建议充电桩按次收费，并安排夜间巡查，注意消防安全。")
                                 for i in range(top)], batch_size=1000)
    parents = list(Comment.objects.filter(topic=topic, parent__isnull=True).values_list("pk", flat=True))
    Comment.objects.bulk_create([Comment(topic=topic, parent_id=parents[i % len(parents)],
                                         author=people[(i + 7) % len(people)], text=f"回复{i + 1}：同意。")
                                 for i in range(comments - top)], batch_size=1000)
    for label, user in (("anonymous", None), ("a resident of the community", people[0])):
        client = Client()
        if user is not None:
            client.force_login(user)
        url = f"/deliberation/t/{topic.pk}/"
        response = client.get(url)  # warm-up: templates and translations loaded once per process
        assert response.status_code == 200, response.status_code
        from deliberation.selectors import THREADS_PER_PAGE

        assert response.content.decode().count('data-comment="') == min(top, THREADS_PER_PAGE)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:  # one render apart: capturing costs time itself
            client.get(url)
        queries = list(captured.captured_queries)
        slowest = sorted(queries, key=lambda q: -float(q["time"]))[:3]
        times, cpu = [], []
        for _ in range(renders):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        print(f"topic page with {comments} comments ({label}): p50 {statistics.median(times):.0f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.0f} ms, max {times[-1]:.0f} ms over {renders} renders "
              f"({len(response.content) // 1024} KiB); this process's CPU p50 {statistics.median(cpu):.0f} ms; "
              f"{len(queries)} queries")
        for query in slowest:
            print(f"    {float(query['time']) * 1000:.1f} ms  {query['sql'][:150]}")
        if os.environ.get("BENCH_SHOW_QUERIES"):
            for query in queries:
                print(f"      {float(query['time']) * 1000:.1f} ms  {query['sql'][:200]}")
    print(f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--part", choices=["all", "supports", "page"], default="all")
    parser.add_argument("--db", default="minsheng_bench_deliberation")
    args = parser.parse_args()
    ensure_database(args.db)
    setup_django(args.db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    unit, staff = community()
    people = residents(unit, args.residents)
    if args.part in ("all", "supports"):
        bench_supports(unit, staff, people, args.clients)
    if args.part in ("all", "page"):
        bench_page(unit, staff, people, args.comments, args.renders)


if __name__ == "__main__":
    main()
