"""facilities's indicators in the 民生实事 registry: in March 2026 a few canteens, centres, meals and
bookings in 顺城社区 (榆次区) and 东阳村 (太谷区), all built through facilities's services, counted by hand."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import User, UserKind
from appeals import kpis
from facilities import selectors, services
from facilities.models import FacilityType, Resource, ResourceKind
from targets import registry

MARCH = kpis.month_period(2026, 3)
CODES = [
    "facilities.canteens_operating",
    "facilities.elderly_centers_operating",
    "facilities.rural_daycare_operating",
    "facilities.meals_served",
    "facilities.bookings_made",
    "facilities.show_up_rate",
]


def moment(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


def facility(cast, type_code, unit, name, status="operating", since="2026-01-01"):
    return services.facility_register(
        actor=cast.root,
        facility_type=FacilityType.objects.get(code=type_code),
        unit=unit,
        status=status,
        since=date.fromisoformat(since),
        data=services.FacilityData(name=name, hours="1-7 06:00-20:00"),
    )


def lunch(cast, canteen, day):
    meals = services.resource_save(
        actor=cast.root,
        resource=Resource(
            facility=canteen,
            name="午餐",
            kind=ResourceKind.MEAL,
            capacity=20,
            price=Decimal("15.00"),
            book_cutoff_minutes=120,
            cancel_cutoff_minutes=120,
        ),
    )
    start = moment(f"{day} 11:30")
    return services.slot_add(actor=cast.root, resource=meals, starts_at=start, ends_at=start + timedelta(hours=2))


def id_number(seq: int) -> str:
    """A 身份证号 born 1 January 1940 that facilities's booking form accepts."""
    from stdnum.cn import ric

    body = f"1407021940010101{seq % 10}"
    for last in "0123456789X":
        if ric.calc_check_digit(body + last) == last:
            return body + last
    raise AssertionError(body)


def book_meals(cast, slot, count, seq):
    """``count`` elderly people booked for by their family, a week ahead."""
    family = User.objects.create_user(username=f"r-family-{seq}", kind=UserKind.RESIDENT, phone=f"1390013{seq:04d}")
    booked_at = slot.starts_at - timedelta(days=7)
    return [
        services.booking_create(
            actor=family, slot=slot, for_name=f"老人{n}", for_id_number=id_number(seq + n), now=booked_at
        )
        for n in range(count)
    ]


@pytest.fixture
def city(cast):
    """On 31 March: 顺城社区 has canteen A operating (B opened on 10 March and closed on 20 March) and an
    elderly-care centre; 东阳村 has canteen C (operating from 5 March, built before), one day-care centre
    operating and another opening only on 2 April.

    Meals: canteen A on 10 March, four booked: two eaten, one cancelled, one missed; canteen C on 12 March,
    one booked and eaten; canteen A on 1 April, one booked (outside March). A court in 东阳村's centre on
    12 March: one booking kept."""
    c = SimpleNamespace(cast=cast)
    c.a = facility(cast, "canteen", cast.community, "顺城社区食堂A")
    c.b = facility(cast, "canteen", cast.community, "顺城社区食堂B", since="2026-03-10")
    services.facility_status_change(actor=cast.root, facility=c.b, status="closed", since=date(2026, 3, 20))
    facility(cast, "elderly_center", cast.community, "顺城社区养老服务中心", since="2026-02-01")
    c.c = facility(cast, "canteen", cast.village, "东阳村助餐点", status="building")
    services.facility_status_change(actor=cast.root, facility=c.c, status="operating", since=date(2026, 3, 5))
    c.daycare = facility(cast, "rural_daycare", cast.village, "东阳村日间照料中心", since="2026-02-01")
    facility(cast, "rural_daycare", cast.village, "东阳村第二日间照料中心", since="2026-04-02")

    a_slot = lunch(cast, c.a, "2026-03-10")
    eaten, eaten_too, cancelled, missed = book_meals(cast, a_slot, 4, seq=10)
    on_the_day = moment("2026-03-10 11:40")
    services.booking_check_in(actor=cast.root, booking=eaten, now=on_the_day)
    services.booking_check_in(actor=cast.root, booking=eaten_too, now=on_the_day)
    services.booking_cancel(actor=cancelled.holder, booking=cancelled, now=moment("2026-03-09 09:00"))
    assert services.slot_record_no_shows(actor=cast.root, slot=a_slot, now=moment("2026-03-10 14:00")) == 1
    missed.refresh_from_db()
    assert missed.state == "no_show"

    c_slot = lunch(cast, c.c, "2026-03-12")
    (village_meal,) = book_meals(cast, c_slot, 1, seq=30)
    services.booking_check_in(actor=cast.root, booking=village_meal, now=moment("2026-03-12 11:45"))

    april = services.slot_add(
        actor=cast.root,
        resource=a_slot.resource,
        starts_at=moment("2026-04-01 11:30"),
        ends_at=moment("2026-04-01 13:30"),
    )
    book_meals(cast, april, 1, seq=50)

    court = services.resource_save(
        actor=cast.root,
        resource=Resource(
            facility=c.daycare, name="活动室", kind=ResourceKind.VENUE, capacity=5, cancel_cutoff_minutes=60
        ),
    )
    game = services.slot_add(
        actor=cast.root, resource=court, starts_at=moment("2026-03-12 15:00"), ends_at=moment("2026-03-12 16:00")
    )
    player = services.booking_create(actor=cast.resident, slot=game, now=moment("2026-03-11 09:00"))
    services.booking_check_in(actor=cast.root, booking=player, now=moment("2026-03-12 15:05"))
    return c


def figures(code, units, period=MARCH):
    with registry.batch():
        found = registry.get(code).values(units, period)
    return [found[unit.pk] for unit in units]


def test_the_indicators_are_registered_in_the_services_section():
    for code in CODES:
        indicator = registry.get(code)
        assert indicator is not None, code
        assert indicator.section == "services" and indicator.section_order == 30
        assert str(indicator.section_label) == "服务"
    assert registry.get("facilities.show_up_rate").is_rate
    assert str(registry.get("facilities.canteens_operating").name) == "运营中的社区食堂/助餐点"


def test_facilities_operating_on_the_periods_last_day(cast, city):
    units = [cast.city, cast.yuci, cast.taigu, cast.community, cast.village]
    canteens = figures("facilities.canteens_operating", units)
    assert [v.value for v in canteens] == [2, 1, 1, 1, 1]  # A and C; B closed on 20 March
    centres = figures("facilities.elderly_centers_operating", units)
    assert [v.value for v in centres] == [1, 1, 0, 1, 0]
    daycare = figures("facilities.rural_daycare_operating", units)
    assert [v.value for v in daycare] == [1, 0, 1, 0, 1]  # the second opens on 2 April
    # The same as the selector the facilities pages use.
    assert canteens[1].value == selectors.facilities_operating(type_code="canteen", unit=cast.yuci, on=MARCH.end)
    # A past day is read from the status history: on 15 March B was operating, C too; in February neither.
    mid_march = kpis.Period(date(2026, 3, 1), date(2026, 3, 15))
    assert [v.value for v in figures("facilities.canteens_operating", units, mid_march)] == [3, 2, 1, 2, 1]
    february = kpis.month_period(2026, 2)
    assert [v.value for v in figures("facilities.canteens_operating", units, february)] == [1, 1, 0, 1, 0]
    april = kpis.month_period(2026, 4)
    assert figures("facilities.rural_daycare_operating", [cast.village], april)[0].value == 2


def test_meals_and_bookings_over_the_period(cast, city):
    units = [cast.city, cast.yuci, cast.taigu, cast.community, cast.village]
    meals = figures("facilities.meals_served", units)
    assert [v.value for v in meals] == [3, 2, 1, 2, 1]  # cancelled and missed meals are not served
    assert meals[0].value == selectors.meals_served(since=MARCH.start, until=MARCH.end, unit=cast.city)
    bookings = figures("facilities.bookings_made", units)
    assert [v.value for v in bookings] == [5, 3, 2, 3, 2]  # the missed one held a place; the cancelled not
    assert bookings[1].value == selectors.bookings_made(since=MARCH.start, until=MARCH.end, unit=cast.yuci)
    # April's booked lunch counts in April only.
    april = kpis.month_period(2026, 4)
    assert figures("facilities.bookings_made", [cast.community], april)[0].value == 1
    assert figures("facilities.meals_served", [cast.taigu], april)[0].value == 0


def test_show_up_rate_rolls_up_numerators_and_denominators(cast, city):
    city_, yuci, taigu, community, village = figures(
        "facilities.show_up_rate", [cast.city, cast.yuci, cast.taigu, cast.community, cast.village]
    )
    assert community.detail() == "2/3" and community.value == Decimal("66.67")
    assert village.detail() == "2/2" and village.value == 100
    assert yuci.detail() == "2/3" and taigu.detail() == "2/2"
    # The city: (2 + 2) / (3 + 2) = 80%, not the mean of 66.67% and 100%.
    assert city_.detail() == "4/5" and city_.value == 80
    # A month with no booking settled has no rate.
    assert figures("facilities.show_up_rate", [cast.city], kpis.month_period(2026, 1))[0].value is None
