"""gunicorn settings for Minsheng:  gunicorn -c deploy/gunicorn.conf.py minsheng.wsgi:application

Each setting can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT, GUNICORN_LOG_LEVEL; read by minsheng.env's strict helpers, so a
wrong value stops start-up with its name) or on the command line, which wins over this file.

Why these values (measured with bench/appeals_create.py; README, performance table):
- Requests are short and spend most of their time on the CPU in Django or waiting on PostgreSQL
  on the same machine, so a few processes do best: one per core, plus one to use a core while
  another worker waits on the database; every process more only adds switching and memory.
- gthread workers keep HTTP connections alive (the sync worker closes each one), so an integrating
  system that sends many requests does not pay a TCP handshake per request; one thread per worker
  keeps each Django process single-threaded (a second thread only contends for the GIL).
- Each worker keeps its database connection open between requests (CONN_MAX_AGE in settings), so
  there is no connection setup per request; no preload_app, so no connection is ever shared
  across a fork.
- No access log by default: the reverse proxy in front keeps one; ``--access-logfile -`` adds it.
"""

import multiprocessing
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, wherever gunicorn starts

from minsheng.env import env_choice, env_int, env_str  # noqa: E402

bind = env_str("GUNICORN_BIND", "127.0.0.1:8000")
workers = env_int("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1, minimum=1)
worker_class = "gthread"
threads = env_int("GUNICORN_THREADS", 1, minimum=1)
keepalive = 5  # seconds an idle kept-alive connection stays open
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = 30
# Past this many queued connections the kernel refuses new ones instead of letting latency grow.
backlog = 256
loglevel = env_choice("GUNICORN_LOG_LEVEL", "warning", ("debug", "info", "warning", "error", "critical"))
wsgi_app = "minsheng.wsgi:application"
