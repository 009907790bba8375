"""Staff search (appeals.selectors.appeals_search): by words, by tracking code, and by the resident's
phone, which is stored encrypted and found through its blind index, within the searcher's scope only."""

import pytest
from django.urls import reverse

from appeals.selectors import appeals_search, appeals_visible_to
from appeals.services import appeal_dispatch
from appeals.tests.conftest import new_appeal

QUEUE = reverse("appeals:staff_queue")


@pytest.fixture
def calls(cast):
    """A caller's demand in 榆次区 given with a mobile, another with a landline, one in 太谷区 with the
    same mobile, and one whose text mentions a phone number."""
    c = type("Calls", (), {})()
    c.yuci_mobile = new_appeal(cast, title="楼道灯坏了", contact_name="王芳", contact_phone="139 0354 1234")
    c.yuci_landline = new_appeal(cast, title="井盖丢失", contact_phone="0354-3021234")
    c.taigu_mobile = new_appeal(cast, title="东阳村停水", place=cast.village, contact_phone="13903541234")
    c.mentions = new_appeal(cast, title="请回电", description="请打13903541234联系我")
    appeal_dispatch(actor=cast.dispatcher, appeal=c.yuci_mobile, target=cast.yuci_health)
    return c


def found(user, query):
    return set(appeals_search(appeals_visible_to(user), query).values_list("code", flat=True))


@pytest.mark.parametrize("typed", ["13903541234", "139 0354 1234", "139-0354-1234", "+86 139 0354 1234",
                                   "１３９０３５４１２３４"])
def test_a_whole_mobile_finds_the_demands_with_that_contact_phone_in_scope(cast, calls, typed):
    # The 榆次区 dispatcher finds the 榆次区 demand, never 太谷区's; a demand whose text merely mentions the
    # number is not one the caller gave it as their contact.
    assert found(cast.dispatcher, typed) == {calls.yuci_mobile.code}
    assert found(cast.taigu_supervisor, typed) == {calls.taigu_mobile.code}
    assert found(cast.city_supervisor, typed) == {calls.yuci_mobile.code, calls.taigu_mobile.code}


def test_a_landline_with_its_area_code_is_found_written_either_way(cast, calls):
    assert found(cast.dispatcher, "0354-3021234") == {calls.yuci_landline.code}
    assert found(cast.dispatcher, "03543021234") == {calls.yuci_landline.code}
    assert found(cast.taigu_supervisor, "0354-3021234") == set()


@pytest.mark.parametrize("partial", ["1390354", "139035412", "1234", "3021234", "139****1234"])
def test_part_of_a_number_finds_nothing(cast, calls, partial):
    assert found(cast.city_supervisor, partial) == set()


def test_a_handler_finds_only_what_they_hold(cast, calls):
    assert found(cast.handler_a, "13903541234") == {calls.yuci_mobile.code}
    assert found(cast.handler_b, "13903541234") == set()


def test_words_and_codes_still_work(cast, calls):
    assert found(cast.dispatcher, "楼道灯") == {calls.yuci_mobile.code}
    assert found(cast.dispatcher, calls.yuci_landline.code.lower()) == {calls.yuci_landline.code}


def test_the_queue_search_box_finds_by_phone(cast, calls, client):
    client.force_login(cast.dispatcher)
    response = client.get(QUEUE, {"queue": "all", "q": "139 0354 1234"})
    assert response.status_code == 200
    assert {row["appeal"].code for row in response.context["rows"]} == {calls.yuci_mobile.code}
    page = response.content.decode()
    assert calls.yuci_mobile.code in page and "13903541234" not in page  # the list never shows the number
    client.force_login(cast.taigu_supervisor)
    rows = client.get(QUEUE, {"queue": "all", "q": "13903541234"}).context["rows"]
    assert {row["appeal"].code for row in rows} == {calls.taigu_mobile.code}
