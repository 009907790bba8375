"""A person's risk level and when they are next due a visit, computed in one place.

The rules (care.models.RiskRule) are rows an administrator reads and edits; ``evaluate`` applies every
active rule to the person's open memberships and returns the highest level any of them gives (低 when
none does). A hand-set override wins over the rules. The interval between visits is the shortest that
any of the person's categories sets for that level."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import RISK_RANK, CareCategory, RiskLevel, RiskOperator, RiskRule, RiskSubject

DEFAULT_VISIT_DAYS = {RiskLevel.HIGH: 7, RiskLevel.MEDIUM: 14, RiskLevel.LOW: 30}


def age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _matches(operator: str, actual, expected: str) -> bool:
    if actual is None or actual == "":
        return False
    if operator == RiskOperator.EQUALS:
        return str(actual).strip() == expected.strip()
    if operator == RiskOperator.IN:
        return str(actual).strip() in {part.strip() for part in expected.replace("，", ",").split(",")}
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        # Dates compare as ISO text (2020-01-31 < 2021-05-01).
        left, right = str(actual), expected.strip()
    return left >= right if operator == RiskOperator.AT_LEAST else left <= right


@dataclass(frozen=True)
class Facts:
    """What the rules look at."""

    age: int
    days_since_visit: int  # since the last visit, or since registration when never visited
    values_by_category: dict[int, dict]  # category id → the open membership's field values


def facts_for(person, *, memberships, today: date) -> Facts:
    last = person.last_visit_at or person.created_at or timezone.now()
    return Facts(
        age=age_on(person.birth_date, today),
        days_since_visit=(today - timezone.localdate(last)).days,
        values_by_category={m.category_id: m.values or {} for m in memberships},
    )


def rule_applies(rule: RiskRule, facts: Facts) -> bool:
    if rule.category_id is not None and rule.category_id not in facts.values_by_category:
        return False
    if rule.subject == RiskSubject.AGE:
        return _matches(rule.operator, facts.age, rule.value)
    if rule.subject == RiskSubject.DAYS_SINCE_VISIT:
        return _matches(rule.operator, facts.days_since_visit, rule.value)
    if rule.category_id is not None:
        values = [facts.values_by_category[rule.category_id].get(rule.field_name)]
    else:  # a field rule for everyone: any category having that field
        values = [values.get(rule.field_name) for values in facts.values_by_category.values()]
    return any(_matches(rule.operator, value, rule.value) for value in values)


def evaluate(facts: Facts, rules) -> str:
    """The highest level an applying rule gives; 低 when none applies."""
    level = RiskLevel.LOW
    for rule in rules:
        if rule.is_active and RISK_RANK[rule.level] > RISK_RANK[level] and rule_applies(rule, facts):
            level = RiskLevel(rule.level)
    return level


def active_rules() -> list[RiskRule]:
    return list(RiskRule.objects.filter(is_active=True).select_related("category"))


def visit_interval(level: str, categories: list[CareCategory]) -> int:
    days = [category.visit_days(level) for category in categories]
    return min(days) if days else DEFAULT_VISIT_DAYS[level]


def next_due(*, last_visit_at: datetime | None, registered_at: datetime | None, level: str,
             categories: list[CareCategory]) -> date | None:
    """Due the interval after the last visit; someone never visited is due from the day they were
    registered. No open category: no visit is planned."""
    if not categories:
        return None
    if last_visit_at is None:
        return timezone.localdate(registered_at or timezone.now())
    return timezone.localdate(last_visit_at) + timedelta(days=visit_interval(level, categories))


def rule_text(rule: RiskRule) -> str:
    """A rule as a sentence an administrator reads in the list."""
    who = rule.category.name if rule.category_id else _("anyone")
    if rule.subject == RiskSubject.FIELD:
        what = rule.field_name
    else:
        what = str(RiskSubject(rule.subject).label)
    return _("%(who)s: %(what)s %(operator)s %(value)s → %(level)s") % {
        "who": who, "what": what, "operator": RiskOperator(rule.operator).label, "value": rule.value,
        "level": RiskLevel(rule.level).label}
