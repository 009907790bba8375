"""Weekly patterns: slots made ahead once each, holidays skipped where the resource says so, a manual slot
that overlaps refused, the daily task moving the horizon; and "open now" on a public holiday."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from appeals.models import CalendarDay
from core.audit import AuditEvent
from core.errors import BadInput, InvalidTransition, NotAllowed
from facilities import selectors, services
from facilities.models import Resource, ResourceKind, Slot

# A Monday a week or two ahead, whatever day the suite runs: its slots are all still to come.
_TODAY = date.today()
MONDAY = _TODAY + timedelta(days=14 - _TODAY.weekday())


@pytest.fixture
def room(fac):
    return services.resource_save(actor=fac.cast.root, resource=Resource(
        facility=fac.hall, name="乒乓球室", kind=ResourceKind.VENUE, capacity=8, closed_on_holidays=True))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_a_weekday_pattern_makes_the_weeks_slots_once(fac, room):
    pattern, run = services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[0, 1, 2, 3, 4],
                                           starts=time(9), ends=time(11), weeks_ahead=2, today=MONDAY)
    assert run.created == 10 and run.holidays == 0 and run.taken == 0
    slots = list(Slot.objects.filter(resource=room).order_by("starts_at"))
    assert [timezone.localtime(s.starts_at).date().weekday() for s in slots] == [0, 1, 2, 3, 4] * 2
    assert all(s.capacity == 8 and timezone.localtime(s.starts_at).time() == time(9) for s in slots)
    # The daily task the next day adds only the new day at the end of the horizon (a Monday two weeks on).
    again = services.patterns_extend(today=MONDAY)
    assert again.created == 0 and Slot.objects.filter(resource=room).count() == 10
    later = services.patterns_extend(today=MONDAY + timedelta(days=1))
    assert later.created == 1
    assert timezone.localtime(Slot.objects.filter(resource=room).latest("starts_at").starts_at).date() == \
        MONDAY + timedelta(days=14)
    assert AuditEvent.objects.filter(verb="facilities.pattern.create").exists()
    pattern.refresh_from_db()
    assert pattern.generated_until == MONDAY + timedelta(days=14)


def test_public_holidays_are_skipped_when_the_resource_says_so(fac, room):
    CalendarDay.objects.create(date=MONDAY + timedelta(days=2), kind="holiday", name="测试假日")
    _pattern, run = services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[0, 1, 2, 3, 4],
                                            starts=time(9), ends=time(11), weeks_ahead=1, today=MONDAY)
    assert run.created == 4 and run.holidays == 1
    days = {timezone.localtime(s.starts_at).date() for s in Slot.objects.filter(resource=room)}
    assert MONDAY + timedelta(days=2) not in days
    # A court open on holidays gets its slot that day.
    _pattern, run = services.pattern_create(actor=fac.cast.root, resource=fac.court, weekdays=[2],
                                            starts=time(15), ends=time(16), weeks_ahead=1, today=MONDAY)
    assert run.created == 1 and run.holidays == 0


def test_no_overlap_with_manual_slots_or_other_patterns(fac, room):
    manual = services.slot_add(actor=fac.cast.root, resource=room, starts_at=_at(MONDAY + timedelta(days=1), 10),
                               ends_at=_at(MONDAY + timedelta(days=1), 12))
    pattern, run = services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[0, 1, 2],
                                           starts=time(9), ends=time(11), weeks_ahead=1, today=MONDAY)
    assert run.created == 2 and run.taken == 1
    assert Slot.objects.filter(resource=room).count() == 3 and Slot.objects.filter(pk=manual.pk).exists()
    # A manual slot over a generated one is refused, in Chinese, and nothing is added.
    with pytest.raises(BadInput, match="重叠"):
        services.slot_add(actor=fac.cast.root, resource=room, starts_at=_at(MONDAY, 10, 30),
                          ends_at=_at(MONDAY, 11, 30))
    assert Slot.objects.filter(resource=room).count() == 3
    # A second pattern over the same days and hours is refused; on other days it is fine.
    with pytest.raises(BadInput, match="重叠"):
        services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[2, 5], starts=time(10),
                                ends=time(12), today=MONDAY)
    _other, run = services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[5], starts=time(10),
                                          ends=time(12), weeks_ahead=1, today=MONDAY)
    assert run.created == 1
    with pytest.raises(BadInput, match="至少选择一周中的一天"):
        services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[], starts=time(9), ends=time(10),
                                today=MONDAY)
    with pytest.raises(BadInput):
        services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[6], starts=time(11), ends=time(10),
                                today=MONDAY)


def test_stopping_a_pattern_cancels_its_empty_slots_and_keeps_booked_ones(fac, room):
    today = timezone.localdate()
    pattern, run = services.pattern_create(actor=fac.cast.root, resource=room, weekdays=list(range(7)),
                                           starts=time(20), ends=time(21), weeks_ahead=1, today=today)
    booked = Slot.objects.filter(pattern=pattern, starts_at__gt=timezone.now()).order_by("starts_at").last()
    services.booking_create(actor=fac.cast.resident, slot=booked)
    cancelled = services.pattern_stop(actor=fac.cast.root, pattern=pattern)
    assert cancelled == Slot.objects.filter(pattern=pattern, starts_at__gt=timezone.now()).count() - 1
    booked.refresh_from_db()
    assert not booked.is_cancelled
    assert services.patterns_extend(today=today + timedelta(days=3)).created == 0
    with pytest.raises(InvalidTransition):
        services.pattern_stop(actor=fac.cast.root, pattern=pattern)


def test_only_those_who_run_the_facility_make_patterns(fac, room):
    with pytest.raises(NotAllowed):
        services.pattern_create(actor=fac.cast.taigu_handler, resource=room, weekdays=[0], starts=time(9),
                                ends=time(10), today=MONDAY)
    assert not Slot.objects.filter(resource=room).exists()


def test_the_daily_command_extends_every_pattern(fac, room):
    services.pattern_create(actor=fac.cast.root, resource=room, weekdays=[0, 2, 4], starts=time(9), ends=time(10),
                            weeks_ahead=1)
    count = Slot.objects.filter(resource=room).count()
    call_command("facilities_slots", stdout=open("/dev/null", "w"))
    assert Slot.objects.filter(resource=room).count() == count


def test_open_now_is_closed_on_a_public_holiday_where_the_facility_says_so(fac):
    monday_morning = _at(MONDAY, 9)
    assert selectors.is_open(fac.hall, monday_morning)
    CalendarDay.objects.create(date=MONDAY, kind="holiday", name="测试假日")
    assert selectors.is_open(fac.hall, monday_morning)  # not closed on holidays
    services.facility_update(actor=fac.cast.root, facility=fac.hall, data=services.FacilityData(
        name=fac.hall.name, hours="1-7 00:00-24:00", closed_on_holidays=True))
    fac.hall.refresh_from_db()
    assert not selectors.is_open(fac.hall, monday_morning)
    open_now = selectors.directory(open_now=True, now=monday_morning)
    assert fac.canteen in open_now and fac.hall not in open_now


def test_no_slot_is_made_that_has_begun(fac, room):
    today = timezone.localdate()
    _pattern, run = services.pattern_create(actor=fac.cast.root, resource=room, weekdays=list(range(7)),
                                            starts=time(0, 0), ends=time(0, 30), weeks_ahead=1, today=today)
    starts = [s.starts_at for s in Slot.objects.filter(resource=room)]
    assert run.created == 6 and all(s > timezone.now() for s in starts)
