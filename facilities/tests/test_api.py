"""The facilities API (/api/v1/facilities/): the directory with its filters for any credential, a
facility with its resources and open slots; a person books, lists and cancels their own; staff check a
booking in; refusals come with the reason and change nothing."""

import pytest

from accounts.apikeys import apikey_issue
from accounts.tokens import token_issue
from facilities import services
from facilities.models import Booking
from facilities.tests.conftest import OLD_85

BASE = "/api/v1/facilities"


def bearer(fac, user):
    _token, clear = token_issue(actor=fac.cast.root, user=user, name="小程序")
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


@pytest.fixture
def key(fac):
    _key, raw = apikey_issue(actor=fac.cast.root, organisation="小程序后台", units=[fac.cast.yuci])
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_the_directory_filters_and_orders_nearest_first(client, fac, key):
    body = client.get(f"{BASE}/", **key).json()
    assert {f["name"] for f in body["items"]} == {"顺城社区长者食堂", "顺城社区体育馆"} and body["count"] == 2
    body = client.get(f"{BASE}/", {"type": "canteen"}, **key).json()
    assert [f["name"] for f in body["items"]] == ["顺城社区长者食堂"]
    body = client.get(f"{BASE}/", {"lat": 37.711, "lng": 112.751}, **key).json()
    assert [f["name"] for f in body["items"]] == ["顺城社区体育馆", "顺城社区长者食堂"]
    assert body["items"][0]["distance_km"] < body["items"][1]["distance_km"]
    assert client.get(f"{BASE}/", {"unit": fac.cast.taigu.code}, **key).json()["count"] == 0
    assert client.get(f"{BASE}/", {"unit": "999999999999"}, **key).status_code == 404
    assert client.get(f"{BASE}/", {"lat": 200, "lng": 1}, **key).status_code == 422
    assert client.get(f"{BASE}/").status_code == 401


def test_a_facility_its_resources_and_open_slots(client, fac, key):
    body = client.get(f"{BASE}/{fac.canteen.pk}", **key).json()
    assert body["name"] == "顺城社区长者食堂" and [r["name"] for r in body["resources"]] == ["午餐"]
    assert body["hours"] and body["open_now"] in (True, False)
    slots = client.get(f"{BASE}/{fac.canteen.pk}/slots", **key).json()
    assert [s["id"] for s in slots] == [fac.meal.pk] and slots[0]["free"] == 20 and "红烧肉" in slots[0]["menu"]
    assert client.get(f"{BASE}/999999", **key).status_code == 404


def test_a_resident_books_lists_and_cancels_their_own(client, fac):
    auth = bearer(fac, fac.family)
    response = client.post(f"{BASE}/slots/{fac.meal.pk}/bookings", {"for_name": "张大爷", "for_id_number": OLD_85},
                           content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "confirmed" and body["for_name"] == "张**" and body["meal_price"] == "8.00"
    assert OLD_85 not in response.content.decode()
    # The same booking again: refused in Chinese, nothing written.
    again = client.post(f"{BASE}/slots/{fac.meal.pk}/bookings", {"for_name": "张大爷", "for_id_number": OLD_85},
                        content_type="application/json", **auth)
    assert again.status_code == 400 and "预约过" in again.json()["detail"]
    assert Booking.objects.count() == 1
    mine = client.get(f"{BASE}/bookings/mine", **auth).json()
    assert [b["code"] for b in mine] == [body["code"]]
    # Someone else's booking is not found; one's own is cancelled.
    other = bearer(fac, fac.cast.resident)
    assert client.post(f"{BASE}/bookings/{body['id']}/cancel", **other).status_code == 404
    response = client.post(f"{BASE}/bookings/{body['id']}/cancel", **auth)
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert client.post(f"{BASE}/bookings/{body['id']}/cancel", **auth).status_code == 409


def test_an_organisation_key_reads_but_does_not_book(client, fac, key):
    response = client.post(f"{BASE}/slots/{fac.game.pk}/bookings", {}, content_type="application/json", **key)
    assert response.status_code == 403 and not Booking.objects.exists()
    assert client.get(f"{BASE}/bookings/mine", **key).status_code == 403


def test_staff_check_a_booking_in_by_code(client, fac):
    booking = services.booking_create(actor=fac.cast.resident, slot=fac.game)  # tomorrow's game
    # Outside the facility's staff: not found; its keeper on another day: refused with the reason.
    assert client.post(f"{BASE}/checkin/{booking.code}", **bearer(fac, fac.cast.taigu_handler)).status_code == 404
    response = client.post(f"{BASE}/checkin/{booking.code}", **bearer(fac, fac.cast.root))
    assert response.status_code == 400 and "不是今天" in response.json()["detail"]
    booking.refresh_from_db()
    assert booking.state == "confirmed"
    assert client.post(f"{BASE}/checkin/not-a-code!", **bearer(fac, fac.cast.root)).status_code in (404, 422)
