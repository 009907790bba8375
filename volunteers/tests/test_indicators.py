"""志愿服务's indicators in the 民生实事 registry: a March built through the services, counted by hand for
榆次区 (the county), 北关街道 (the township) and each of its two communities."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from appeals import kpis
from targets import registry
from volunteers import selectors, services
from volunteers.models import HoursEntry

from .conftest import make_volunteer

TZ = ZoneInfo(settings.TIME_ZONE)
MARCH = kpis.month_period(2026, 3)
APRIL = kpis.month_period(2026, 4)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def at(text: str):
    return time_machine.travel(moment(text), tick=False)


def activity_on(vol, *, actor, unit, starts: str, title: str):
    start = moment(starts)
    return services.activity_create(
        actor=actor,
        title=title,
        unit=unit,
        place="社区活动室",
        slots=[services.SlotInput(starts_at=start, ends_at=start.replace(hour=start.hour + 2), capacity=5)],
    )


def serve(volunteer, activity, *, check_in: str, check_out: str) -> HoursEntry:
    slot = activity.slots.get()
    with at(check_in):
        signup = services.signup_check_in(actor=volunteer.user, signup=slot.signups.get(volunteer=volunteer))
    with at(check_out):
        return services.signup_check_out(actor=volunteer.user, signup=signup)


@pytest.fixture
def march(vol):
    """顺城社区: 李 and 王 serve 90 and 120 minutes (王's corrected to 100) at one activity; 赵 (approved) does
    not serve. 如意社区: 陈 serves 120 minutes and 李 (of 顺城) 60 at another. 孙 of 顺城 only applied; 周 of
    顺城 is approved in April."""
    cast = vol.cast
    with at("2026-02-20 10:00"):
        li = make_volunteer(vol, phone="13900000001", name="李晓峰", seq="011")
        wang = make_volunteer(vol, phone="13900000002", name="王芳", seq="021")
        zhao = make_volunteer(vol, phone="13900000003", name="赵强", seq="031")
        chen = make_volunteer(vol, phone="13900000004", name="陈静", seq="041", unit=vol.ruyi)
        make_volunteer(vol, phone="13900000005", name="孙丽", seq="051", approve=False)
        zhou = make_volunteer(vol, phone="13900000006", name="周明", seq="061", approve=False)
    with at("2026-04-03 10:00"):
        services.volunteer_decide(actor=cast.admin, volunteer=zhou, approve=True, id_checked=True)
    with at("2026-03-01 09:00"):
        shuncheng = activity_on(
            vol, actor=vol.grid_worker, unit=cast.community, starts="2026-03-10 09:00", title="陪独居老人聊天"
        )
        ruyi = activity_on(vol, actor=cast.admin, unit=vol.ruyi, starts="2026-03-12 14:00", title="社区清洁")
        for volunteer in (li, wang):
            services.signup_create(actor=volunteer.user, slot=shuncheng.slots.get())
        for volunteer in (chen, li):
            services.signup_create(actor=volunteer.user, slot=ruyi.slots.get())
    serve(li, shuncheng, check_in="2026-03-10 09:00", check_out="2026-03-10 10:30")
    wang_entry = serve(wang, shuncheng, check_in="2026-03-10 09:00", check_out="2026-03-10 11:00")
    serve(chen, ruyi, check_in="2026-03-12 14:00", check_out="2026-03-12 16:00")
    serve(li, ruyi, check_in="2026-03-12 15:00", check_out="2026-03-12 16:00")
    with at("2026-03-13 09:00"):
        services.hours_correct(actor=vol.grid_worker, entry=wang_entry, minutes=100, reason="提前离开二十分钟")
    return {"li": li, "zhao": zhao}


def figures(code, units, period):
    with registry.batch():
        return {
            unit.pk: value for unit, value in zip(units, registry.get(code).values(units, period).values(), strict=True)
        }


@pytest.fixture
def units(vol):
    return [vol.cast.yuci, vol.cast.beiguan, vol.cast.community, vol.ruyi]


def test_the_section_lists_the_five_indicators():
    section = {key: (label, [i.code for i in items]) for key, label, items in registry.sections()}
    label, codes = section["volunteers"]
    assert codes == [
        "volunteers.registered",
        "volunteers.service_hours",
        "volunteers.active",
        "volunteers.activities_held",
        "volunteers.active_rate",
    ]
    assert registry.get("volunteers.active_rate").is_rate
    assert not registry.get("volunteers.service_hours").is_rate


def test_registered_counts_the_approved_as_of_the_periods_end(vol, march, units):
    yuci, beiguan, shuncheng, ruyi = units
    march_figures = figures("volunteers.registered", units, MARCH)
    # 李, 王, 赵 in 顺城 and 陈 in 如意; 孙 only applied, 周 was approved on 3 April.
    assert [march_figures[u.pk].value for u in units] == [4, 4, 3, 1]
    april = figures("volunteers.registered", units, APRIL)
    assert april[shuncheng.pk].value == 4 and april[yuci.pk].value == 5
    assert april[yuci.pk].value == selectors.volunteers_registered(yuci)
    breakdown = dict(registry.get("volunteers.registered").breakdown(shuncheng, MARCH))
    assert list(breakdown.values()) == [3]


def test_service_hours_count_where_served_with_corrections(vol, march, units):
    yuci, beiguan, shuncheng, ruyi = units
    hours = figures("volunteers.service_hours", units, MARCH)
    # 顺城 90 + 120 − 20 = 190 minutes; 如意 120 + 60 = 180; the county 370 minutes.
    assert hours[shuncheng.pk].value == Decimal("3.2")
    assert hours[ruyi.pk].value == Decimal("3.0")
    assert hours[yuci.pk].value == hours[beiguan.pk].value == Decimal("6.2")
    assert float(hours[yuci.pk].value) == selectors.service_hours(yuci, MARCH.start, MARCH.end)
    assert figures("volunteers.service_hours", [yuci], APRIL)[yuci.pk].value == 0


def test_active_volunteers_are_counted_once_however_many_places_they_served(vol, march, units):
    yuci, beiguan, shuncheng, ruyi = units
    active = figures("volunteers.active", units, MARCH)
    # 李 served in both communities: two in each community, yet three in the county.
    assert active[shuncheng.pk].value == 2 and active[ruyi.pk].value == 2
    assert active[yuci.pk].value == active[beiguan.pk].value == 3
    assert active[yuci.pk].value == selectors.active_volunteers(yuci, MARCH.start, MARCH.end)
    assert figures("volunteers.active", [yuci], APRIL)[yuci.pk].value == 0


def test_activities_held_in_the_period(vol, march, units):
    yuci, beiguan, shuncheng, ruyi = units
    held = figures("volunteers.activities_held", units, MARCH)
    assert [held[u.pk].value for u in units] == [2, 2, 1, 1]
    assert held[yuci.pk].value == selectors.activities_held(yuci, MARCH.start, MARCH.end)
    assert figures("volunteers.activities_held", [yuci], APRIL)[yuci.pk].value == 0


def test_the_active_rate_rolls_up_numerators_and_denominators(vol, march, units):
    yuci, beiguan, shuncheng, ruyi = units
    rate = figures("volunteers.active_rate", units, MARCH)
    # 顺城: 李 and 王 of its 3 served (赵 did not); 如意: 陈, its only one, served.
    assert rate[shuncheng.pk].detail() == "2/3" and rate[shuncheng.pk].value == Decimal("66.67")
    assert rate[ruyi.pk].detail() == "1/1" and rate[ruyi.pk].value == 100
    # The county: 3/4 = 75%, not the average of 66.67% and 100%.
    assert rate[yuci.pk].detail() == "3/4" and rate[yuci.pk].value == 75
    assert registry.add_values([rate[shuncheng.pk], rate[ruyi.pk]]).value == 75
    # In April nobody served; 周, approved on 3 April, joins the denominator.
    april = figures("volunteers.active_rate", [yuci], APRIL)[yuci.pk]
    assert april.detail() == "0/5" and april.value == 0


def test_a_unit_with_no_volunteers_counts_nothing(vol, march):
    taigu = vol.cast.taigu
    assert figures("volunteers.registered", [taigu], MARCH)[taigu.pk].value == 0
    assert figures("volunteers.active_rate", [taigu], MARCH)[taigu.pk].value is None
