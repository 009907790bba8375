"""Open311 test helpers: API keys of integrating organisations, scoped to units."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def keys(cast):
    """``keys.issue(units)`` → (raw key, key) for an organisation that may file and read in ``units``;
    ``keys.revoke(key)``."""
    from accounts.apikeys import apikey_issue, apikey_revoke

    def issue(units, name="FixMyStreet 晋中"):
        key, raw = apikey_issue(actor=cast.root, organisation=name, units=units)
        return raw, key

    def revoke(key):
        apikey_revoke(actor=cast.root, key=key)

    return SimpleNamespace(issue=issue, revoke=revoke)
