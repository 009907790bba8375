"""A per-process cache of each staff member's memberships, the input of the scope rule, and the
version of who-may-do-what that also tags the API tokens each process keeps (accounts.credentials).

Every request of a staff member (a page, an API call) resolves their scope; reading their
memberships with their units and departments is a four-table join whose planning and building cost
more than the rest of an API create's checks together. The memberships change rarely, so each
process keeps them, tagged with the org network's version: a value in the shared cache (Redis or the
database cache) that every save or delete of a membership, unit, department or API token, every new
account and every change of an account's access replaces (``org_changed``, connected in the apps'
``ready``; a token's revocation calls it itself). A request reads that version, one cache read, and
uses the kept memberships only if they were read under the same version; so a role granted or
revoked in one process applies to the next request in every process.

If the shared cache fails, nothing is kept (every request reads the database, as without this
cache), and entries expire after ``MAX_AGE`` seconds anyway, so a change whose version bump was lost
in a cache outage applies within that time."""

import logging
import threading
import time
import uuid

from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

VERSION_KEY = "orgs:network-version"
MAX_AGE = 300  # seconds


class Kept:
    """What one process keeps of one kind (memberships by user, tokens or keys by hash), each entry
    tagged with the version it was read under and used only under that version, for ``MAX_AGE``."""

    stores: list["Kept"] = []

    def __init__(self, max_entries: int = 20_000):
        self.entries: dict = {}
        self.max_entries = max_entries
        Kept.stores.append(self)

    def get(self, key, version: str | None):
        entry = self.entries.get(key) if version is not None else None
        if entry is None or entry[0] != version or entry[1] < time.monotonic() - MAX_AGE:
            return None
        return entry[2]

    def put(self, key, version: str | None, value) -> None:
        if version is None:  # the shared cache failed: nothing is kept
            return
        if len(self.entries) >= self.max_entries:
            self.entries.clear()
        self.entries[key] = (version, time.monotonic(), value)

    def get_or_read(self, key, read):
        """The value kept for ``key`` under the current version, else ``read()`` (kept if it returns;
        an exception it raises, such as DoesNotExist, reaches the caller and nothing is kept)."""
        version = network_version()
        value = self.get(key, version)
        if value is None:
            value = read()
            self.put(key, version, value)
        return value


memberships = Kept()  # by user id: the user's Membership rows with their units and departments
units_by_code = Kept()  # by division code: the active Unit (a place an API client names by its code)

# The version read once per request: a request checks its credential and its scope against one
# version (both used to read it, two shared-cache round trips per API call). Set only between
# Django's request_started and request_finished, so a task or a shell always reads afresh.
_request = threading.local()


def request_started(**_kwargs) -> None:
    _request.active, _request.version = True, None


def request_finished(**_kwargs) -> None:
    _request.active, _request.version = False, None


def network_version() -> str | None:
    """The org network's current version, or None when the shared cache cannot be read; read once
    per request (a change committed during a request applies from the next one)."""
    if getattr(_request, "active", False):
        if _request.version is None:
            _request.version = _read_version()
        return _request.version
    return _read_version()


def version_read_with(value) -> None:
    """The version as a caller read it at the start of this request (the API's rate-limit round trip
    reads it too, core.ratelimit): used as this request's, saving a round trip of its own."""
    if value is not None and getattr(_request, "active", False) and _request.version is None:
        _request.version = value


def _read_version() -> str | None:
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
    for store in Kept.stores:
        store.entries.clear()
    _request.version = None  # this process's own change applies to the rest of its request too
    try:
        # In a savepoint: with the database cache, a failed write must not abort the caller's
        # transaction (PostgreSQL refuses every later statement of an aborted one).
        with transaction.atomic():
            cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:  # noqa: BLE001
        log.exception("could not publish an org network change; other processes see it within %s s", MAX_AGE)


def org_changed(**_kwargs) -> None:
    """Signal receiver: a membership, unit, department, API token or user's access changed; every
    process re-reads (memberships here, tokens and keys in accounts.credentials). Published
    now and again when the transaction commits: a process that read the old rows under the first new
    version (the change was not committed yet) must not keep them."""
    _publish()
    transaction.on_commit(_publish)


# The fields of a user that decide what they may do; a save naming only others (last_login at each
# sign-in) publishes nothing.
ACCESS_FIELDS = {"is_active", "is_superuser", "is_staff", "kind"}


def user_changed(created: bool = False, update_fields=None, **kwargs) -> None:
    """A new account (which may reuse a deleted one's id on SQLite) or a change of a user's access."""
    if created or update_fields is None or ACCESS_FIELDS & set(update_fields):
        org_changed(**kwargs)
