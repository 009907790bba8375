"""Deadlines in working time.

A working day is Monday to Friday, unless the holiday calendar (``CalendarDay``, editable in the
admin) says it is a public holiday or a make-up working day (调休). Working hours are one window a
day, WORKING_HOURS in settings (default 08:30–17:30). "7 working days" is 7 × the day's working
hours of working time, so an appeal received on Monday at 10:00 is due 7 working days later, on the
next Wednesday at 10:00 (Monday + 5 working days is the next Monday).
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from appeals.models import AppealType, CalendarDay, DeadlineRule, DurationUnit, Urgency

# 12345 practice, used when no DeadlineRule row says otherwise.
DEFAULT_RULES = {
    Urgency.EMERGENCY: (2, DurationUnit.NATURAL_HOURS),
    Urgency.UTILITIES: (24, DurationUnit.NATURAL_HOURS),
    Urgency.ORDINARY: (7, DurationUnit.WORKING_DAYS),
    Urgency.COMPLEX: (15, DurationUnit.WORKING_DAYS),
}
DEFAULT_ACCEPT_WORKING_HOURS = 2


def working_window() -> tuple[time, time]:
    start, end = settings.WORKING_HOURS
    return start, end


def _day_hours() -> timedelta:
    start, end = working_window()
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def calendar_exceptions() -> dict[date, str]:
    # Read afresh each time: a few dozen rows a year, one query. A cache keyed on the row count and
    # newest id missed an administrator changing a day in place (holiday → make-up day).
    return dict(CalendarDay.objects.values_list("date", "kind"))


def is_working_day(day: date, exceptions: dict[date, str] | None = None) -> bool:
    exceptions = calendar_exceptions() if exceptions is None else exceptions
    kind = exceptions.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def add_working_time(start: datetime, amount: timedelta) -> datetime:
    """The moment ``amount`` of working time after ``start`` (an aware datetime)."""
    tz = timezone.get_current_timezone()
    local = timezone.localtime(start, tz)
    exceptions = calendar_exceptions()
    open_at, close_at = working_window()
    remaining = amount
    day = local.date()
    cursor = local.replace(tzinfo=None)
    for _ in range(3660):  # ten years of days: a bound, never reached in practice
        if is_working_day(day, exceptions):
            day_open = datetime.combine(day, open_at)
            day_close = datetime.combine(day, close_at)
            begin = max(cursor, day_open)
            if begin < day_close:
                available = day_close - begin
                if remaining <= available:
                    return timezone.make_aware(begin + remaining, tz)
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min)
    raise ValueError("deadline beyond ten years")


def add_duration(start: datetime, amount: int, unit: str) -> datetime:
    if unit == DurationUnit.NATURAL_HOURS:
        return start + timedelta(hours=amount)
    if unit == DurationUnit.WORKING_HOURS:
        return add_working_time(start, timedelta(hours=amount))
    if unit == DurationUnit.WORKING_DAYS:
        return add_working_time(start, _day_hours() * amount)
    raise ValueError(f"unknown duration unit {unit!r}")


def rule_for(*, urgency: str, appeal_type: str = "", category=None) -> tuple[int, str, int]:
    """(amount, unit, acceptance working hours) of the most specific rule."""
    rules = list(DeadlineRule.objects.filter(urgency=urgency))

    def score(rule):
        if rule.category_id and category is not None and rule.category_id != category.pk:
            return -1
        if rule.category_id and category is None:
            return -1
        if rule.appeal_type and rule.appeal_type != appeal_type:
            return -1
        return (2 if rule.category_id else 0) + (1 if rule.appeal_type else 0)

    best = max(rules, key=score, default=None)
    if best is not None and score(best) >= 0:
        return best.handle_amount, best.handle_unit, best.accept_working_hours
    amount, unit = DEFAULT_RULES[Urgency(urgency)]
    return amount, unit, DEFAULT_ACCEPT_WORKING_HOURS


def deadlines_from(start: datetime, *, urgency: str, appeal_type: str = AppealType.HELP,
                   category=None) -> tuple[datetime, datetime]:
    """(accept by, handle by) for an appeal dispatched at ``start``."""
    amount, unit, accept_hours = rule_for(urgency=urgency, appeal_type=appeal_type, category=category)
    accept_due = add_working_time(start, timedelta(hours=accept_hours))
    due = add_duration(start, amount, unit)
    return min(accept_due, due), due


# 督办: the handling body answers an urging (督办反馈) within this much working time, unless the
# supervisor sets another deadline.
URGE_ANSWER_WORKING_DAYS = 2


def urge_answer_due(start: datetime) -> datetime:
    """The default 反馈期限 of an urging made at ``start``."""
    return add_duration(start, URGE_ANSWER_WORKING_DAYS, DurationUnit.WORKING_DAYS)
