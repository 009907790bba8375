"""Read-only reporting on PostgreSQL streaming replicas (``DATABASE_REPLICA_URLS``); everything else on the
primary.

A page opts in with ``@replica_view`` (or a block with ``with reading_from_replica():``): the 三率 page,
the leader's dashboard and the exports, whose figures may be a few seconds behind without harm. Inside,
``ReplicaRouter`` sends reads to a replica and writes (an export's audit record) to the primary. Outside,
and always for what must read its own writes, everything is on the primary:
- a read inside a transaction on the primary (a service that locks and then reads) stays there;
- sessions, users, credentials and roles, the database cache (rate-limit counters, access versions),
  django-axes and the task queue are never read from a replica (their value of a second ago is wrong);
- the replica is checked when the block opens: one that cannot be reached is passed over, and with none
  the block reads from the primary, so a replica's outage makes reports fresher, not broken.

With no replica configured (the default) there is no router and nothing changes."""

import contextvars
import logging
import random
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger("minsheng.core.dbrouter")

REPLICA_PREFIX = "replica"
# App labels whose rows must be read as written, whatever the page asked for: who is signed in, their
# credentials and roles (a revoked role stops reaching rows at once, as on the primary), the counters of
# the rate limits, the task queue.
PRIMARY_ONLY = frozenset({"sessions", "django_cache", "axes", "django_tasks_database", "contenttypes", "auth",
                          "accounts", "orgs"})

_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("minsheng_replica", default=None)


ROUTER = "core.dbrouter.ReplicaRouter"


def replica_aliases() -> list[str]:
    """The replicas reads may go to: none unless the router is installed."""
    if ROUTER not in settings.DATABASE_ROUTERS:
        return []
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def _usable(alias: str) -> bool:
    try:
        connections[alias].ensure_connection()
    except Exception:  # noqa: BLE001 - any failure to reach a replica means "use another one, or the primary"
        logger.warning("replica %s cannot be reached; reading from another or from the primary", alias)
        return False
    return True


def choose_replica() -> str | None:
    """A replica that answers (tried in random order, to spread the load), or None for the primary."""
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None  # the caller is in the middle of a write: it reads its own writes
    aliases = replica_aliases()
    random.shuffle(aliases)
    return next((alias for alias in aliases if _usable(alias)), None)


@contextmanager
def reading_from_replica():
    """Reads inside go to a replica when one answers (``current_read_alias()`` says which)."""
    token = _reading_from.set(choose_replica())
    try:
        yield _reading_from.get()
    finally:
        _reading_from.reset(token)


def current_read_alias() -> str:
    return _reading_from.get() or DEFAULT_DB_ALIAS


def replica_view(view):
    """A page whose reads may come from a replica. Who is signed in is settled on the primary first (the
    session and the user as they are now), then the view runs inside ``reading_from_replica``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = getattr(request, "user", None)
        if user is not None:
            getattr(user, "pk", None)  # evaluate the lazy user (and its session) on the primary
        with reading_from_replica():
            return view(request, *args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Installed only when replicas are configured (minsheng/settings.py, when DATABASE_REPLICA_URLS names one)."""

    def db_for_read(self, model, **hints):
        alias = _reading_from.get()
        if alias is None or model._meta.app_label in PRIMARY_ONLY:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # a replica is a copy of the primary: it is never migrated itself
