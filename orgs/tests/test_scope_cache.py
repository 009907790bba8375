"""Each process keeps staff members' memberships between requests (orgs.scope_cache); a role granted
or revoked, here or in another process, applies to the very next request."""

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from accounts.tokens import token_issue
from orgs import scope_cache
from orgs.models import Membership, Role
from orgs.services import membership_grant, membership_revoke

UNITS = "/api/v1/orgs/units"


def units_seen(client, clear):
    return {u["code"] for u in client.get(UNITS, HTTP_AUTHORIZATION=f"Bearer {clear}").json()}


def membership_queries(queries):
    return [q["sql"] for q in queries if 'FROM "orgs_membership"' in q["sql"]]


def test_a_revoked_role_stops_at_the_next_request(cast, client):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="desk app")
    assert cast.yuci.code in units_seen(client, clear)
    with CaptureQueriesContext(connection) as queries:
        assert cast.yuci.code in units_seen(client, clear)
    assert membership_queries(queries) == []  # kept from the first request

    membership_revoke(actor=cast.root, membership=Membership.objects.get(user=cast.dispatcher))
    assert units_seen(client, clear) == set()


def test_a_granted_role_applies_at_the_next_request(cast, client):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="desk app")
    assert cast.taigu.code not in units_seen(client, clear)
    membership_grant(actor=cast.root, user=cast.dispatcher, role=Role.DISPATCHER, unit=cast.taigu)
    assert cast.taigu.code in units_seen(client, clear)


def test_a_change_made_by_another_process_applies_too(cast, client):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="desk app")
    assert cast.yuci.code in units_seen(client, clear)
    kept = scope_cache.memberships.entries[cast.dispatcher.pk]
    # Another process revokes the role: the rows change and it publishes a new version in the shared
    # cache, while this process still keeps what it read before.
    Membership.objects.filter(user=cast.dispatcher).delete()
    scope_cache.memberships.entries[cast.dispatcher.pk] = kept
    cache.set(scope_cache.VERSION_KEY, "from-another-process", timeout=None)
    assert units_seen(client, clear) == set()


def test_when_the_shared_cache_fails_the_database_answers(cast, client, monkeypatch):
    _token, clear = token_issue(actor=cast.root, user=cast.dispatcher, name="desk app")

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(scope_cache.cache, "get", broken)
    with CaptureQueriesContext(connection) as queries:
        assert cast.yuci.code in units_seen(client, clear)
        assert cast.yuci.code in units_seen(client, clear)
    assert len(membership_queries(queries)) == 2  # nothing kept without a version


def test_a_new_account_never_inherits_a_deleted_ones_roles(cast, client):
    gone = User.objects.create_user(username="gone", kind="staff")
    membership_grant(actor=cast.root, user=gone, role=Role.DISPATCHER, unit=cast.yuci)
    _token, clear = token_issue(actor=cast.root, user=gone, name="old app")
    assert cast.yuci.code in units_seen(client, clear)
    pk = gone.pk
    gone.delete()
    newcomer = User.objects.create_user(username="newcomer", kind="staff")
    newcomer.pk = pk  # as SQLite may hand out a deleted row's id again
    assert scope_cache.memberships.get(pk, scope_cache.network_version()) is None


def test_a_failing_cache_never_breaks_the_change_that_publishes(cast, settings):
    # A database cache whose table is missing: on PostgreSQL the failed write would abort the
    # transaction of the change itself, had it not its own savepoint.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "no_such_cache_table"}}
    membership_grant(actor=cast.root, user=cast.dispatcher, role=Role.DISPATCHER, unit=cast.taigu)
    assert Membership.objects.filter(user=cast.dispatcher, unit=cast.taigu).exists()
