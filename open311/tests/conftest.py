"""Open311 test helpers: API keys of integrating organisations, scoped to units."""

from itertools import count
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from conftest import make_staff
from orgs.models import Role

_numbers = count(1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def keys(cast):
    """``keys.issue(units)`` → (raw key, key) for an organisation that may file and read in ``units``;
    ``keys.revoke(key)``."""
    from accounts.tokens import token_issue, token_revoke

    def issue(units, name="FixMyStreet 晋中"):
        account = make_staff(f"org-{next(_numbers)}", *[(Role.DISPATCHER, unit) for unit in units], root=cast.root)
        token, raw = token_issue(actor=cast.root, user=account, name=name)
        return raw, token

    def revoke(key):
        token_revoke(actor=cast.root, token=key)

    return SimpleNamespace(issue=issue, revoke=revoke)
