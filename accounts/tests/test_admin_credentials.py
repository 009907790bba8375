"""The admin of API tokens and API keys (accounts.admin_credentials): only a superuser reaches it; a
credential is issued there and its secret shown once, on the page that follows, and never again; the
revoke action refuses it from the next request."""

import pytest
from django.core.cache import cache

from accounts.models import ApiKey, ApiToken

URL = "/api/v1/appeals/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_superuser_issues_a_token_in_the_admin_and_sees_it_once(cast, client):
    client.force_login(cast.root)
    assert client.get("/admin/accounts/apitoken/add/").status_code == 200
    response = client.post("/admin/accounts/apitoken/add/", {"user": cast.dispatcher.pk, "name": "12345 bridge"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    clear = response.context["clear"]
    assert clear in response.content.decode() and "no-store" in response["Cache-Control"]
    assert token.user == cast.dispatcher and token.created_by == cast.root
    assert clear not in client.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    listing = client.get("/admin/accounts/apitoken/").content.decode()
    assert token.prefix in listing and clear not in listing
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {clear}").status_code == 200
    client.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {clear}").status_code == 401


def test_other_administrators_cannot_reach_tokens_in_the_admin(cast, client):
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)
    assert client.get("/admin/accounts/apitoken/add/").status_code == 403


def test_superuser_issues_a_key_in_the_admin_sees_it_once_and_revokes_it(cast, client):
    client.force_login(cast.root)
    assert client.get("/admin/accounts/apikey/add/").status_code == 200
    response = client.post("/admin/accounts/apikey/add/", {
        "organisation": "FixMyStreet 晋中", "units": [cast.yuci.pk], "may_create": "on", "may_read": "on"})
    assert response.status_code == 200
    raw = response.context["clear"]
    page = response.content.decode()
    assert raw in page and "no-store" in response["Cache-Control"]
    assert "FixMyStreet 晋中" in page and cast.yuci.name in page and "api_key" in page
    key = ApiKey.objects.get()
    assert list(key.units.all()) == [cast.yuci] and key.created_by == cast.root
    listing = client.get("/admin/accounts/apikey/").content.decode()
    assert key.prefix in listing and raw not in listing
    assert raw not in client.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()
    client.post("/admin/accounts/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert ApiKey.objects.get().revoked_at is not None
    assert client.get(URL, **bearer(raw)).status_code == 401


def test_other_administrators_cannot_reach_keys_in_the_admin(cast, client):
    cast.admin.is_staff = True
    cast.admin.save()
    client.force_login(cast.admin)
    assert client.get("/admin/accounts/apikey/").status_code == 403
    assert client.get("/admin/accounts/apikey/add/").status_code == 403
