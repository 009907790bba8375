"""The one credential system behind API tokens and API keys (accounts.credentials): for each kind, a
secret is issued with the kind's prefix and stored only as its hash, revoked once (one audit row),
looked up into a private copy of what the process keeps, and its use recorded at most once a minute."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.apikeys import KEYS, apikey_issue, apikey_revoke
from accounts.credentials import LAST_USED_RESOLUTION
from accounts.tokens import TOKENS, token_issue, token_revoke
from core.models import AuditEvent


def _token(cast):
    return (*token_issue(actor=cast.root, user=cast.dispatcher, name="desk app"), TOKENS, "api_token", "ms_")


def _key(cast):
    return (*apikey_issue(actor=cast.root, organisation="FixMyStreet 晋中", units=[cast.yuci]), KEYS, "api_key",
            "msk_")


def _revoke(cast, credential):
    if credential._meta.model_name == "apitoken":
        return token_revoke(actor=cast.root, token=credential)
    return apikey_revoke(actor=cast.root, key=credential)


@pytest.fixture(params=[_token, _key], ids=["token", "key"])
def issued(request, cast):
    """(credential, clear secret, its kind, its audit verb, its prefix) for each kind."""
    return request.param(cast)


def test_issue_keeps_only_a_hash_and_audits(issued):
    credential, raw, _kind, verb, prefix = issued
    assert raw.startswith(credential.prefix) and credential.prefix.startswith(prefix)
    assert credential.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    stored = type(credential).objects.values().get(pk=credential.pk)
    assert raw not in {str(value) for value in stored.values()}
    audit = AuditEvent.objects.get(verb=f"{verb}.issue")
    assert audit.target_id == str(credential.pk) and raw not in str(audit.data)


def test_lookup_gives_each_call_its_own_copy_of_what_the_process_keeps(issued):
    credential, raw, kind, _verb, _prefix = issued
    first = kind.lookup(raw)
    assert first == credential and first.is_active
    with CaptureQueriesContext(connection) as queries:
        second = kind.lookup(f"  {raw} ")
    assert second == credential and second is not first
    assert not [q for q in queries if f'"{credential._meta.db_table}"' in q["sql"]]  # kept, not read again
    assert kind.lookup(raw[:-1] + ("x" if raw[-1] != "x" else "y")) is None
    assert kind.lookup("") is None


def test_revoke_is_immediate_idempotent_and_audited_once(cast, issued):
    credential, raw, kind, verb, _prefix = issued
    assert kind.lookup(raw).revoked_at is None
    _revoke(cast, credential)
    _revoke(cast, credential)
    assert credential.revoked_at is not None and not credential.is_active
    assert kind.lookup(raw).revoked_at is not None  # the kept copy was forgotten
    assert AuditEvent.objects.filter(verb=f"{verb}.revoke").count() == 1


def test_use_is_recorded_at_most_once_a_minute(issued):
    credential, raw, kind, _verb, _prefix = issued
    found = kind.lookup(raw)
    kind.touch(found)
    first_use = type(credential).objects.get(pk=credential.pk).last_used_at
    assert first_use is not None
    kind.touch(kind.lookup(raw))  # the kept copy knows the use: no second write
    assert type(credential).objects.get(pk=credential.pk).last_used_at == first_use
    later = kind.lookup(raw)
    later.last_used_at = timezone.now() - LAST_USED_RESOLUTION - timedelta(seconds=1)
    kind.touch(later)
    assert type(credential).objects.get(pk=credential.pk).last_used_at > first_use
