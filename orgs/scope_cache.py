"""A per-process cache of each staff member's memberships, the input of the scope rule.

Every request of a staff member (a page, an API call) resolves their scope; reading their
memberships with their units and departments is a four-table join whose planning and building cost
more than the rest of an API create's checks together. The memberships change rarely, so each
process keeps them, tagged with the org network's version: a value in the shared cache (Redis or the
database cache) that every save or delete of a membership, unit, department or user replaces
(``org_changed``, connected in OrgsConfig.ready). A request reads that version, one cache read, and
uses the kept memberships only if they were read under the same version; so a role granted or
revoked in one process applies to the next request in every process.

If the shared cache fails, nothing is kept (every request reads the database, as without this
cache), and entries expire after ``MAX_AGE`` seconds anyway, so a change whose version bump was lost
in a cache outage applies within that time."""

import logging
import time
import uuid

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

VERSION_KEY = "orgs:network-version"
MAX_AGE = 300  # seconds
MAX_ENTRIES = 20_000

_kept: dict[int, tuple[str, float, list]] = {}


def network_version() -> str | None:
    """The org network's current version, or None when the shared cache cannot be read."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:  # noqa: BLE001 - the cache is an optimisation; the database still answers
        log.exception("org network version unavailable; memberships are read from the database")
        return None


def _publish() -> None:
    _kept.clear()
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001
        log.exception("could not publish an org network change; other processes see it within %s s", MAX_AGE)


def org_changed(**_kwargs) -> None:
    """Signal receiver: a membership, unit or department changed; every process re-reads. Published
    now and again when the transaction commits: a process that read the old rows under the first new
    version (the change was not committed yet) must not keep them."""
    _publish()
    transaction.on_commit(_publish)


def user_changed(created: bool = False, **kwargs) -> None:
    """A new account may reuse a deleted one's id (SQLite); other saves of a user change no membership."""
    if created:
        org_changed(**kwargs)


def kept_memberships(user_pk: int, version: str | None) -> list | None:
    if version is None:
        return None
    entry = _kept.get(user_pk)
    if entry is None or entry[0] != version or entry[1] < time.monotonic() - MAX_AGE:
        return None
    return entry[2]


def keep_memberships(user_pk: int, version: str | None, memberships: list) -> None:
    if version is None:
        return
    if len(_kept) >= MAX_ENTRIES:
        _kept.clear()
    _kept[user_pk] = (version, time.monotonic(), memberships)
