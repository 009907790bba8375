"""Visit plans: seasonal checks (their window, who is due for one, what the form asks) and the
re-evaluation of people when an administrator changes a rule or a plan (in the background)."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from care import selectors, services
from care.models import Person, RiskRule, SeasonalCheck
from care.tests.conftest import register

pytestmark = pytest.mark.django_db


def at(day: date, hour=10):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


def test_a_window_over_the_new_year():
    winter = SeasonalCheck(name="冬季取暖", start_month=11, start_day=15, end_month=3, end_day=15)
    assert winter.window_containing(date(2026, 12, 1)) == (date(2026, 11, 15), date(2027, 3, 15))
    assert winter.window_containing(date(2027, 2, 28)) == (date(2026, 11, 15), date(2027, 3, 15))
    assert winter.window_containing(date(2026, 7, 1)) is None
    summer = SeasonalCheck(name="防暑", start_month=6, start_day=15, end_month=8, end_day=31)
    assert summer.window_containing(date(2026, 8, 31)) == (date(2026, 6, 15), date(2026, 8, 31))
    assert summer.window_containing(date(2026, 9, 1)) is None
    leap = SeasonalCheck(name="x", start_month=2, start_day=29, end_month=3, end_day=31)
    assert leap.window_containing(date(2027, 3, 1)) == (date(2027, 2, 28), date(2027, 3, 31))


def seasonal(care, name="冬季取暖检查", months=((11, 15), (3, 15)), code="solitary_elderly"):
    check = SeasonalCheck.objects.create(name=name, start_month=months[0][0], start_day=months[0][1],
                                         end_month=months[1][0], end_day=months[1][1],
                                         checklist=[{"name": "stove", "label": "煤炉烟道通畅"}])
    check.categories.set([care.categories[code]])
    return check


def test_a_seasonal_check_is_due_in_its_window_until_a_visit_makes_it(care):
    SeasonalCheck.objects.all().delete()  # the seeded ones: this test sets its own
    check = seasonal(care)
    person = register(care)
    other = register(care, name="李四", seq="004", category="dibao")  # not in the check's categories
    winter_day, summer_day = date(2026, 12, 1), date(2026, 7, 1)
    due = selectors.seasonal_due(care.grid_worker, today=winter_day)
    assert [(d.check, [p.pk for p in d.people]) for d in due] == [(check, [person.pk])]
    assert [(d.check, [p.pk for p in d.people]) for d in selectors.my_visits(care.grid_worker, today=winter_day)
            .seasonal] == [(check, [person.pk])]  # 我的走访 reads them in its own query
    assert selectors.seasonal_due(care.grid_worker, today=summer_day) == []
    assert selectors.my_visits(care.grid_worker, today=summer_day).seasonal == []
    keys = [key for key, _label in services.checklist_items(person, day=winter_day)]
    assert f"season{check.pk}_stove" in keys
    assert f"season{check.pk}_stove" not in [key for key, _ in services.checklist_items(other, day=winter_day)]
    assert f"season{check.pk}_stove" not in [key for key, _ in services.checklist_items(person, day=summer_day)]
    # An ordinary visit in the window does not make the check; one that records its items does.
    visit_day = winter_day - timedelta(days=3)
    services.visit_record(actor=care.grid_worker, person=person, visited_at=at(visit_day), token="a" * 32,
                          checklist={"health": "ok"})
    assert selectors.seasonal_due(care.grid_worker, today=winter_day)[0].people == [person]
    services.visit_record(actor=care.grid_worker, person=person, visited_at=at(visit_day, 15), token="b" * 32,
                          checklist={"health": "ok", f"season{check.pk}_stove": "concern"})
    assert selectors.seasonal_due(care.grid_worker, today=winter_day) == []
    assert selectors.my_visits(care.grid_worker, today=winter_day).seasonal == []


def test_the_seeded_checks_and_escalation_settings(care):
    from care.models import EscalationSettings

    names = set(SeasonalCheck.objects.values_list("name", flat=True))
    assert {"冬季取暖检查", "夏季防暑检查"} <= names
    winter = SeasonalCheck.objects.get(name="冬季取暖检查")
    assert winter.categories.filter(code="solitary_elderly").exists()
    config = EscalationSettings.current()
    assert (config.village_after_days, config.township_after_days) == (7, 14)


def test_a_rule_change_reevaluates_people_in_the_background(care, client, settings,
                                                            django_capture_on_commit_callbacks):
    """The admin's save does not wait for the city's registry: the people are re-evaluated by the task
    (here run at once by the immediate backend, after the commit)."""
    person = register(care, birth="19600315", category="dibao")
    assert Person.objects.get(pk=person.pk).risk_level == "low"
    rule = RiskRule(category=care.categories["dibao"], subject="age", operator="gte", value="60", level="high")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.risk_rule_save(actor=care.cast.root, rule=rule)
    assert Person.objects.get(pk=person.pk).risk_level == "low" and len(callbacks) == 1  # nothing in the request
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    callbacks[0]()
    changed = Person.objects.get(pk=person.pk)
    assert changed.risk_level == "high"
    assert changed.next_visit_due == person.next_visit_due  # never visited: due since registration


def test_a_plan_change_moves_due_dates_in_the_background(care, settings, django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    person = register(care, category="dibao")
    services.visit_record(actor=care.grid_worker, person=person, visited_at=timezone.now() - timedelta(days=1),
                          token="c" * 32, checklist={})
    person.refresh_from_db()
    category = care.categories["dibao"]
    interval = category.visit_days(person.risk_level)
    category.visit_days_low = category.visit_days_medium = category.visit_days_high = interval + 10
    with django_capture_on_commit_callbacks(execute=True):
        services.category_save(actor=care.cast.root, category=category)
    assert Person.objects.get(pk=person.pk).next_visit_due == person.next_visit_due + timedelta(days=10)


def test_the_refresh_is_idempotent(care, django_assert_max_num_queries):
    people = [register(care, name=f"人{n}", seq=f"{n:03d}") for n in range(2, 8)]
    services.people_refresh()
    # A second run reads (people, memberships, rules, categories) and writes nothing.
    with django_assert_max_num_queries(6):
        assert services.people_refresh() == len(people)
