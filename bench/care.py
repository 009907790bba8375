"""Benchmark: 包联 care on a million people and five million visits in PostgreSQL.

    .venv/bin/python bench/care.py [--people 1000000] [--visits-per-person 7] [--db minsheng_bench_carevisits]
                                   [--runs 20] [--rebuild] [--skip-nightly] [--carer-seed N]
    .venv/bin/python bench/care.py --db minsheng_bench_careimport --import-rows 100000

Creates the bench database when missing (never touches any other), migrates it and builds the demo city
(``seed_demo``: its villages, grids and staff), then — when the registry is smaller than ``--people`` or
with ``--rebuild`` — generates the registry with set-based SQL (INSERT … SELECT generate_series, no ORM
row by row): 5,000 responsible people (网格员), the people in the demo villages and grids with one or two
categories each, an assignment each, and ``--visits-per-person`` visits each for three people in four (a
quarter are newly registered and never visited): 7 make some 5.1 million visits, spread over the last year.

Then it times, as the code runs them:
- the nightly computation (``care_refresh``: every person's risk by the rules and next visit due, then the
  escalation sweep and its messages) — the first run after generation (every row changes) and a second
  (the steady state of a night: little changes); target < 5 minutes;
- one responsible person's due list (我的走访: care.selectors.my_visits, as the page reads it: its first
  page as found and opened again, and its second for the carers whose list runs longer; then the page
  as served, the view with its template, as each carer: wall, CPU, queries, bytes), for ``--runs``
  carers picked at random (``--carer-seed`` picks a run's again), with the size of the whole list, the
  queries and the plan of the main one; target < 50 ms;
- the unit pages' summary counted again (care.summary.recompute, the end of care_refresh), then the city's
  coverage dashboard and a township's page as the view reads them (care.selectors.unit_overview, as the
  city's leader: people per category, coverage, visits on time over 90 days, overdue, the drill-down,
  the longest-unvisited high-risk people) from it: wall, CPU and queries; target < 500 ms.
  ``--dashboard-only`` times just these.
Prints the best, median and worst in milliseconds, and for the due list this process's CPU time and the
machine's load (the lists wait on a busy machine's CPU more than on the database).

With ``--import-rows N`` it times instead the civil-affairs import of a generated list of N rows as the
worker runs it (core.jobs: the dry run, then the import it offers) on the demo city of the ``--db`` given:
wall and CPU time, queries, and the outcomes (a person met again in a later chunk counts as an update).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CARERS = 5000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--visits-per-person", type=int, default=7)
    parser.add_argument("--db", default="minsheng_bench_carevisits")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true", help="generate the registry again")
    parser.add_argument("--skip-nightly", action="store_true", help="time the lists only")
    parser.add_argument("--carer-seed", type=int, default=None,
                        help="pick the same carers as a run that printed this seed (default: others at random)")
    parser.add_argument("--skip-dashboard", action="store_true",
                        help="no summary recount and unit pages (the recount writes to the bench database)")
    parser.add_argument("--dashboard-only", action="store_true",
                        help="time the summary's recount and the unit pages only (no nightly, no due lists)")
    parser.add_argument("--import-rows", type=int, default=0,
                        help="instead: time the background import of a civil-affairs list of this many rows "
                             "(dry run, then the import) on the demo city alone")
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
    if args.import_rows:
        time_import(args.import_rows)
        return
    generated = prepare(args.people, args.visits_per_person, args.rebuild)
    if not args.skip_nightly and not args.dashboard_only:
        nightly(first=generated)
    if not args.dashboard_only:
        due_lists(args.runs, args.carer_seed)
    if not args.skip_dashboard:
        dashboard(max(3, args.runs // 4))


def ensure_database(host: str, name: str) -> None:
    import psycopg

    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def timed(label: str, fn):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s ({result})", flush=True)
    return seconds


def prepare(people: int, per_person: int, rebuild: bool) -> bool:
    from django.core.management import call_command
    from django.db import connection

    from care.models import Person
    from orgs.models import Unit

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        call_command("seed_demo", verbosity=0)
    if Person.objects.count() >= people and not rebuild:
        print(f"registry: {Person.objects.count():,} people, already generated")
        return False
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE care_escalation, care_visitphoto, care_visitneed, care_visit, care_careassignment, "
                       "care_caremembership, care_person RESTART IDENTITY CASCADE")
    carers = make_carers()
    timed("generate people", lambda: generate_people(people))
    timed("generate memberships", generate_memberships)
    timed("generate assignments", lambda: generate_assignments(carers))
    timed("generate visits", lambda: generate_visits(per_person))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE care_person")
        cursor.execute("VACUUM ANALYZE care_visit")
        cursor.execute("VACUUM ANALYZE care_careassignment")
        cursor.execute("VACUUM ANALYZE care_caremembership")
    return True


def make_carers() -> list[int]:
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    existing = list(User.objects.filter(username__startswith="bench_carer_").order_by("pk").values_list("pk", flat=True))
    if len(existing) >= CARERS:
        return existing[:CARERS]
    password = make_password(None)
    User.objects.bulk_create([User(username=f"bench_carer_{n}", password=password, display_name=f"网格员{n}")
                              for n in range(len(existing), CARERS)], batch_size=1000)
    return list(User.objects.filter(username__startswith="bench_carer_").order_by("pk").values_list("pk", flat=True))


def generate_people(count: int) -> int:
    """Everyone in one statement: villages (and their grids, where they have some) in turn, birth dates
    from 1930 to 2020, a quarter never visited yet."""
    from django.db import connection

    from core.crypto import encrypt
    from orgs.models import Level, Unit

    placeholder = encrypt("140702193001010000")  # one ciphertext for all: the lists decrypt what they show
    villages = list(Unit.objects.filter(level=Level.VILLAGE).values_list("pk", flat=True))
    grids = dict(Unit.objects.filter(level=Level.GRID).values_list("parent_id", "pk"))
    pairs_unit = villages
    pairs_grid = [grids.get(v) for v in villages]
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO care_person (name, id_number, id_index, sex, birth_date, phone, phone_index, address,
                                     unit_id, grid_id, risk_computed, risk_override, risk_override_reason,
                                     risk_level, last_visit_at, next_visit_due, escalation, ended_on, end_reason, end_note,
                                     created_at, updated_at)
            SELECT '包联' || i, %(id_number)s, md5('bench-person-' || i), CASE WHEN i %% 2 = 0 THEN 'female' ELSE 'male' END,
                   DATE '1930-01-01' + (i::bigint * 7919 %% 32000)::int, '', '', '顺城街' || (i %% 300) || '号',
                   (%(units)s::int[])[1 + i %% %(n)s], (%(grids)s::int[])[1 + i %% %(n)s],
                   'low', '', '', 'low', NULL, NULL, '', NULL, '', '', now() - interval '400 days', now()
            FROM generate_series(1, %(count)s) AS i
        """, {"units": pairs_unit, "grids": pairs_grid, "n": len(villages), "count": count,
                                 "id_number": placeholder})
        return cursor.rowcount


def generate_memberships() -> int:
    """Each person one category, a fifth a second one; the elderly categories with an ADL level and the
    disabled with a grade, so that the rules have something to read."""
    from django.db import connection

    from care.models import CareCategory

    codes = list(CareCategory.objects.filter(is_active=True).order_by("pk").values_list("pk", "code"))
    ids = [pk for pk, _code in codes]
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO care_caremembership (person_id, category_id, since, until, source, "values", created_at)
            SELECT p.id, (%(cats)s::int[])[1 + p.id %% %(n)s], DATE '2024-01-01', NULL::date, 'civil_affairs',
                   CASE p.id %% 4 WHEN 0 THEN '{"adl": "失能"}' WHEN 1 THEN '{"adl": "半失能", "disability_grade": "二级"}'
                        ELSE '{"adl": "自理", "disability_grade": "四级"}' END::jsonb,
                   now()
            FROM care_person p
            UNION ALL
            SELECT p.id, (%(cats)s::int[])[1 + (p.id / 5 + 3) %% %(n)s], DATE '2025-01-01', NULL::date, 'visit', '{}'::jsonb,
                   now()
            FROM care_person p WHERE p.id %% 5 = 0 AND (p.id / 5 + 3) %% %(n)s <> p.id %% %(n)s
        """, {"cats": ids, "n": len(ids)})
        return cursor.rowcount


def generate_assignments(carers: list[int]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO care_careassignment (person_id, carer_id, role, since, until, created_at)
            SELECT p.id, (%(carers)s::int[])[1 + p.id %% %(n)s], 'grid_worker', DATE '2024-01-01', NULL, now()
            FROM care_person p WHERE p.id %% 50 <> 7
        """, {"carers": carers, "n": len(carers)})
        return cursor.rowcount


def generate_visits(per_person: int) -> int:
    """``per_person`` visits each for three people in four (a quarter are newly registered and never
    visited), the latest 0–44 days ago and the others 7–30 days apart before it; then each person's last
    visit and a rough next due date (the nightly computation puts the true one)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO care_visit (person_id, visitor_id, visited_at, checklist, notes, due_on, on_time, token,
                                    created_at)
            SELECT a.person_id, a.carer_id,
                   now() - ((a.person_id * 31 %% 45) + k * (7 + a.person_id %% 24)) * interval '1 day',
                   '{"health": "ok", "gas": "ok", "heating": "ok"}'::jsonb, '',
                   (now() - ((a.person_id * 31 %% 45) + k * (7 + a.person_id %% 24) - (a.person_id %% 5) + 2)
                            * interval '1 day')::date,
                   a.person_id %% 5 >= 2, md5('bench-visit-' || a.person_id || '-' || k), now()
            FROM care_careassignment a, generate_series(0, %(k)s - 1) AS k
            WHERE a.person_id %% 4 <> 0
        """, {"k": per_person})
        visits = cursor.rowcount
        cursor.execute("""
            UPDATE care_person p SET last_visit_at = v.last, next_visit_due = (v.last + interval '30 days')::date
            FROM (SELECT person_id, max(visited_at) AS last FROM care_visit GROUP BY person_id) v
            WHERE v.person_id = p.id
        """)
        return visits


def nightly(first: bool):
    from care.services import escalation_sweep, escalations_deliver, people_refresh

    def run():
        total = 0.0
        total += timed("  risk and next visit due (people_refresh)", people_refresh)
        total += timed("  escalation sweep", escalation_sweep)
        total += timed("  escalation messages", escalations_deliver)
        return total

    if first:
        print("nightly computation, first run after generation (every row changes):")
        total = run()
        print(f"  total {total:.1f} s (target < 300 s)")
    print("nightly computation, a following night:")
    total = run()
    print(f"  total {total:.1f} s (target < 300 s)", flush=True)


def report(label: str, times: list[float], target_ms: int, cpu: list[float] | None = None):
    ms = sorted(t * 1000 for t in times)
    print(f"{label}: best {ms[0]:.1f} ms, median {statistics.median(ms):.1f} ms, worst {ms[-1]:.1f} ms "
          f"(target < {target_ms} ms)", flush=True)
    if cpu:
        print(f"  CPU time of this process (time.process_time): median {statistics.median(cpu) * 1000:.1f} ms; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)


def due_lists(runs: int, seed: int | None = None):
    """我的走访 as the page reads it (selectors.my_visits), for ``runs`` carers picked at random (a run
    reads carers the previous runs did not: their people are not in PostgreSQL's buffers yet, as on a
    carer's first look of the day): its first page (the first DUE_PAGE_SIZE of the due list with the
    whole list's count, the next LATER_SHOWN due later and the seasonal checks due) as found, then
    opened again, and for the carers whose due list runs longer its second page; then one carer's queries, with the
    plan of the people's query (the count of the whole list is in it: no count query of its own)."""
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from care import selectors
    from care.models import CareAssignment

    seed = random.randrange(1_000_000) if seed is None else seed
    pks = list(User.objects.filter(username__startswith="bench_carer_").order_by("pk").values_list("pk", flat=True))
    carers = list(User.objects.filter(pk__in=random.Random(seed).sample(pks, min(runs, len(pks)))).order_by("pk"))
    today = timezone.localdate()
    first, first_cpu, again, again_cpu, more, more_cpu = [], [], [], [], [], []
    due_sizes, shown = [], []

    def timed_page(carer, times, cpu, **kwargs):
        started, started_cpu = time.perf_counter(), time.process_time()
        lists = selectors.my_visits(carer, today=today, **kwargs)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        return lists

    for carer in carers:
        lists = timed_page(carer, first, first_cpu)
        timed_page(carer, again, again_cpu)
        due_sizes.append(lists.page.count)
        shown.append(len({p.pk for p in lists.due} | {p.pk for p in lists.later}
                         | {p.pk for s in lists.seasonal for p in s.people}))
        if lists.page.has_next:
            timed_page(carer, more, more_cpu, page=2)
    in_care = [CareAssignment.objects.filter(carer=carer, until__isnull=True).count() for carer in carers]
    print(f"我的走访 of {len(carers)} carers picked at random (--carer-seed {seed}): {statistics.median(in_care):.0f} "
          f"people in a carer's care, {statistics.median(due_sizes):.0f} on the due list (the whole list, median; "
          f"{min(due_sizes)}–{max(due_sizes)}), {statistics.median(shown):.0f} people on the first page (a due page "
          f"of {selectors.DUE_PAGE_SIZE}, the next {selectors.LATER_SHOWN} due later, the seasonal checks due)",
          flush=True)
    report("one carer's due list, first page as found (selectors.my_visits)", first, 50, first_cpu)
    report("  opened again", again, 50, again_cpu)
    if more:
        report(f"  its second page ({len(more)} carers with more than one page)", more, 50, more_cpu)
    served_pages(carers)
    carer = carers[len(carers) // 2]
    with CaptureQueriesContext(connection) as captured:
        selectors.my_visits(carer, today=today)
    print(f"  queries for the first page: {len(captured.captured_queries)} (the open seasonal checks; the people, "
          f"with the whole list's count and overdue count as window functions in the same query)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + captured.captured_queries[-1]["sql"])
        plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else plan
    print(f"  the people's query in EXPLAIN ANALYZE, opened again: {plan['Execution Time']:.1f} ms "
          f"(planning {plan['Planning Time']:.1f} ms)", flush=True)


def served_pages(carers) -> None:
    """我的走访 as served: the view (care.views.staff.mine) called with a request from RequestFactory as
    each carer, the template rendered to the bytes a phone receives (the menu, the layout, every row),
    opened again after the selector's timing above (PostgreSQL's buffers warm). A session and the
    middleware are left out: the test client's sign-in would write to the bench database."""
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import translation

    from care.permissions import may_open_visits
    from care.views.staff import mine

    skipped = [carer for carer in carers if not may_open_visits(carer)]  # no one in their care: a 403
    carers = [carer for carer in carers if carer not in skipped]
    factory, path = RequestFactory(), reverse("care:mine")
    times, cpu, queries, sizes, rows = [], [], [], [], []
    translation.activate("zh-hans")
    for carer in carers:
        request = factory.get(path)
        request.user, request.LANGUAGE_CODE = carer, "zh-hans"
        request._messages = CookieStorage(request)
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = mine(request)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        queries.append(len(captured.captured_queries))
        sizes.append(len(response.content))
        rows.append(response.content.count(b'<li class="care-item'))
    translation.deactivate()
    report("我的走访 as served (the view and its template, RequestFactory, first page, opened again)", times, 50, cpu)
    print(f"  queries {statistics.median(queries):.0f} (the user's menu and permissions included); "
          f"{statistics.median(sizes) / 1024:.0f} KB of HTML (median, {min(sizes) / 1024:.0f}–{max(sizes) / 1024:.0f}); "
          f"{statistics.median(rows):.0f} rows" + (f"; {len(skipped)} with no one in care left out" if skipped else ""),
          flush=True)


def dashboard(runs: int):
    """The unit page as the view reads it (selectors.unit_overview: the figures, the drill-down, the
    people per category and the longest-unvisited list) for the city's leader, on the city and on the
    first township, from the summary (care.summary) counted first as care_refresh does nightly."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from care import selectors, summary
    from orgs.models import Level, Membership, Role, Unit

    city = Unit.objects.get(level=Level.CITY)
    leader = Membership.objects.filter(unit=city, role=Role.LEADER).select_related("user").first()
    if leader is None:
        print("no city leader in the demo city: dashboard not timed")
        return
    today = timezone.localdate()
    started, started_cpu = time.perf_counter(), time.process_time()
    rows = summary.recompute(today=today)
    print(f"summary recomputed (care.summary.recompute, as care_refresh runs it): {time.perf_counter() - started:.1f} s "
          f"wall, {time.process_time() - started_cpu:.1f} s CPU, {rows:,} rows", flush=True)
    township = Unit.objects.filter(level=Level.TOWNSHIP).order_by("code").first()
    for unit in (city, township):
        times, cpu, queries = [], [], []
        figures = None
        for _run in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                figures, children = selectors.unit_overview(leader.user, unit, today=today)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            queries.append(len(captured.captured_queries))
        print(f"  {unit.name}: {figures.people:,} people, coverage {figures.coverage}%, on time "
              f"{figures.on_time_rate}%, overdue now {figures.overdue_now:,}, {len(children)} units below; "
              f"counted at {figures.counted_at}; {max(queries)} queries", flush=True)
        report(f"the unit page's figures of {unit.name} ({unit.get_level_display()})", times, 500, cpu)


def import_file(rows: int) -> bytes:
    """A civil-affairs list of ``rows`` rows in the demo villages: new people with valid ID numbers, one
    row in ten giving a person of 701 rows earlier a second category (so in another chunk of 500; that
    row is never itself a second category's, so no person and category comes twice however long the
    file)."""
    import io
    from datetime import date, timedelta

    from openpyxl import Workbook
    from stdnum.cn import ric

    from care.models import CareCategory
    from orgs.models import Level, Unit

    villages = list(Unit.objects.filter(level=Level.VILLAGE).order_by("code").values_list("code", flat=True))
    codes = ["solitary_elderly", "dibao", "low_income", "disabled", "tekun"]
    names = dict(CareCategory.objects.filter(code__in=codes).values_list("code", "name"))
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["name", "id_number", "phone", "address", "village", "grid", "category", "since", "source",
                  "fields"])
    people = []
    for n in range(rows):
        if n % 10 == 9 and n >= 701:
            number, village, first = people[n - 701]
            category = codes[(codes.index(first) + 1) % len(codes)]
        else:
            body = "140702" + (date(1930, 1, 1) + timedelta(days=n % 29000)).strftime("%Y%m%d") + f"{500 + n // 29000:03d}"
            number, village, category = body + ric.calc_check_digit(body + "0"), villages[n % len(villages)], codes[n % 3]
        people.append((number, village, category))
        fields = "自理能力=半失能" if category == "solitary_elderly" else ""
        sheet.append([f"导入{n}", number, f"139{n:08d}", f"顺城街{n % 300}号", village, "", names[category],
                      "2024-03-01", "民政名单", fields])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def time_import(rows: int):
    """The import as the worker runs it (core.jobs): the dry run, then the import it offers."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import User
    from care.models import Person
    from core import jobs
    from orgs.models import Unit

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        call_command("seed_demo", verbosity=0)
    admin = User.objects.get(username="admin")
    started = time.perf_counter()
    content = import_file(rows)
    print(f"file of {rows:,} rows: {len(content) / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s", flush=True)
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    before = Person.objects.count()
    job = jobs.xlsx_import_start(actor=admin, importer_path="care.importers.CareListImporter", content=content,
                                 file_name="bench.xlsx")
    for label in ("dry run", "import"):
        queries[0] = 0
        wall, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            state = jobs.run_job(job.pk)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        job.refresh_from_db()
        print(f"{label}: {state}, {wall:.1f} s wall, {cpu:.1f} s CPU in Python, {queries[0]:,} queries, "
              f"{rows / wall:.0f} rows/s; {queries[0] / rows:.2f} queries and {cpu * 1000 / rows:.2f} ms of CPU "
              f"a row; {job.result.get('outcomes')}, {job.result.get('error_count')} errors", flush=True)
        nxt = job.result.get("next")
        if not nxt:
            break
        with transaction.atomic():  # the confirmation, as the page gives it; the bench runs the job itself
            job = jobs.job_continue(actor=admin, job=job)
    print(f"people registered: {Person.objects.count() - before:,}")


if __name__ == "__main__":
    main()
