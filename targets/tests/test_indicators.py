"""The demand and care indicators: the same figures as the 三率 page and the care unit page."""

from datetime import date

import pytest
from django.utils import timezone

from appeals import kpis
from appeals.models import Satisfaction
from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply
from conftest import new_appeal
from targets import registry

from .conftest import at

MARCH = kpis.month_period(2026, 3)


@pytest.fixture
def march(cast):
    """Three demands in 榆次区 and one in 太谷区, two closed and rated."""
    appeals = []
    with at("2026-03-02 09:00"):
        for department in (cast.yuci_health, cast.yuci_health, cast.yuci_housing):
            appeal = new_appeal(cast)
            appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=department)
            appeals.append(appeal)
        taigu = new_appeal(cast, place=cast.village)
        appeal_dispatch(actor=cast.root, appeal=taigu, target=cast.taigu_health)
    with at("2026-03-02 10:00"):
        appeal_accept(actor=cast.handler_a, appeal=appeals[0])
        appeal_reply(actor=cast.handler_a, appeal=appeals[0], text="已处理")
        appeal_accept(actor=cast.taigu_handler, appeal=taigu)
        appeal_reply(actor=cast.taigu_handler, appeal=taigu, text="已处理")
    with at("2026-03-02 11:00"):
        appeal_rate(actor=cast.resident, appeal=appeals[0], satisfaction=Satisfaction.SATISFIED)
        appeal_rate(actor=cast.resident, appeal=taigu, satisfaction=Satisfaction.BASIC, resolved=False)
    return appeals


def test_demand_indicators_equal_the_kpi_pages_unit_rows(cast, march):
    with at("2026-04-01 09:00"):
        report = kpis.kpi_report(user=cast.root, period=MARCH, level="county")
        rows = {row.subject.code: row.figures for row in report.units}
        with registry.batch():
            received = registry.get("demands.received").values([cast.city, cast.yuci, cast.taigu], MARCH)
            closed = registry.get("demands.closed").values([cast.city, cast.yuci, cast.taigu], MARCH)
            satisfaction = registry.get("demands.satisfaction_rate").values([cast.yuci, cast.taigu], MARCH)
    assert received[cast.city.pk].value == 4 and received[cast.yuci.pk].value == 3
    assert closed[cast.yuci.pk].value == rows[cast.yuci.code].closed == 1
    assert closed[cast.taigu.pk].value == rows[cast.taigu.code].closed == 1
    assert closed[cast.city.pk].value == 2
    assert satisfaction[cast.yuci.pk].value == 100 and satisfaction[cast.taigu.pk].value == 100
    resolution = registry.get("demands.resolution_rate").value(cast.taigu, MARCH)
    assert resolution.detail() == "0/1" and resolution.value == 0


@pytest.fixture
def care_people(cast, categories):
    from types import SimpleNamespace

    from care.tests.conftest import register

    c = SimpleNamespace(cast=cast, categories=categories, grid_worker=cast.grid_worker)
    first = register(c, name="王秀英", seq="002")
    second = register(c, name="李桂兰", seq="004", unit=cast.village)
    return first, second


def test_care_people_and_coverage_roll_up(cast, care_people):
    from care.services import assignment_end

    first, second = care_people
    assignment_end(actor=cast.root, assignment=second.assignments.get())
    today = timezone.localdate()
    period = kpis.Period(today.replace(day=1), today)
    people = registry.get("care.people").values([cast.city, cast.yuci, cast.taigu], period)
    coverage = registry.get("care.coverage").values([cast.city, cast.yuci, cast.taigu], period)
    assert people[cast.city.pk].value == 2 and people[cast.yuci.pk].value == 1
    assert coverage[cast.city.pk].detail() == "1/2" and coverage[cast.taigu.pk].value == 0
    # As of a day before anyone was registered, nobody.
    before = kpis.Period(date(2020, 1, 1), date(2020, 1, 31))
    assert registry.get("care.people").value(cast.city, before).value == 0
