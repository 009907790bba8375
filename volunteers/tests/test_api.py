"""The volunteers API (/api/v1/volunteers/): activities open for sign-up for any credential; an approved
volunteer signs up (once), withdraws and reads their hours; others are refused with the reason."""

from unittest import mock

import pytest

from accounts.apikeys import apikey_issue
from accounts.tokens import token_issue
from volunteers import services
from volunteers.models import Signup
from volunteers.tests.conftest import make_volunteer

BASE = "/api/v1/volunteers"


def bearer(vol, user):
    _token, clear = token_issue(actor=vol.cast.root, user=user, name="志愿 app")
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


@pytest.fixture
def key(vol):
    _key, raw = apikey_issue(actor=vol.cast.root, organisation="志愿平台", units=[vol.cast.yuci])
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_activities_are_listed_with_their_slots(client, vol, activity, key):
    body = client.get(f"{BASE}/activities", **key).json()
    assert body["count"] == 1 and body["items"][0]["id"] == activity.pk
    assert body["items"][0]["slots"][0]["places_left"] == 3
    assert client.get(f"{BASE}/activities").status_code == 401


def test_a_volunteer_signs_up_once_withdraws_and_reads_their_hours(client, vol, activity, volunteer):
    auth = bearer(vol, volunteer.user)
    slot = activity.slots.get()
    url = f"{BASE}/activities/{activity.pk}/slots/{slot.pk}/signups"
    response = client.post(url, **auth)
    assert response.status_code == 201 and response.json()["status"] == "signed_up"
    again = client.post(url, **auth)
    assert again.status_code == 400 and "已报名" in again.json()["detail"]
    assert Signup.objects.count() == 1
    assert [s["id"] for s in client.get(f"{BASE}/signups/mine", **auth).json()] == [response.json()["id"]]
    withdrawn = client.post(f"{BASE}/signups/{response.json()['id']}/withdraw", **auth)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    hours = client.get(f"{BASE}/hours/mine", **auth).json()
    assert hours == {"total_minutes": 0, "total_hours": 0.0, "entries": []}


def test_hours_show_the_ledger(client, vol, activity, volunteer):
    slot = activity.slots.get()
    signup = services.signup_create(actor=volunteer.user, slot=slot)
    # The services read their clock from _now: check in and out at the slot's own times.
    with mock.patch("volunteers.services._now", return_value=slot.starts_at):
        services.signup_check_in(actor=volunteer.user, signup=signup)
    with mock.patch("volunteers.services._now", return_value=slot.ends_at):
        services.signup_check_out(actor=volunteer.user, signup=signup)
    body = client.get(f"{BASE}/hours/mine", **bearer(vol, volunteer.user)).json()
    assert body["total_minutes"] == slot.minutes and body["entries"][0]["activity"] == activity.title


def test_others_are_refused(client, vol, activity, key):
    slot = activity.slots.get()
    url = f"{BASE}/activities/{activity.pk}/slots/{slot.pk}/signups"
    assert client.post(url, **key).status_code == 403
    assert client.post(url, **bearer(vol, vol.cast.resident)).status_code == 403  # not a volunteer
    pending = make_volunteer(vol, phone="13900003333", seq="012", approve=False)
    response = client.post(url, **bearer(vol, pending.user))
    assert response.status_code == 403 and "审核" in response.json()["detail"]
    assert client.get(f"{BASE}/hours/mine", **key).status_code == 403
    assert client.post(f"{BASE}/activities/{activity.pk}/slots/999999/signups",
                       **bearer(vol, pending.user)).status_code == 404
    assert not Signup.objects.exists()
