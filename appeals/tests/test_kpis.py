"""三率 figures on a small March 2026 built through the services, with the answers worked out by hand.

Working hours are 08:30–17:30; acceptance is due 2 working hours after dispatch; an ordinary appeal
is due 7 working days after dispatch. March 2026 has no public holiday; 2 March is a Monday.

Department A = 榆次区卫健局 (handler_a), department B = 榆次区住建局 (handler_b):

  a1  dispatched 03-02 09:00 to A, accepted 10:00 (on time, due 11:00), replied, rated 满意
  a2  dispatched 03-02 09:00 to A, accepted 10:30 (on time), replied, rated 基本满意
  a3  dispatched 03-02 09:00 to A, accepted 12:00 (late), replied, 不满意 → reopened, replied again
      on time, 不满意 again → closed, not resolved
  a4  dispatched 03-02 09:00 to A, accepted 13:00 (late), replied 03-12 (after the 03-11 09:00
      deadline), never rated → closed unrated 03-19 (closed late)
  a5  dispatched 03-02 09:00 to A, never accepted (still waiting long after its deadline)
  b1  dispatched 03-02 09:00 to B, accepted on time, replied, rated 满意 but "not resolved"
  b2  dispatched 03-31 17:00 to B: acceptance due 04-01 10:00, not yet decided when we look
      (04-01 09:00), so it counts in neither part of B's 响应率
  b3  dispatched 03-03 09:00 to A, not accepted, reassigned (改派) 14:00 to B, which accepts 15:00
      (on time for B: due 16:00), replies; rated 基本满意, not resolved. Counts for B only.
  b4  dispatched 02-27 (a Friday) to B, accepted on time in February, replied and rated 满意 in March:
      in B's March closure figures, in B's February 响应率.
  t1  太谷区卫健局: dispatched, accepted on time, replied, 满意 (only the city sees it)
  u1  顺城社区 (a community under 北关街道, 榆次区): accepted on time, replied, 满意

March, by hand (weights 0.1 / 0.5 / 0.4, 基本满意 = 0.9):

  A: 响应率 = on time {a1,a2} / decided {a1..a5} = 2/5
     closed {a1,a2,a3,a4} = 4, on time {a1,a2,a3} = 3 → 按期办结率 3/4
     rated {a1,a2,a3} = 3, resolved {a1,a2} → 解决率 2/3; 满意率 (1+1)/3 = 2/3
     weighted satisfaction (1 + 0.9)/3 = 19/30
     composite = 0.1·2/5 + 0.5·2/3 + 0.4·19/30 = 3/75 + 25/75 + 19/75 = 47/75 (62.67)
  B: 响应率 = {b1,b3} / {b1,b3} = 1
     closed {b1,b3,b4} = 3, all on time → 1
     rated 3, resolved {b4} → 解决率 1/3; 满意率 (2+1)/3 = 1; weighted (2 + 0.9)/3 = 29/30
     composite = 0.1·1 + 0.5·1/3 + 0.4·29/30 = 15/150 + 25/150 + 58/150 = 49/75 (65.33)
  So B ranks first, A second.
  B in February: 响应率 1/1 and nothing closed: composite = the response rate alone = 1.
"""

import io
from datetime import datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from appeals import kpis
from appeals.models import KpiSettings, Satisfaction, State
from appeals.services import (
    appeal_accept,
    appeal_close_unrated,
    appeal_dispatch,
    appeal_rate,
    appeal_reassign,
    appeal_reply,
)
from conftest import make_staff, new_appeal
from orgs.models import Level, Role

TZ = ZoneInfo("Asia/Shanghai")
MARCH = kpis.month_period(2026, 3)
LOOK_AT = "2026-04-01 09:00"


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=TZ), tick=False)


def build_march(cast) -> SimpleNamespace:
    """The appeals of the module docstring, through the services, each step at its own time."""
    k = SimpleNamespace()
    k.community_handler = make_staff("community_handler", (Role.HANDLER, cast.community), root=cast.root)
    k.yuci_leader = make_staff("yuci_leader", (Role.LEADER, cast.yuci), root=cast.root)
    A, B = cast.yuci_health, cast.yuci_housing

    def dispatched(when, target, by=cast.dispatcher):
        with at(when):
            appeal = new_appeal(cast)
            appeal_dispatch(actor=by, appeal=appeal, target=target)
        return appeal

    def step(when, service, **kwargs):
        with at(when):
            service(**kwargs)

    def round_trip(appeal, handler, accept, reply, rate=None, satisfaction=None, resolved=None):
        step(accept, appeal_accept, actor=handler, appeal=appeal)
        step(reply, appeal_reply, actor=handler, appeal=appeal, text="已处理")
        if rate:
            step(rate, appeal_rate, actor=cast.resident, appeal=appeal, satisfaction=satisfaction, resolved=resolved)

    k.b4 = dispatched("2026-02-27 09:00", B)
    round_trip(k.b4, cast.handler_b, "2026-02-27 10:00", "2026-03-02 10:00", "2026-03-03 10:00",
               Satisfaction.SATISFIED)

    k.a1, k.a2, k.a3, k.a4, k.a5, k.b1 = (dispatched("2026-03-02 09:00", target) for target in (A, A, A, A, A, B))
    round_trip(k.a1, cast.handler_a, "2026-03-02 10:00", "2026-03-02 14:00", "2026-03-02 15:00",
               Satisfaction.SATISFIED)
    round_trip(k.a2, cast.handler_a, "2026-03-02 10:30", "2026-03-02 14:00", "2026-03-02 15:00", Satisfaction.BASIC)
    round_trip(k.a3, cast.handler_a, "2026-03-02 12:00", "2026-03-02 14:00", "2026-03-02 15:00",
               Satisfaction.UNSATISFIED)
    step("2026-03-03 10:00", appeal_reply, actor=cast.handler_a, appeal=k.a3, text="再次处理")
    step("2026-03-03 11:00", appeal_rate, actor=cast.resident, appeal=k.a3, satisfaction=Satisfaction.UNSATISFIED)
    round_trip(k.a4, cast.handler_a, "2026-03-02 13:00", "2026-03-12 10:00")
    step("2026-03-19 10:01", appeal_close_unrated, appeal=k.a4)
    round_trip(k.b1, cast.handler_b, "2026-03-02 10:00", "2026-03-02 14:00", "2026-03-02 15:00",
               Satisfaction.SATISFIED, resolved=False)

    k.b3 = dispatched("2026-03-03 09:00", A)
    step("2026-03-03 14:00", appeal_reassign, actor=cast.dispatcher, appeal=k.b3, target=B)
    round_trip(k.b3, cast.handler_b, "2026-03-03 15:00", "2026-03-03 16:00", "2026-03-03 17:00",
               Satisfaction.BASIC, resolved=False)

    k.t1 = dispatched("2026-03-05 09:00", cast.taigu_health, by=cast.root)
    round_trip(k.t1, cast.taigu_handler, "2026-03-05 09:30", "2026-03-05 10:00", "2026-03-05 11:00",
               Satisfaction.SATISFIED)
    k.u1 = dispatched("2026-03-04 09:00", cast.community)
    round_trip(k.u1, k.community_handler, "2026-03-04 09:30", "2026-03-04 10:00", "2026-03-04 11:00",
               Satisfaction.SATISFIED)

    k.b2 = dispatched("2026-03-31 17:00", B)
    return k


def report(user, period=MARCH, level=None):
    with at(LOOK_AT):
        return kpis.kpi_report(user=user, period=period, level=level)


def by_name(rows):
    return {row.name: row for row in rows}


def rank_from(n: int) -> None:
    """Set the minimum sample (KpiSettings.min_sample) the ranking asks for; the default is 10, more than
    any holder of this small March has, so tests of the order itself lower it."""
    settings = KpiSettings.current()
    settings.min_sample = n
    settings.save()


def test_the_fixture_is_what_the_hand_computation_assumes(cast, march):
    for name in ("a1", "a2", "a3", "a4", "b1", "b3", "b4", "t1", "u1"):
        getattr(march, name).refresh_from_db()
    assert [march.a1.accepted_on_time, march.a2.accepted_on_time, march.a3.accepted_on_time,
            march.a4.accepted_on_time] == [True, True, False, False]
    assert march.a3.state == State.CLOSED and march.a3.reopen_count == 1 and march.a3.resolved is False
    assert march.a4.state == State.CLOSED and march.a4.satisfaction == "" and march.a4.closed_on_time is False
    assert march.b3.assigned_department == cast.yuci_housing and march.b3.accepted_on_time is True
    assert march.b2.accept_due_at == datetime(2026, 4, 1, 10, 0, tzinfo=TZ) and march.b2.state == State.TO_ACCEPT
    assert march.a5.state == State.TO_ACCEPT


def test_department_rates_and_composite_match_the_hand_computation(cast, march):
    rows = by_name(report(cast.leader).departments)
    a = rows["榆次区卫生健康局"]
    assert (a.figures.dispatched, a.figures.accepted_on_time) == (5, 2)
    assert a.figures.response_rate == Fraction(2, 5)
    assert a.figures.on_time_rate == Fraction(3, 4)
    assert a.figures.resolution_rate == Fraction(2, 3)
    assert a.figures.satisfaction_rate == Fraction(2, 3)
    assert (a.figures.satisfied, a.figures.basic, a.figures.unsatisfied) == (1, 1, 1)
    assert a.figures.weighted_satisfaction(kpis.Weights.current()) == Fraction(19, 30)
    assert a.score == Fraction(47, 75)

    b = rows["榆次区住房和城乡建设局"]
    assert b.figures.response_rate == 1 and b.figures.dispatched == 2
    assert b.figures.on_time_rate == 1 and b.figures.closed == 3
    assert b.figures.resolution_rate == Fraction(1, 3)
    assert b.figures.satisfaction_rate == 1
    assert b.figures.weighted_satisfaction(kpis.Weights.current()) == Fraction(29, 30)
    assert b.score == Fraction(49, 75)
    assert (kpis.percent(a.score), kpis.percent(b.score)) == (62.67, 65.33)


def test_ranking_puts_the_best_composite_first_and_idle_departments_last(cast, march):
    rank_from(1)
    rows = report(cast.leader).departments
    assert [(row.rank, row.name) for row in rows] == [
        (1, "太谷区卫生健康局"),  # 1 of 1 on time, resolved, satisfied: 100
        (2, "榆次区住房和城乡建设局"),
        (3, "榆次区卫生健康局"),
        (None, "晋中市卫生健康委员会"),  # nothing dispatched or closed: not ranked
    ]


def test_period_decides_what_counts(cast, march):
    february = by_name(report(cast.leader, kpis.month_period(2026, 2)).departments)
    b = february["榆次区住房和城乡建设局"]
    assert (b.figures.dispatched, b.figures.accepted_on_time, b.figures.closed) == (1, 1, 0)
    assert b.figures.resolution_rate is None and b.score == 1  # scored on the response rate alone
    assert february["榆次区卫生健康局"].score is None
    # Any period, not only months: 2 March alone sees a1–a5 and b1 dispatched, a1 and a2 closed.
    one_day = by_name(report(cast.leader, kpis.Period(MARCH.start.replace(day=2), MARCH.start.replace(day=2)))
                      .departments)
    assert one_day["榆次区卫生健康局"].figures.dispatched == 5
    assert one_day["榆次区卫生健康局"].figures.closed == 2


def test_weights_come_from_the_settings(cast, march):
    KpiSettings.objects.create(response_weight="0.2", resolution_weight="0.3", satisfaction_weight="0.5",
                               basic_satisfied_value="0.5")
    a = by_name(report(cast.leader).departments)["榆次区卫生健康局"]
    # 0.2·2/5 + 0.3·2/3 + 0.5·(1 + 0.5)/3 = 2/25 + 1/5 + 1/4 = 8/100 + 20/100 + 25/100
    assert a.score == Fraction(53, 100)


def test_too_few_demands_show_but_take_no_rank(cast, march):
    """With the default minimum of 10, nobody in this March is ranked: A has 5 dispatched and 4 closed,
    B 2 and 3, 太谷区卫健局 1 (100 %). They keep their rates and are marked 样本不足."""
    assert KpiSettings.current().min_sample == 10
    rows = by_name(report(cast.leader).departments)
    taigu = rows["太谷区卫生健康局"]
    assert taigu.score == 1 and taigu.rank is None and taigu.too_few
    assert rows["榆次区卫生健康局"].figures.sample == 5 and rows["榆次区卫生健康局"].too_few
    assert rows["晋中市卫生健康委员会"].rank is None and not rows["晋中市卫生健康委员会"].too_few  # nothing at all
    # At 5, A (5 dispatched) is ranked and alone; B (3 closed) and 太谷区卫健局 (1) are not.
    rank_from(5)
    ranked = report(cast.leader).departments
    assert [(row.rank, row.too_few, row.name) for row in ranked] == [
        (1, False, "榆次区卫生健康局"),
        (None, True, "榆次区住房和城乡建设局"),
        (None, True, "太谷区卫生健康局"),
        (None, False, "晋中市卫生健康委员会"),
    ]


def test_a_county_row_includes_its_departments(cast, march):
    """榆次区's row counts what its bureaus handled (A's 4 and B's 3 closed) as well as 顺城社区's u1;
    太谷区's counts its health bureau's t1."""
    rank_from(1)
    counties = by_name(report(cast.leader, level=Level.COUNTY).units)
    yuci = counties["榆次区"]
    assert yuci.figures.closed == 4 + 3 + 1 and yuci.figures.dispatched == 5 + 2 + 1
    assert yuci.departments_included == 2
    assert counties["太谷区"].figures.closed == 1 and counties["太谷区"].score == 1
    assert [row.name for row in report(cast.leader, level=Level.COUNTY).units] == ["太谷区", "榆次区"]
    # The units' total is everything in scope: every closed appeal of March, once.
    total = report(cast.leader, level=Level.COUNTY).unit_total
    assert total.figures.closed == 4 + 3 + 1 + 1


def test_units_roll_up_the_tree(cast, march):
    rank_from(1)
    townships = by_name(report(cast.leader, level=Level.TOWNSHIP).units)
    assert townships["榆次区北关街道"].figures.rated == 1 and townships["榆次区北关街道"].rank == 1
    assert townships["明星镇"].rank is None


def test_a_county_leader_sees_only_the_county(cast, march):
    result = report(march.yuci_leader)
    assert [row.name for row in result.departments] == ["榆次区住房和城乡建设局", "榆次区卫生健康局"]
    assert result.level == Level.TOWNSHIP
    assert {row.name for row in result.units} == {"榆次区北关街道"}
    assert result.department_total.figures.closed == 7  # A's 4 + B's 3; nothing from 太谷区


def test_period_parameters(cast):
    assert kpis.period_from_params({"month": "2026-02"}) == kpis.Period(datetime(2026, 2, 1).date(),
                                                                       datetime(2026, 2, 28).date())
    assert kpis.period_from_params({"from": "2026-03-05", "to": "2026-03-09"}).is_month is False
    with translation.override("en"), pytest.raises(kpis.BadInput, match="after it ends"):
        kpis.period_from_params({"from": "2026-03-09", "to": "2026-03-05"})
    with translation.override("en"), pytest.raises(kpis.BadInput, match="must look like 2026-03"):
        kpis.period_from_params({"month": "March"})


def test_generated_appeals_are_counted_like_a_plain_count(cast):
    """appeals_generate (bulk_create on SQLite) makes appeals the report counts; checked against a
    naive count over the rows, holder by holder."""
    from django.core.management import call_command
    from django.utils import timezone

    from appeals.models import Appeal, AppealEvent

    call_command("appeals_generate", 300, seed=7, days=60, stdout=io.StringIO())
    assert Appeal.objects.count() == 300 and AppealEvent.objects.count() > 300
    today = timezone.localdate()
    period = kpis.Period(today - timedelta(days=70), today)
    result = kpis.kpi_report(user=cast.root, period=period)
    start, stop = period.bounds
    closed = Appeal.objects.filter(state=State.CLOSED, closed_at__gte=start, closed_at__lt=stop)
    for row in result.departments:
        mine = closed.filter(assigned_department=row.subject)
        assert row.figures.closed == mine.count()
        assert row.figures.satisfied == mine.filter(satisfaction=Satisfaction.SATISFIED).count()
    assert result.unit_total.figures.closed == closed.count()  # units with their departments: everything
    assert result.department_total.figures.closed > 0
    # Each went where a dispatcher would send it: the department of its matter's kind serving its place.
    from appeals.management.commands.appeals_generate import SUBJECTS

    kind_of = {title: kind for title, _text, _urgency, kind in SUBJECTS}
    routed = Appeal.objects.filter(assigned_department__isnull=False).select_related("assigned_department__unit",
                                                                                       "place")
    assert routed.count() > 20
    for appeal in routed:
        assert appeal.assigned_department.kind == kind_of[appeal.title], appeal.title
        assert appeal.place.path.startswith(appeal.assigned_department.unit.path)
    # `make run` asks for the demo's appeals only while there are none: a second run adds nothing.
    call_command("appeals_generate", 300, seed=8, days=60, if_empty=True, stdout=io.StringIO())
    assert Appeal.objects.count() == 300
