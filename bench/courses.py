"""Benchmark: courses' lesson serving with Range requests, and the enrolment race.

    .venv/bin/python bench/courses.py [--db minsheng_bench_courses] [--mb 50] [--requests 200] [--places 20]
        [--workers 40] [--skip-sqlite]

1. Serving: a ``--mb`` MB lesson (an MP4 by its first bytes) is uploaded through courses.services.lesson_upload
   into a scratch MEDIA_ROOT, then fetched through the view (the Django test client, in this process) as a
   phone's player does: the whole file, the first MB, a seek to the middle, the last MB, an unsatisfiable
   range. Each body is read chunk by chunk; the process's peak RSS (resource.getrusage) is printed before and
   after, so a file read whole into memory would show as a jump of ``--mb`` MB. Wall and CPU time and the
   queries of each request are printed too.
2. The race: ``--requests`` residents enrol in one course of ``--places`` places at once from ``--workers``
   threads, each with its own connection, through courses.services.enrolment_create: exactly ``--places``
   must be enrolled and the rest waiting, on PostgreSQL, then on a SQLite file in a child process.

Creates the bench database when missing (never touches any other), migrates it, builds the demo city.
"""

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = "/tmp/minsheng_bench_courses.sqlite3"  # noqa: S108 - a scratch database of the bench
MB = 1024 * 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="minsheng_bench_courses")
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--workers", type=int, default=40)
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
    from bench.machine import line

    prepare()
    if not args.sqlite_child:
        print(line())
        serving(args)
    race(args)
    if args.sqlite_child or args.skip_sqlite:
        return
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


def _course(title, **extra):
    from accounts.models import User
    from courses import services
    from orgs.models import Unit

    root = User.objects.get(username="admin")
    course = services.course_create(actor=root, unit=Unit.objects.get(code="140702000000"), data=services.CourseData(
        title=f"{title} {time.time_ns()}", category="other", mode=extra.pop("mode", "centre"), centre="榆次区文化馆",
        **extra))
    return root, course


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serving(args) -> None:
    from django.conf import settings
    from django.core.files import File
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from courses import services
    from courses.models import Course
    from courses.samples import make_mp4_head

    media = tempfile.mkdtemp(prefix="minsheng-bench-courses-")
    settings.MEDIA_ROOT = media
    settings.ALLOWED_HOSTS = ["*"]
    source = Path(media) / "source.mp4"
    with source.open("wb") as out:  # written a MB at a time: the file never sits in memory
        out.write(make_mp4_head())
        block = os.urandom(MB)
        written = len(make_mp4_head())
        while written < args.mb * MB:
            piece = block[: min(MB, args.mb * MB - written)]
            out.write(piece)
            written += len(piece)
    root, course = _course("基准测试视频课", mode="online", open_lessons=True)
    with source.open("rb") as handle:
        lesson = services.lesson_upload(actor=root, course=course, title="50 MB 视频",
                                        upload=File(handle, name="big.mp4"))
    services.course_set_status(actor=root, course=Course.objects.get(pk=course.pk), action="publish")
    size = lesson.size
    url = f"/courses/lessons/{lesson.pk}/file/"
    client = Client()
    before = peak_rss_mb()
    print(f"serving a {size / MB:.0f} MB lesson ({url}); peak RSS before: {before:.1f} MB")
    cases = [("whole file", None), ("first MB", f"bytes=0-{MB - 1}"),
             ("seek to the middle, to the end", f"bytes={size // 2}-"), ("last MB (suffix)", f"bytes=-{MB}"),
             ("past the end", f"bytes={size}-")]
    for label, header in cases:
        connection.queries_log.clear()
        began, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **({"HTTP_RANGE": header} if header else {}))
            got = 0
            if getattr(response, "streaming", False):
                for chunk in response.streaming_content:
                    got += len(chunk)
            else:
                got = len(response.content)
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(f"  {label:32} {response.status_code} {response.get('Content-Range', ''):28} {got / MB:7.2f} MB "
              f"{took * 1000:7.0f} ms wall {cpu * 1000:6.0f} ms CPU {len(queries)} queries; "
              f"peak RSS {peak_rss_mb():.1f} MB")
    after = peak_rss_mb()
    verdict = "bounded" if after - before < args.mb / 2 else "NOT BOUNDED"
    print(f"peak RSS after: {after:.1f} MB (+{after - before:.1f} MB for {args.mb} MB served several times: {verdict})")
    source.unlink()


def race(args) -> None:
    from django.db import connection

    from accounts.models import User, UserKind
    from courses import services
    from courses.models import Course
    from courses.race import enrol_at_once

    root, course = _course("抢位课", capacity=args.places)
    course = services.course_set_status(actor=root, course=Course.objects.get(pk=course.pk), action="publish")
    stamp = time.time_ns() % 10**8
    people = User.objects.bulk_create([User(username=f"bench-{stamp}-{n}", kind=UserKind.RESIDENT)
                                       for n in range(args.requests)])
    began, cpu = time.perf_counter(), time.process_time()
    result = enrol_at_once(course=course, people=people, workers=args.workers)
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    ok = (result.enrolled, result.waiting, result.course_enrolled, result.rows_enrolled) == (
        args.places, args.requests - args.places, args.places, args.places) and not result.errors
    print(f"race on {connection.vendor}: {args.requests} residents for {args.places} places from {args.workers} "
          f"threads → {result.enrolled} enrolled, {result.waiting} waiting, {len(result.errors)} errors; course "
          f"counter {result.course_enrolled}, enrolled rows {result.rows_enrolled}; {took * 1000:.0f} ms wall, "
          f"{cpu * 1000:.0f} ms CPU {'OK' if ok else 'WRONG'}")
    for error in result.errors[:3]:
        print("  error:", error)


if __name__ == "__main__":
    main()
