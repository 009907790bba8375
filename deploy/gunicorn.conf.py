"""gunicorn settings for Minsheng:  gunicorn -c deploy/gunicorn.conf.py minsheng.wsgi:application

Each setting can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS,
GUNICORN_THREADS, GUNICORN_TIMEOUT) or on the command line, which wins over this file.

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
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 1))
keepalive = 5  # seconds an idle kept-alive connection stays open
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# Past this many queued connections the kernel refuses new ones instead of letting latency grow.
backlog = 256
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
wsgi_app = "minsheng.wsgi:application"
