# ruff: noqa: S108, S608 - a fixed work directory for clusters this script owns; SQL built from constants only
"""Proof of the multi-server deployment on one machine (deploy/README.md):

    .venv/bin/python scripts/multi_server_proof.py [--requests 3000] [--concurrency 8] [--task-backend rq] [--keep]

1. A PostgreSQL primary and a streaming replica made from it with pg_basebackup, each a cluster of its
   own under /tmp/minsheng-proof (ports 5433 and 5434). The machine's shared server (5432) is used when it
   accepts replication connections; here its pg_hba.conf has no ``replication`` line (a reload, not a
   restart, would add one), and a base backup of it would copy every other database it holds, so the
   script makes a primary of its own: the same PostgreSQL, the same settings a deployment needs
   (wal_level=replica, max_wal_senders, a replication line in pg_hba.conf).
2. Migrations and the demo city on the primary; the replica follows by itself.
3. Two gunicorn app servers and two task workers (manage.py db_worker; with ``--task-backend rq``,
   ``manage.py rqworker`` taking the tasks from Redis database 8), sharing nothing but PostgreSQL and
   Redis (database 9 of 127.0.0.1:6379: cache, rate limits, access versions).
4. The intake load (POST /api/v1/appeals/ as in bench/appeals_create.py, each request with its own
   Idempotency-Key) sent to both servers in turn, as a load balancer does; a request that gets no answer
   is sent again, with the same key, to the other server (what nginx's proxy_next_upstream or the
   client's retry does). A third of the way in, one app server is killed (SIGKILL, workers and all); half
   way, one task worker is killed while it delivers notifications.
5. Counts: every create acknowledged (201, or 200 for a retry the server had already done) is in the
   database exactly once; nothing acknowledged is lost; every notification of the run is delivered once
   the killed worker's lease (5 minutes, appeals.notifications.LEASE) has run out.
6. The 三率 page served by the surviving server, read from the replica: the replica's counters of rows
   read grow by the page's reads, the primary's do not (pg_stat_database), and its connections are
   listed on the replica (pg_stat_activity).
Everything started is stopped at the end (with --keep the clusters stay for a look)."""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/minsheng-proof")
HOST = "127.0.0.1"
PRIMARY_PORT, REPLICA_PORT = 5433, 5434
DB = "minsheng"
TASK_REDIS = f"redis://{HOST}:6379/8"  # the tasks' own Redis database with --task-backend rq, emptied first
PG_BIN = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]) if Path("/usr/lib/postgresql").exists() else None
SUBJECTS = [
    ("小区供暖不热", "3号楼暖气一直不热，室温只有12度，请尽快处理。"),
    ("路灯不亮", "小区门口路灯坏了一周，晚上出行不安全。"),
    ("噪音扰民", "附近工地夜间施工，噪音很大，影响休息。"),
    ("垃圾清运不及时", "小区垃圾站三天没有清运，气味很大。"),
]
started: list[subprocess.Popen] = []


def say(text: str) -> None:
    print(text, flush=True)


def as_postgres(*command: str, check: bool = True, capture: bool = False) -> subprocess.CompletedProcess:
    """PostgreSQL's tools refuse to run as root: run them as the postgres account."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=check, text=True, capture_output=capture)  # noqa: S603


def psql(port: int, sql: str, db: str = "postgres") -> str:
    result = subprocess.run([str(PG_BIN / "psql"), "-h", HOST, "-p", str(port), "-U", "postgres", "-d", db,  # noqa: S603
                             "-Atc", sql], check=True, capture_output=True, text=True)
    return result.stdout.strip()


def shared_primary_allows_replication() -> bool:
    try:
        rules = psql(5432, "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)")
        level = psql(5432, "SHOW wal_level")
    except (subprocess.CalledProcessError, FileNotFoundError):
        return False
    say(f"shared server 127.0.0.1:5432: wal_level={level}, pg_hba.conf replication lines: {rules}")
    return rules != "0" and level in ("replica", "logical")


def make_clusters() -> None:
    if WORK.exists():
        stop_clusters()
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(WORK, "postgres", "postgres")
    primary, replica = WORK / "primary", WORK / "replica"
    as_postgres(str(PG_BIN / "initdb"), "-D", str(primary), "--auth=trust", "-E", "UTF8", "--locale=C",
                capture=True)
    with open(primary / "postgresql.conf", "a") as conf:
        conf.write(f"\nport = {PRIMARY_PORT}\nlisten_addresses = '{HOST}'\nunix_socket_directories = '{WORK}'\n"
                   "wal_level = replica\nmax_wal_senders = 4\nshared_buffers = 64MB\nmax_connections = 60\n")
    with open(primary / "pg_hba.conf", "a") as hba:
        hba.write(f"host replication all {HOST}/32 trust\n")
    as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(primary), "-l", str(WORK / "primary.log"), "-w", "start",
                capture=True)
    say(f"primary: initdb + wal_level=replica, a replication line in pg_hba.conf, started on {HOST}:{PRIMARY_PORT}")
    as_postgres(str(PG_BIN / "pg_basebackup"), "-h", HOST, "-p", str(PRIMARY_PORT), "-U", "postgres", "-D",
                str(replica), "-R", "-X", "stream", "-c", "fast", capture=True)
    with open(replica / "postgresql.auto.conf", "a") as conf:
        conf.write(f"port = {REPLICA_PORT}\nhot_standby = on\n")
    as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(replica), "-l", str(WORK / "replica.log"), "-w", "start",
                capture=True)
    say(f"replica: pg_basebackup -R -X stream from the primary, started on {HOST}:{REPLICA_PORT}, "
        f"in recovery: {psql(REPLICA_PORT, 'SELECT pg_is_in_recovery()')}")
    say("primary's pg_stat_replication: " + psql(PRIMARY_PORT, "SELECT state || ' (' || sync_state || ')' FROM "
                                                               "pg_stat_replication"))


def stop_clusters() -> None:
    for name in ("replica", "primary"):
        if (WORK / name / "postmaster.pid").exists():
            as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(WORK / name), "-m", "fast", "-w", "stop", check=False,
                        capture=True)


def environment(task_backend: str) -> dict:
    keys = subprocess.run([sys.executable, "manage.py", "personal_data_keys"], cwd=ROOT,  # noqa: S603
                          env=dict(os.environ, DEBUG="1"), capture_output=True, text=True, check=True).stdout
    keys = dict(line.split("=", 1) for line in keys.splitlines() if line and not line.startswith("#"))
    return dict(os.environ, **keys, DEBUG="0", SECRET_KEY="proof-" + "x" * 44, ALLOWED_HOSTS=HOST,
                DATABASE_URL=f"postgres://postgres@{HOST}:{PRIMARY_PORT}/{DB}",
                DATABASE_REPLICA_URLS=f"postgres://postgres@{HOST}:{REPLICA_PORT}/{DB}",
                REDIS_URL=f"redis://{HOST}:6379/9", DJANGO_SETTINGS_MODULE="minsheng.settings", LOG_LEVEL="ERROR",
                SMS_BACKEND="accounts.sms.LogBackend",
                API_RATE_LIMIT_PER_IP="1000000", API_RATE_LIMIT_PER_KEY="1000000",
                GUNICORN_WORKERS="2", TASK_BACKEND=task_backend, TASK_REDIS_URL=TASK_REDIS)


def prepare(env: dict) -> tuple[str, list[str], str]:
    """Schema and demo city on the primary; an API token of the city's dispatcher; a session of its leader."""
    from importlib import import_module

    psql(PRIMARY_PORT, f'CREATE DATABASE "{DB}"')
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run([sys.executable, "manage.py", "seed_demo", "--force", "-v", "0"], cwd=ROOT, env=env,  # noqa: S603
                   check=True, stdout=subprocess.DEVNULL)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User
    from accounts.tokens import token_issue
    from orgs.models import Level, Unit

    root = User.objects.filter(is_superuser=True).order_by("pk").first()
    _token, token = token_issue(actor=root, user=User.objects.get(username="jz_dispatcher"), name="proof")
    places = list(Unit.objects.filter(level=Level.VILLAGE, is_active=True).values_list("code", flat=True))
    leader = User.objects.get(username="jz_leader")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(leader.pk), "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = leader.get_session_auth_hash()
    session.create()
    return token, places, session.session_key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start(command: list[str], env: dict, log: str) -> subprocess.Popen:
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True,  # noqa: S603
                               stdout=open(WORK / log, "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
    started.append(process)
    return process


def kill(process: subprocess.Popen) -> None:
    """SIGKILL to the process and everything it started (its session): no goodbye, as in a crash."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/v1/openapi.json")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the app server on {port} did not answer")


def drive(ports: list[int], token: str, places: list[str], total: int, concurrency: int, run_id: str,
          events: dict) -> list[dict]:
    """``total`` creates, each to the next server in turn; no answer → the same request (same key) to the
    other server. ``events``: {request number: callable} run when that request is reached."""
    counter = iter(range(total))
    lock = threading.Lock()
    outcomes: list[dict] = []

    def client(seed: int):
        rng = random.Random(seed)
        connections = {port: http.client.HTTPConnection(HOST, port, timeout=30) for port in ports}
        while True:
            with lock:
                number = next(counter, None)
                action = events.pop(number, None) if number is not None else None
            if number is None:
                break
            if action:
                action()
            title, description = rng.choice(SUBJECTS)
            body = json.dumps({"type": "complaint", "title": title, "description": description,
                               "place_code": rng.choice(places), "external_id": f"proof-{run_id}-{number}"},
                              ensure_ascii=False).encode()
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
                       "Idempotency-Key": str(uuid.uuid4())}
            outcome = {"n": number, "attempts": 0, "status": 0, "code": None}
            port = ports[number % len(ports)]
            for _attempt in range(6):
                outcome["attempts"] += 1
                connection = connections[port]
                try:
                    connection.request("POST", "/api/v1/appeals/", body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    outcome["status"] = response.status
                    if response.status in (200, 201):
                        outcome["code"] = json.loads(data)["code"]
                        break
                    if response.status < 500:
                        break
                except (OSError, http.client.HTTPException):
                    connection.close()
                    outcome["status"] = 0
                port = ports[(ports.index(port) + 1) % len(ports)]  # the other server
            with lock:
                outcomes.append(outcome)
        for connection in connections.values():
            connection.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def stats(port: int) -> tuple[int, int]:
    row = psql(port, f"SELECT tup_returned + tup_fetched, xact_commit FROM pg_stat_database WHERE datname = '{DB}'")
    returned, commits = row.split("|")
    return int(returned), int(commits)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--task-backend", choices=("database", "rq"), default="database",
                        help="where the tasks wait: PostgreSQL (db_worker) or Redis (rqworker)")
    parser.add_argument("--keep", action="store_true", help="leave the clusters running at the end")
    args = parser.parse_args()
    if PG_BIN is None:
        sys.exit("PostgreSQL's programs are not installed (/usr/lib/postgresql/*/bin)")
    wall, cpu = time.perf_counter(), time.process_time()
    say(f"load on the machine at the start (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} cores")
    if shared_primary_allows_replication():
        say("(the shared server accepts replication; this script still uses a cluster of its own, so as not to "
            "copy the other databases it holds)")
    else:
        say("the shared server accepts no replication connection (pg_hba.conf) without a change of its "
            "configuration: this script makes a primary of its own")
    try:
        make_clusters()
        env = environment(args.task_backend)
        if args.task_backend == "rq":
            import redis

            redis.Redis.from_url(TASK_REDIS).flushdb()
        token, places, session_key = prepare(env)
        say(f"schema and demo city on the primary; replica lag (bytes): "
            f"{psql(PRIMARY_PORT, 'SELECT pg_current_wal_lsn() - replay_lsn FROM pg_stat_replication')}")
        ports = [free_port(), free_port()]
        gunicorn = [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py")]
        servers = [start([*gunicorn, "--bind", f"{HOST}:{port}"], env, f"app-{port}.log") for port in ports]
        if args.task_backend == "rq":
            worker = [sys.executable, "manage.py", "rqworker", "--job-class", "django_tasks_rq.Job", "default"]
            workers = [start([*worker, "--name", f"proof-{n}-{uuid.uuid4().hex[:6]}"], env, f"worker-{n}.log")
                       for n in (1, 2)]
        else:
            worker = [sys.executable, "manage.py", "db_worker", "--interval", "0.5", "--no-startup-delay"]
            workers = [start([*worker, "--worker-id", f"proof-{n}"], env, f"worker-{n}.log") for n in (1, 2)]
        for port in ports:
            wait_until_up(port)
        say(f"app servers: gunicorn on {HOST}:{ports[0]} and {HOST}:{ports[1]} (2 workers each); task workers: 2 "
            f"({'rqworker, tasks in Redis' if args.task_backend == 'rq' else 'db_worker, tasks in PostgreSQL'})")

        from django.db.models import Count

        from appeals.models import Appeal, AppealEvent
        from appeals.notifications import LEASE
        from appeals.tasks import deliver_notifications

        stop_feeding = threading.Event()

        def feed():  # the scheduler's part: the notification sweep queued for the workers every second
            while not stop_feeding.wait(1.0):
                deliver_notifications.enqueue()

        feeder = threading.Thread(target=feed)
        feeder.start()
        run_id = uuid.uuid4().hex[:8]
        killed = {}

        def kill_server():
            killed["server"] = time.perf_counter()
            kill(servers[0])
            say(f"  killed app server {HOST}:{ports[0]} (SIGKILL to gunicorn and its workers)")

        def kill_worker():
            killed["worker"] = time.perf_counter()
            kill(workers[0])
            say("  killed task worker proof-1 (SIGKILL)")

        say(f"driving {args.requests} creates from {args.concurrency} clients across both app servers ...")
        begun = time.perf_counter()
        outcomes = drive(ports, token, places, args.requests, args.concurrency, run_id,
                         {args.requests // 3: kill_server, args.requests // 2: kill_worker})
        elapsed = time.perf_counter() - begun
        acknowledged = [o for o in outcomes if o["status"] in (200, 201)]
        retried = [o for o in outcomes if o["attempts"] > 1]
        rows = Appeal.objects.filter(external_id__startswith=f"proof-{run_id}-")
        stored = set(rows.values_list("code", flat=True))
        lost = [o for o in acknowledged if o["code"] not in stored]
        twice = rows.count() - len(set(rows.values_list("external_id", flat=True)))
        statuses = {}
        for outcome in outcomes:
            statuses[outcome["status"]] = statuses.get(outcome["status"], 0) + 1
        say(f"{len(outcomes)} requests in {elapsed:.1f} s ({len(acknowledged) / elapsed:.0f} acknowledged creates/s "
            f"while losing a server); final answers by status: {dict(sorted(statuses.items()))}")
        say(f"requests that needed the other server: {len(retried)}; acknowledged: {len(acknowledged)}; "
            f"rows of this run in the database: {rows.count()}; created twice: {twice}; "
            f"acknowledged but missing (LOST): {len(lost)}")

        events = AppealEvent.objects.filter(appeal__external_id__startswith=f"proof-{run_id}-")
        deadline = time.monotonic() + LEASE.total_seconds() + 90
        pending = events.filter(delivery=AppealEvent.Delivery.PENDING)
        time.sleep(5)
        if pending.exists():
            say(f"  notifications still to send: {pending.count()} (those the killed worker had claimed wait for "
                f"its lease, {LEASE.total_seconds() / 60:.0f} minutes, before the other worker takes them)")
        while pending.exists() and time.monotonic() < deadline:
            time.sleep(5)
        stop_feeding.set()
        feeder.join()
        by_state = dict(events.order_by().values_list("delivery").annotate(n=Count("pk")))
        say(f"notification outbox of this run by state: {by_state}  (pending left: {pending.count()})")

        # The 三率 page from the surviving server, read from the replica. The worker is stopped first, so that
        # the primary's counters move only for what the page itself reads there (the session, the user, roles).
        for process in workers:
            kill(process)
        time.sleep(11)  # let both servers flush their statistics (PostgreSQL reports an idle backend's within 10 s)
        before = {"primary": stats(PRIMARY_PORT), "replica": stats(REPLICA_PORT)}
        connection = http.client.HTTPConnection(HOST, ports[1], timeout=60)
        connection.request("GET", "/appeals/kpi/", headers={"Cookie": f"sessionid={session_key}",
                                                            "Accept-Language": "zh-hans"})
        response = connection.getresponse()
        page = response.read().decode()
        time.sleep(11)
        after = {"primary": stats(PRIMARY_PORT), "replica": stats(REPLICA_PORT)}
        say(f"GET /appeals/kpi/ on {HOST}:{ports[1]} as jz_leader: {response.status}, {len(page):,} bytes, "
            f"三率 on the page: {'三率' in page}")
        for name in ("replica", "primary"):
            say(f"  {name}: rows read +{after[name][0] - before[name][0]:,}, transactions "
                f"+{after[name][1] - before[name][1]:,}")
        say("  replica connections from the app servers: " + psql(
            REPLICA_PORT, f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB}' AND backend_type = "
                          "'client backend' AND pid <> pg_backend_pid()"))
        verdict = not lost and not twice and not pending.exists() and response.status == 200 and \
            after["replica"][0] - before["replica"][0] > after["primary"][0] - before["primary"][0]
        say(f"RESULT: {'PASS' if verdict else 'FAIL'}: 0 lost = {not lost}, 0 twice = {not twice}, "
            f"outbox drained = {not pending.exists()}, KPI page read from the replica = "
            f"{after['replica'][0] - before['replica'][0] > after['primary'][0] - before['primary'][0]}")
        say(f"this script's own CPU: {time.process_time() - cpu:.1f} s; wall: {time.perf_counter() - wall:.0f} s; "
            f"load at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        for process in started:
            if process.poll() is None:
                kill(process)
        if not args.keep:
            stop_clusters()
            shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
