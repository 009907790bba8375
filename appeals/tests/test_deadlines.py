"""Deadlines in working time (08:30–17:30, Monday–Friday, with the 2026 holiday calendar seeded by
migration 0002), the 12345 defaults, and DeadlineRule overrides by type and category."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from appeals.deadlines import add_duration, add_working_time, deadlines_from, is_working_day, rule_for
from appeals.models import AppealType, CalendarDay, Category, DeadlineRule, DurationUnit, State, Urgency
from appeals.services import appeal_accept, appeal_dispatch
from conftest import new_appeal

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*parts):
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def office_hours(settings, db):
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.WORKING_HOURS = (time(8, 30), time(17, 30))


# --- working-time arithmetic -------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "expected"), [
    (at(2026, 3, 13, 16, 30), at(2026, 3, 16, 9, 30)),   # Friday afternoon → Monday morning
    (at(2026, 3, 13, 20, 0), at(2026, 3, 16, 10, 30)),   # Friday evening: the clock starts on Monday
    (at(2026, 3, 14, 11, 0), at(2026, 3, 16, 10, 30)),   # a Saturday
    (at(2026, 3, 16, 7, 0), at(2026, 3, 16, 10, 30)),    # before opening
    (at(2026, 3, 16, 15, 30), at(2026, 3, 16, 17, 30)),  # ends exactly at closing time
])
def test_two_working_hours_across_a_weekend_and_outside_hours(start, expected):
    assert add_working_time(start, timedelta(hours=2)) == expected


def test_seven_working_days_skip_the_weekend():
    # Monday 10:00 + 5 working days is the next Monday; + 7 the Wednesday after.
    assert add_duration(at(2026, 3, 16, 10, 0), 7, DurationUnit.WORKING_DAYS) == at(2026, 3, 25, 10, 0)


def test_seven_working_days_across_national_day_and_its_make_up_saturday():
    # 国庆 Oct 1–7 are holidays; Saturday Oct 10 is a working day. Without the calendar this would be Oct 9.
    assert add_duration(at(2026, 9, 30, 10, 0), 7, DurationUnit.WORKING_DAYS) == at(2026, 10, 15, 10, 0)


def test_a_make_up_sunday_counts_as_a_working_day():
    # Sunday Sept 20 is worked (国庆调休): two working hours from Friday 16:30 end on that Sunday.
    assert add_working_time(at(2026, 9, 18, 16, 30), timedelta(hours=2)) == at(2026, 9, 20, 9, 30)


def test_fifteen_working_days_step_over_qingming():
    # Monday March 16 + 15 working days would be Monday April 6, but 清明 (Apr 4–6) pushes it to the 7th.
    assert add_duration(at(2026, 3, 16, 10, 0), 15, DurationUnit.WORKING_DAYS) == at(2026, 4, 7, 10, 0)


def test_the_seeded_calendar():
    assert not is_working_day(at(2026, 10, 1).date())  # 国庆
    assert is_working_day(at(2026, 10, 10).date())  # Saturday, make-up day
    assert not is_working_day(at(2026, 10, 11).date())  # an ordinary Sunday
    assert is_working_day(at(2026, 10, 12).date())
    assert not is_working_day(at(2026, 2, 17).date())  # 春节


def test_an_administrators_calendar_edit_takes_effect_at_once():
    start = at(2026, 3, 13, 16, 30)
    assert add_working_time(start, timedelta(hours=2)) == at(2026, 3, 16, 9, 30)
    day = CalendarDay.objects.create(date=at(2026, 3, 16).date(), kind=CalendarDay.Kind.HOLIDAY, name="地方假日")
    assert add_working_time(start, timedelta(hours=2)) == at(2026, 3, 17, 9, 30)
    # Changing the row in place (same count, same newest id) must be seen too.
    CalendarDay.objects.filter(pk=day.pk).update(date=at(2026, 3, 17).date())
    assert add_working_time(start, timedelta(hours=2)) == at(2026, 3, 16, 9, 30)
    day.refresh_from_db()
    day.date, day.kind = at(2026, 3, 14).date(), CalendarDay.Kind.WORKDAY
    day.save()
    assert add_working_time(start, timedelta(hours=2)) == at(2026, 3, 14, 9, 30)


# --- the defaults of 12345 practice --------------------------------------------------------------------------

def test_emergency_is_two_natural_hours_even_at_night_on_a_weekend():
    accept_by, due = deadlines_from(at(2026, 3, 14, 23, 0), urgency=Urgency.EMERGENCY)
    assert due == at(2026, 3, 15, 1, 0)
    assert accept_by == due  # acceptance can never be later than the whole deadline


def test_utilities_are_twenty_four_natural_hours_through_a_holiday():
    _accept_by, due = deadlines_from(at(2026, 9, 30, 10, 0), urgency=Urgency.UTILITIES)
    assert due == at(2026, 10, 1, 10, 0)


def test_acceptance_is_due_two_working_hours_after_dispatch():
    accept_by, due = deadlines_from(at(2026, 9, 30, 16, 0), urgency=Urgency.ORDINARY)
    assert accept_by == at(2026, 10, 8, 9, 0)  # 1.5 hours on Sept 30, the rest after the holiday
    assert due == at(2026, 10, 15, 16, 0)


def test_complex_matters_get_fifteen_working_days():
    assert deadlines_from(at(2026, 3, 16, 10, 0), urgency=Urgency.COMPLEX)[1] == at(2026, 4, 7, 10, 0)


# --- through the services, with the clock frozen ---------------------------------------------------------------

def test_dispatch_on_friday_afternoon_sets_both_deadlines(cast):
    with time_machine.travel(at(2026, 3, 13, 16, 30), tick=False):
        appeal = new_appeal(cast)
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    assert appeal.dispatched_at == at(2026, 3, 13, 16, 30)
    assert appeal.accept_due_at == at(2026, 3, 16, 9, 30)
    assert appeal.due_at == at(2026, 3, 24, 16, 30)
    with time_machine.travel(at(2026, 3, 16, 9, 45), tick=False):
        appeal_accept(actor=cast.handler_a, appeal=appeal)
    assert appeal.state == State.HANDLING and appeal.accepted_on_time is False


def test_accepting_within_two_working_hours_is_on_time(cast):
    with time_machine.travel(at(2026, 3, 13, 16, 30), tick=False):
        appeal = new_appeal(cast)
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    with time_machine.travel(at(2026, 3, 16, 9, 15), tick=False):
        appeal_accept(actor=cast.handler_a, appeal=appeal)
    assert appeal.accepted_on_time is True


# --- DeadlineRule overrides ------------------------------------------------------------------------------------

@pytest.fixture
def heating(db):
    return Category.objects.create(code="heating", name="供暖", urgency=Urgency.UTILITIES)


def test_a_rule_per_type_overrides_the_default():
    DeadlineRule.objects.create(urgency=Urgency.ORDINARY, appeal_type=AppealType.INQUIRY, handle_amount=3,
                                handle_unit=DurationUnit.WORKING_DAYS, accept_working_hours=1)
    accept_by, due = deadlines_from(at(2026, 3, 16, 10, 0), urgency=Urgency.ORDINARY,
                                    appeal_type=AppealType.INQUIRY)
    assert (accept_by, due) == (at(2026, 3, 16, 11, 0), at(2026, 3, 19, 10, 0))
    # Other types keep the default.
    assert deadlines_from(at(2026, 3, 16, 10, 0), urgency=Urgency.ORDINARY,
                          appeal_type=AppealType.COMPLAINT)[1] == at(2026, 3, 25, 10, 0)


def test_the_most_specific_rule_wins(heating):
    other = Category.objects.create(code="water", name="供水", urgency=Urgency.UTILITIES)
    DeadlineRule.objects.create(urgency=Urgency.UTILITIES, handle_amount=48, handle_unit=DurationUnit.NATURAL_HOURS)
    DeadlineRule.objects.create(urgency=Urgency.UTILITIES, category=heating, handle_amount=12,
                                handle_unit=DurationUnit.NATURAL_HOURS)
    DeadlineRule.objects.create(urgency=Urgency.UTILITIES, category=heating, appeal_type=AppealType.COMPLAINT,
                                handle_amount=6, handle_unit=DurationUnit.NATURAL_HOURS)
    DeadlineRule.objects.create(urgency=Urgency.UTILITIES, category=other, handle_amount=1,
                                handle_unit=DurationUnit.NATURAL_HOURS)
    assert rule_for(urgency=Urgency.UTILITIES, appeal_type=AppealType.COMPLAINT, category=heating)[:2] == (
        6, DurationUnit.NATURAL_HOURS)
    assert rule_for(urgency=Urgency.UTILITIES, appeal_type=AppealType.HELP, category=heating)[:2] == (
        12, DurationUnit.NATURAL_HOURS)
    assert rule_for(urgency=Urgency.UTILITIES, appeal_type=AppealType.HELP)[:2] == (48, DurationUnit.NATURAL_HOURS)
    assert rule_for(urgency=Urgency.ORDINARY, appeal_type=AppealType.HELP, category=heating)[:2] == (
        7, DurationUnit.WORKING_DAYS)


def test_dispatch_uses_the_categorys_rule(cast, heating):
    DeadlineRule.objects.create(urgency=Urgency.UTILITIES, category=heating, handle_amount=12,
                                handle_unit=DurationUnit.NATURAL_HOURS, accept_working_hours=1)
    with time_machine.travel(at(2026, 3, 13, 17, 0), tick=False):
        appeal = new_appeal(cast, category=heating)
        appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
    assert appeal.urgency == Urgency.UTILITIES
    assert appeal.due_at == at(2026, 3, 14, 5, 0)
    assert appeal.accept_due_at == at(2026, 3, 14, 5, 0)  # 1 working hour would be Monday 09:00: capped
