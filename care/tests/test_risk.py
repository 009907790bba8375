"""care.risk: the rules an administrator edits, evaluated in one place; the highest level wins."""

from datetime import date

from care.models import CareCategory, RiskLevel, RiskRule
from care.risk import Facts, age_on, evaluate, next_due, rule_applies


def rule(**kwargs):
    category = kwargs.pop("category", None)
    r = RiskRule(is_active=True, **kwargs)
    if category is not None:
        r.category = category
    return r


def test_age_on_a_birthday():
    assert age_on(date(1940, 3, 15), date(2020, 3, 14)) == 79
    assert age_on(date(1940, 3, 15), date(2020, 3, 15)) == 80


def test_highest_level_wins_and_rules_of_other_categories_do_not_apply():
    alone = CareCategory(pk=1, code="solitary_elderly", name="独居老人")
    disabled = CareCategory(pk=2, code="disabled", name="残疾人")
    rules = [
        rule(category=alone, subject="age", operator="gte", value="80", level="high"),
        rule(category=alone, subject="age", operator="gte", value="0", level="medium"),
        rule(category=disabled, subject="field", field_name="disability_grade", operator="in", value="一级，二级",
             level="high"),
        rule(subject="days_since_visit", operator="gte", value="60", level="medium"),
    ]
    assert evaluate(Facts(age=75, days_since_visit=3, values_by_category={1: {}}), rules) == RiskLevel.MEDIUM
    assert evaluate(Facts(age=85, days_since_visit=3, values_by_category={1: {}}), rules) == RiskLevel.HIGH
    assert evaluate(Facts(age=85, days_since_visit=3, values_by_category={}), rules) == RiskLevel.LOW
    assert evaluate(Facts(age=30, days_since_visit=3, values_by_category={2: {"disability_grade": "二级"}}),
                    rules) == RiskLevel.HIGH
    assert evaluate(Facts(age=30, days_since_visit=3, values_by_category={2: {"disability_grade": "四级"}}),
                    rules) == RiskLevel.LOW
    assert evaluate(Facts(age=30, days_since_visit=61, values_by_category={2: {}}), rules) == RiskLevel.MEDIUM


def test_an_inactive_rule_or_a_missing_field_does_not_apply():
    r = rule(subject="field", field_name="adl", operator="eq", value="失能", level="high")
    assert rule_applies(r, Facts(age=1, days_since_visit=0, values_by_category={5: {"adl": "失能"}}))
    assert not rule_applies(r, Facts(age=1, days_since_visit=0, values_by_category={5: {}}))
    r.is_active = False
    assert evaluate(Facts(age=1, days_since_visit=0, values_by_category={5: {"adl": "失能"}}), [r]) == RiskLevel.LOW


def test_next_due_takes_the_shortest_interval_of_the_categories():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    visited = datetime(2026, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    weekly = CareCategory(visit_days_high=7, visit_days_medium=14, visit_days_low=30)
    monthly = CareCategory(visit_days_high=10, visit_days_medium=30, visit_days_low=60)
    assert next_due(last_visit_at=visited, registered_at=None, level="medium",
                    categories=[monthly, weekly]) == date(2026, 3, 15)
    assert next_due(last_visit_at=visited, registered_at=None, level="low", categories=[]) is None
