"""The nightly refresh (services.people_refresh, set-based SQL on PostgreSQL, chunks in Python elsewhere)
gives every person the same risk and next visit due as the rules evaluated one person at a time
(care.risk, what services.person_refresh applies when a person changes), whatever the rules say."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from care import risk, services
from care.models import CareMembership, Person, RiskLevel, RiskRule, RiskSubject, Source

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 1)


def expected(person: Person) -> tuple:
    memberships = list(person.memberships.filter(until__isnull=True).select_related("category"))
    computed = risk.evaluate(risk.facts_for(person, memberships=memberships, today=TODAY), risk.active_rules())
    level = person.risk_override or computed
    due = risk.next_due(last_visit_at=person.last_visit_at, registered_at=person.created_at, level=level,
                        categories=[m.category for m in memberships])
    return computed, level, due


def a_crowd(care, n=120):
    rng = random.Random(11)
    cats = care.categories
    values_of = {
        "solitary_elderly": lambda: {"adl": rng.choice(["自理", "半失能", "失能"])},
        "disabled_elderly": lambda: {"adl": rng.choice(["自理", "半失能", "失能"])},
        "children_in_hardship": lambda: {"hardship": rng.choice(["重病重残", "家庭困难", "监护缺失"])},
        "disabled": lambda: {"disability_grade": rng.choice(["一级", "二级", "三级", "四级"])},
        "dibao": lambda: rng.choice([{"amount": rng.choice([350, 600, 800.5, 1200])}, {"certificate": "A12"}, {}]),
        "tekun": lambda: {"support": rng.choice(["集中供养", "分散供养"]), "amount": rng.choice([400, 900])},
        "hard_to_employ": lambda: {"recognised_on": rng.choice(["2023-05-01", "2025-11-30", "2026-02-01"])},
        "low_income": lambda: {"certificate": rng.choice(["X1", "12", "9"])},
    }
    codes = list(values_of)
    people = []
    for number in range(n):
        birth = date(rng.randint(1925, 2020), rng.randint(1, 12), rng.randint(1, 28))
        if number % 17 == 0:
            birth = date(1946, 3, 1)  # 80 on the day
        if number % 19 == 0:
            birth = date(1946, 3, 2)  # 80 tomorrow
        person = Person.objects.create(name=f"人{number}", id_number=f"x{number}", id_index=f"refresh-{number}",
                                       sex="male", birth_date=birth, unit=care.cast.community,
                                       risk_override=RiskLevel.HIGH if number % 23 == 0 else "",
                                       risk_override_reason="手工" if number % 23 == 0 else "")
        last = None if number % 5 == 0 else timezone.make_aware(
            datetime.combine(TODAY - timedelta(days=rng.randint(0, 120)), time(rng.choice([0, 7, 23]), 30)))
        registered = timezone.make_aware(datetime.combine(TODAY - timedelta(days=rng.randint(0, 400)), time(23, 50)))
        Person.objects.filter(pk=person.pk).update(last_visit_at=last, created_at=registered)
        for code in rng.sample(codes, rng.choice([0, 1, 1, 2, 3])):
            CareMembership.objects.create(person=person, category=cats[code], since=date(2024, 1, 1),
                                          source=Source.CIVIL_AFFAIRS, values=values_of[code]())
        if number % 7 == 0:  # an ended membership counts for nothing
            CareMembership.objects.create(person=person, category=cats["disabled"], since=date(2020, 1, 1),
                                          until=date(2021, 1, 1), source=Source.CIVIL_AFFAIRS,
                                          values={"disability_grade": "一级"})
        people.append(person)
    return people


def more_rules(care):
    cats = care.categories
    for category, subject, field, operator, value, level in [
        ("dibao", RiskSubject.FIELD, "amount", "gte", "800", RiskLevel.HIGH),
        ("dibao", RiskSubject.FIELD, "amount", "lte", " 400 ", RiskLevel.MEDIUM),
        ("hard_to_employ", RiskSubject.FIELD, "recognised_on", "gte", "2025-06-01", RiskLevel.MEDIUM),
        ("tekun", RiskSubject.FIELD, "support", "in", "分散供养，集中", RiskLevel.HIGH),
        (None, RiskSubject.FIELD, "certificate", "lte", "5", RiskLevel.MEDIUM),  # "12" ≥ 5, "X1" as text
        ("disabled", RiskSubject.AGE, "", "lte", "17", RiskLevel.HIGH),
        (None, RiskSubject.DAYS_SINCE_VISIT, "", "lte", "3", RiskLevel.MEDIUM),
        (None, RiskSubject.AGE, "", "gte", "100", RiskLevel.LOW),
    ]:
        RiskRule.objects.create(category=cats[category] if category else None, subject=subject, field_name=field,
                                operator=operator, value=value, level=level)
    RiskRule.objects.create(category=cats["low_income"], subject=RiskSubject.FIELD, field_name="certificate",
                            operator="eq", value="9", level=RiskLevel.HIGH, is_active=False)


def test_the_refresh_of_everyone_agrees_with_the_rules_person_by_person(care):
    more_rules(care)
    people = a_crowd(care)
    want = {person.pk: expected(Person.objects.get(pk=person.pk)) for person in people}
    assert services.people_refresh(today=TODAY) == len(people)
    got = {pk: (computed, level, due) for pk, computed, level, due in Person.objects.filter(
        pk__in=want).values_list("pk", "risk_computed", "risk_level", "next_visit_due")}
    assert got == want
    # Every level and both kinds of due date occur, so the comparison means something.
    assert {level for _c, level, _d in want.values()} == {"high", "medium", "low"}
    assert any(due is None for _c, _l, due in want.values()) and len({d for _c, _l, d in want.values()}) > 20
    assert services.people_refresh(today=TODAY) == len(people)  # idempotent


def test_the_refresh_of_one_category_looks_at_its_people_only(care):
    people = a_crowd(care, n=40)
    in_dibao = set(CareMembership.objects.filter(category=care.categories["dibao"]).values_list("person_id",
                                                                                                flat=True))
    assert 0 < len(in_dibao) < len(people)
    assert services.people_refresh(today=TODAY, category=care.categories["dibao"]) == len(in_dibao)
    changed = set(Person.objects.exclude(next_visit_due=None).values_list("pk", flat=True))
    assert changed and changed <= in_dibao
