"""The booking engine and the canteen's meals, through the services: each refusal leaves the database
as it was and says why in Chinese."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import User, UserKind
from core.audit import AuditEvent
from core.errors import BadInput, InvalidTransition, NotAllowed
from facilities import selectors, services
from facilities.models import Booking, MealOrder, Slot
from facilities.tests.conftest import ADULT, OLD_70, OLD_85


def resident(n):
    return User.objects.create_user(username=f"r-{n}", kind=UserKind.RESIDENT, phone=f"1370000{n:04d}")


def test_booking_confirms_while_places_last_then_queues(fac):
    first = services.booking_create(actor=resident(1), slot=fac.game)
    second = services.booking_create(actor=resident(2), slot=fac.game)
    third = services.booking_create(actor=resident(3), slot=fac.game)
    assert [first.state, second.state, third.state] == ["confirmed", "confirmed", "waiting"]
    assert Slot.objects.get(pk=fac.game.pk).confirmed == 2
    assert list(first.events.values_list("verb", flat=True)) == ["book"]


def test_cancelling_promotes_the_first_on_the_waiting_list(fac):
    people = [resident(n) for n in range(4)]
    bookings = [services.booking_create(actor=p, slot=fac.game) for p in people]
    services.booking_cancel(actor=people[0], booking=bookings[0])
    states = {b.pk: b.state for b in Booking.objects.all()}
    assert states[bookings[0].pk] == "cancelled"
    assert states[bookings[2].pk] == "confirmed"  # first come on the list, first promoted
    assert states[bookings[3].pk] == "waiting"
    assert Slot.objects.get(pk=fac.game.pk).confirmed == 2
    assert Booking.objects.get(pk=bookings[2].pk).events.last().verb == "promote"


def test_a_second_booking_of_the_same_slot_is_refused(fac):
    person = resident(1)
    services.booking_create(actor=person, slot=fac.game)
    with pytest.raises(BadInput, match="已为您预约过"):
        services.booking_create(actor=person, slot=fac.game)
    assert Booking.objects.count() == 1 and Slot.objects.get(pk=fac.game.pk).confirmed == 1


def test_booking_after_the_cut_off_is_refused(fac):
    late = fac.meal.starts_at - timedelta(minutes=60)  # the lunch closes 120 minutes before
    with pytest.raises(BadInput, match="截止"):
        services.booking_create(actor=fac.family, slot=fac.meal, for_name="张大爷", for_id_number=OLD_85, now=late)
    assert Booking.objects.count() == 0 and MealOrder.objects.count() == 0


def test_cancelling_after_the_cut_off_is_refused_but_staff_may(fac):
    person = resident(1)
    booking = services.booking_create(actor=person, slot=fac.game)
    late = fac.game.starts_at - timedelta(minutes=30)
    with pytest.raises(BadInput, match="取消"):
        services.booking_cancel(actor=person, booking=booking, now=late)
    assert Booking.objects.get(pk=booking.pk).state == "confirmed"
    services.booking_cancel(actor=fac.cast.root, booking=booking, now=late)
    assert Booking.objects.get(pk=booking.pk).state == "cancelled"


def test_overlapping_slots_are_refused(fac):
    with pytest.raises(BadInput, match="重叠"):
        services.slot_add(actor=fac.cast.root, resource=fac.court, starts_at=fac.game.starts_at + timedelta(minutes=30),
                          ends_at=fac.game.ends_at + timedelta(minutes=30))
    assert fac.court.slots.count() == 1
    later = services.slot_add(actor=fac.cast.root, resource=fac.court, starts_at=fac.game.ends_at,
                              ends_at=fac.game.ends_at + timedelta(hours=1))
    assert later.capacity == 2  # back to back is fine


def test_check_in_then_no_show_and_the_limit_for_repeat_no_shows(fac):
    person = resident(1)
    booking = services.booking_create(actor=person, slot=fac.game)
    with pytest.raises(NotAllowed):
        services.booking_check_in(actor=fac.cast.handler_b, booking=booking, now=fac.game.starts_at)
    services.booking_check_in(actor=fac.cast.root, booking=booking, now=fac.game.starts_at)
    assert Booking.objects.get(pk=booking.pk).state == "checked_in"
    with pytest.raises(InvalidTransition, match="已核销"):
        services.booking_check_in(actor=fac.cast.root, booking=booking, now=fac.game.starts_at)

    # Three missed bookings in the window and the fourth is refused.
    for day in range(2, 5):
        start = fac.game.starts_at + timedelta(days=day)
        slot = services.slot_add(actor=fac.cast.root, resource=fac.court, starts_at=start,
                                 ends_at=start + timedelta(hours=1))
        services.booking_create(actor=person, slot=slot)
        assert services.slot_record_no_shows(actor=fac.cast.root, slot=slot, now=slot.ends_at) == 1
    start = fac.game.starts_at + timedelta(days=6)
    slot = services.slot_add(actor=fac.cast.root, resource=fac.court, starts_at=start, ends_at=start + timedelta(hours=1))
    with pytest.raises(NotAllowed, match="未到|再次预约"):
        services.booking_create(actor=person, slot=slot, now=fac.game.starts_at + timedelta(days=5))
    assert not slot.bookings.exists()


def test_meal_prices_by_age_and_care_category(fac, monkeypatch):
    full = services.booking_create(actor=fac.family, slot=fac.meal, for_name="李女士", for_id_number=ADULT)
    sixty = services.booking_create(actor=fac.family, slot=fac.meal, for_name="王大爷", for_id_number=OLD_70)
    eighty = services.booking_create(actor=fac.family, slot=fac.meal, for_name="张大爷", for_id_number=OLD_85,
                                     delivery=True, delivery_address="顺城街3号2单元")
    assert (full.meal.price, full.meal.subsidy) == (Decimal("15.00"), Decimal("0.00"))
    assert (sixty.meal.price, sixty.meal.subsidy, sixty.meal.rule) == (Decimal("12.00"), Decimal("3.00"), "60周岁以上老人")
    assert (eighty.meal.price, eighty.meal.subsidy) == (Decimal("8.00"), Decimal("7.00"))
    assert eighty.meal.delivery and eighty.meal.delivery_address == "顺城街3号2单元"
    # A 低保 member of the care registry pays less still.
    monkeypatch.setattr("care.selectors.category_codes_by_id_number", lambda number, on=None: ["dibao"])
    other = User.objects.create_user(username="r-x", kind=UserKind.RESIDENT, phone="13900139001")
    poor = services.booking_create(actor=other, slot=fac.meal, for_name="王大爷", for_id_number=OLD_70)
    assert (poor.meal.price, poor.meal.rule) == (Decimal("5.00"), "低保老人")


def test_the_care_registry_gives_the_category(fac):
    from care.models import CareCategory
    from care.services import membership_set, person_register

    person = person_register(actor=fac.cast.root, name="赵奶奶", id_number=OLD_85, unit=fac.cast.community)
    membership_set(actor=fac.cast.root, person=person, category=CareCategory.objects.get(code="tekun"),
                     since=timezone.localdate() - timedelta(days=10), source="civil_affairs", values={})
    booking = services.booking_create(actor=fac.family, slot=fac.meal, for_name="赵奶奶", for_id_number=OLD_85)
    assert (booking.meal.price, booking.meal.rule) == (Decimal("0.00"), "特困老人")


def test_proxy_booking_is_audited_and_a_grid_worker_may_order(fac):
    booking = services.booking_create(actor=fac.cast.grid_worker, slot=fac.meal, for_name="张大爷",
                                      for_id_number=OLD_85)
    event = AuditEvent.objects.get(verb="facilities.booking.proxy")
    assert event.actor == fac.cast.grid_worker and event.data["by_staff"] is True and event.data["for"] == "张**"
    assert "张大爷" not in event.target_label and OLD_85 not in str(event.data)
    assert booking.holder == fac.cast.grid_worker
    with pytest.raises(NotAllowed):  # a housing handler of the county is not the elder's grid worker
        services.booking_create(actor=fac.cast.handler_b, slot=fac.meal, for_name="张大爷", for_id_number=OLD_85)


def test_a_wrong_id_number_is_refused(fac):
    with pytest.raises(BadInput, match="校验"):
        services.booking_create(actor=fac.family, slot=fac.meal, for_name="张大爷", for_id_number="140702194001010015")
    assert not Booking.objects.exists()


def test_meal_counts_and_indicators(fac):
    a = services.booking_create(actor=fac.family, slot=fac.meal, for_name="张大爷", for_id_number=OLD_85,
                                delivery=True, delivery_address="顺城街3号")
    services.booking_create(actor=fac.family, slot=fac.meal, for_name="王大爷", for_id_number=OLD_70)
    services.booking_check_in(actor=fac.manager, booking=a, now=fac.meal.starts_at)
    day = timezone.localdate(fac.meal.starts_at)
    counts = selectors.meal_counts(day=day)[fac.canteen.pk]
    assert (counts.orders, counts.delivered, counts.checked_in, counts.subsidy) == (2, 1, 1, Decimal("10.00"))
    assert selectors.meals_served(since=day, until=day, unit=fac.cast.yuci) == 2
    assert selectors.meals_served(since=day, until=day, unit=fac.cast.taigu) == 0
    assert selectors.bookings_made(since=day, until=day, kind="meal") == 2


def test_operating_on_a_date_reads_the_status_history(fac):
    today = timezone.localdate()
    assert selectors.facilities_operating(type_code="canteen", unit=fac.cast.yuci, on=today) == 1
    services.facility_status_change(actor=fac.cast.root, facility=fac.canteen, status="closed",
                                    since=today + timedelta(days=5), note="装修")
    assert selectors.facilities_operating(type_code="canteen", unit=fac.cast.yuci, on=today) == 1
    assert selectors.facilities_operating(type_code="canteen", unit=fac.cast.yuci, on=today + timedelta(days=5)) == 0
    assert selectors.facilities_operating(type_code="canteen", on=today - timedelta(days=31)) == 0
    assert selectors.facilities_operating(type_code="canteen", unit=fac.cast.taigu, on=today) == 0
    with pytest.raises(BadInput, match="早于"):
        services.facility_status_change(actor=fac.cast.root, facility=fac.canteen, status="operating",
                                        since=today - timedelta(days=60))


def test_keepers_by_unit_and_department_kind(fac):
    from conftest import make_department, make_staff
    from orgs.models import DepartmentKind, Role

    civil = make_department(fac.cast.root, fac.cast.yuci, DepartmentKind.CIVIL_AFFAIRS, "榆次区民政局", "140702-civil")
    civil_handler = make_staff("civil", (Role.HANDLER, civil), root=fac.cast.root)
    data = services.FacilityData(name="新食堂")
    services.facility_update(actor=civil_handler, facility=fac.canteen, data=services.FacilityData(name="顺城食堂"))
    with pytest.raises(NotAllowed):  # 民政 keeps canteens, not sports halls
        services.facility_update(actor=civil_handler, facility=fac.hall, data=data)
    with pytest.raises(NotAllowed):  # the health bureau keeps clinics
        services.facility_update(actor=fac.cast.handler_a, facility=fac.canteen, data=data)
    with pytest.raises(NotAllowed):
        services.facility_update(actor=fac.cast.taigu_handler, facility=fac.canteen, data=data)


def test_opening_hours_are_read_and_open_now_answers(fac):
    with pytest.raises(BadInput, match="重叠"):
        services.facility_update(actor=fac.cast.root, facility=fac.hall, data=services.FacilityData(
            name="体育馆", hours="1-5 08:00-12:00\n3 11:00-13:00"))
    with pytest.raises(BadInput, match="第1行"):
        services.facility_update(actor=fac.cast.root, facility=fac.hall, data=services.FacilityData(
            name="体育馆", hours="工作日 8点到5点"))
    services.facility_update(actor=fac.cast.root, facility=fac.hall, data=services.FacilityData(
        name="体育馆", hours="周一至周五 08:00-12:00 14:00-18:00"))
    monday_morning = timezone.make_aware(timezone.datetime(2026, 11, 30, 9, 0))
    sunday = monday_morning - timedelta(days=1)
    assert selectors.is_open(fac.hall, monday_morning)
    assert not selectors.is_open(fac.hall, sunday)
    assert not selectors.is_open(fac.hall, monday_morning.replace(hour=13))


def test_a_grid_worker_of_a_grid_orders_at_the_communitys_canteen(fac):
    from conftest import make_staff, make_unit
    from orgs.models import Level, Role, UnitKind

    grid = make_unit(fac.cast.root, "140702001001001", "顺城社区第一网格", Level.GRID, UnitKind.GRID, fac.cast.community)
    worker = make_staff("grid1", (Role.GRID_WORKER, grid), root=fac.cast.root)
    booking = services.booking_create(actor=worker, slot=fac.meal, for_name="张大爷", for_id_number=OLD_85)
    assert booking.state == "confirmed"
    other = make_unit(fac.cast.root, "140703100201001", "东阳村第一网格", Level.GRID, UnitKind.GRID, fac.cast.village)
    outsider = make_staff("grid2", (Role.GRID_WORKER, other), root=fac.cast.root)
    with pytest.raises(NotAllowed):
        services.booking_create(actor=outsider, slot=fac.meal, for_name="张大爷", for_id_number=OLD_70)


def test_the_nightly_sweep_records_no_shows_once(fac):
    kept = services.booking_create(actor=resident(1), slot=fac.game)
    missed = services.booking_create(actor=resident(2), slot=fac.game)
    services.booking_check_in(actor=fac.cast.root, booking=kept, now=fac.game.starts_at)
    after = fac.game.ends_at + timedelta(hours=1)
    assert services.no_shows_sweep(now=after) == 1
    assert services.no_shows_sweep(now=after) == 0
    assert Booking.objects.get(pk=missed.pk).state == "no_show"
    assert Booking.objects.get(pk=kept.pk).state == "checked_in"
