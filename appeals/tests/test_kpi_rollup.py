"""The 三率 daily summary (appeals.kpi_rollup): the KPI page shows exactly the figures of the pure live
count whether the rollup has run or not, however stale it is, and a rollup run twice, or
incrementally, leaves the same summary as a full rebuild.

Besides the hand-computed March of test_kpis, ``after_rollup`` builds appeals whose figures move on
days already summarised: a reassignment (改派) of an accepted appeal to another department a few
days later (its dispatch day moves), a pass-down (转办) of a summarised appeal to a community (its
holder changes), a reopened (重办) appeal closed after the rollup, an acceptance that comes late,
and an appeal dispatched in February and accepted and closed in March (a period boundary).
"""

import io
import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from appeals import kpi_rollup, kpis, tasks
from appeals.models import KpiDaySummary, KpiRollupState, Satisfaction
from appeals.services import (
    appeal_accept,
    appeal_dispatch,
    appeal_rate,
    appeal_reassign,
    appeal_reply,
    appeal_transfer,
)
from appeals.tests.test_kpis import LOOK_AT, MARCH, at
from conftest import new_appeal
from orgs.models import Level

PERIODS = [
    MARCH,
    kpis.month_period(2026, 2),
    kpis.Period(date(2026, 2, 25), date(2026, 3, 10)),  # across the month boundary
    kpis.Period(date(2026, 3, 2), date(2026, 3, 2)),  # one day
    kpis.Period(date(2025, 12, 1), date(2026, 4, 30)),  # beyond both ends
]


def snapshot(user, period, *, when, use_summary, level=None):
    """Everything the page shows, as plain values: each row's counts, score and rank, and the totals."""
    with at(when):
        report = kpis.kpi_report(user=user, period=period, level=level, use_summary=use_summary)

    def rows(lines):
        return [(row.name, row.rank, row.score, *(getattr(row.figures, name) for name in kpis.COUNTS))
                for row in lines]

    totals = [report.department_total] + ([report.unit_total] if report.unit_total else [])
    return rows(report.departments), rows(report.units), rows(totals)


def assert_same_as_live(viewers, when, periods=PERIODS):
    """The summary-backed report equals the pure live one for every viewer, period and unit level."""
    compared = 0
    for user in viewers:
        for period in periods:
            for level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
                live = snapshot(user, period, when=when, use_summary=False, level=level)
                assert snapshot(user, period, when=when, use_summary=True, level=level) == live, (user, period, level)
                compared += 1
    return compared


def summary_rows():
    return sorted(KpiDaySummary.objects.values_list("day", "department", "unit", *kpi_rollup.FIELDS))


def roll(when, **options):
    with at(when):
        return kpi_rollup.rollup(**options)


def test_march_figures_are_the_same_from_the_summary(cast, march):
    before = snapshot(cast.leader, MARCH, when=LOOK_AT, use_summary=False)
    assert roll("2026-04-01 08:00").covered_until == date(2026, 3, 31)
    assert KpiDaySummary.objects.exists()
    # Every day of March is summed from the summary now (nothing changed since the run) …
    with at(LOOK_AT):
        plan = kpi_rollup.plan(MARCH.start, MARCH.end)
    assert plan.summary == (MARCH.start, MARCH.end) and plan.live == [] and not plan.summary_excluded
    # … and gives the hand-computed figures: A 47/75 (with a5 waiting past its deadline counted live), B 49/75.
    after = snapshot(cast.leader, MARCH, when=LOOK_AT, use_summary=True)
    assert after == before
    scores = {name: score for name, _rank, score, *_counts in after[0]}
    assert scores["榆次区卫生健康局"] == kpis.Fraction(47, 75) and scores["榆次区住房和城乡建设局"] == kpis.Fraction(49, 75)
    assert assert_same_as_live([cast.leader, march.yuci_leader], LOOK_AT) == 30


def test_a_rollup_in_the_middle_of_the_month_gives_the_same_figures(cast, march):
    # Run "on 10 March" although the fixture holds later appeals: all of those count live as changed.
    roll("2026-03-10 01:00")
    assert KpiRollupState.objects.get().covered_until == date(2026, 3, 9)
    assert_same_as_live([cast.leader, march.yuci_leader], LOOK_AT)


def trend_snapshot(user, *, when, use_summary):
    with at(when):
        report = kpis.kpi_report(user=user, period=MARCH, use_summary=use_summary)
        points = kpis.kpi_trend(user=user, report=report, months=3, use_summary=use_summary)
    return [(str(point.period), point.received, *(getattr(point.figures, name) for name in kpis.COUNTS))
            for point in points]


def test_the_trend_by_month_is_the_same_from_the_summary_and_agrees_with_each_month(cast, march):
    """The trend cuts one plan into months (kpi_rollup.Plan.within): after a rollup in the middle of
    March each month still has the figures of the live count and of the page for that month alone."""
    live = trend_snapshot(march.yuci_leader, when=LOOK_AT, use_summary=False)
    roll("2026-03-10 01:00")
    assert trend_snapshot(march.yuci_leader, when=LOOK_AT, use_summary=True) == live
    assert [row[0] for row in live] == ["2026-01-01 – 2026-01-31", "2026-02-01 – 2026-02-28",
                                        "2026-03-01 – 2026-03-31"]
    for month, row in zip((kpis.month_period(2026, 2), MARCH), live[1:], strict=True):
        with at(LOOK_AT):
            alone = kpis.kpi_report(user=march.yuci_leader, period=month)
        assert row[2:] == tuple(getattr(alone.scope_total, name) for name in kpis.COUNTS)
        assert alone.scope_total.closed == alone.unit_total.figures.closed  # units with their departments


def build_after_rollup(cast):
    """Appeals summarised on 4 March (covering up to 3 March), then changed on 5 March."""
    A, B = cast.yuci_health, cast.yuci_housing
    appeals = {}
    with at("2026-02-27 16:00"):
        appeals["feb"] = new_appeal(cast)
        appeal_dispatch(actor=cast.dispatcher, appeal=appeals["feb"], target=A)
    with at("2026-03-02 09:00"):
        for name in ("passed", "reopened", "late"):
            appeals[name] = new_appeal(cast)
            appeal_dispatch(actor=cast.dispatcher, appeal=appeals[name], target=A)
    with at("2026-03-03 09:00"):  # alone on its day: only its dispatch event tells the day moved
        appeals["moved"] = new_appeal(cast)
        appeal_dispatch(actor=cast.dispatcher, appeal=appeals["moved"], target=A)
    with at("2026-03-03 12:00"):  # due 11:00: late
        appeal_accept(actor=cast.handler_a, appeal=appeals["moved"])
    with at("2026-03-02 10:00"):
        appeal_accept(actor=cast.handler_a, appeal=appeals["reopened"])
        appeal_accept(actor=cast.handler_a, appeal=appeals["passed"])
    with at("2026-03-02 14:00"):
        appeal_reply(actor=cast.handler_a, appeal=appeals["reopened"], text="已处理")
    with at("2026-03-03 10:00"):
        appeal_rate(actor=cast.resident, appeal=appeals["reopened"], satisfaction=Satisfaction.UNSATISFIED)

    roll("2026-03-04 01:00")
    figures_before = _department(cast, "榆次区卫生健康局", "2026-03-04 09:00")

    with at("2026-03-05 09:00"):
        appeal_accept(actor=cast.handler_a, appeal=appeals["feb"])  # late, 4 working days after its dispatch
        appeal_reply(actor=cast.handler_a, appeal=appeals["feb"], text="已处理")
        appeal_reassign(actor=cast.dispatcher, appeal=appeals["moved"], target=B)
        appeal_accept(actor=cast.handler_a, appeal=appeals["late"])  # waited past its deadline since 2 March
        appeal_transfer(actor=cast.handler_a, appeal=appeals["passed"], unit=cast.community)
        appeal_reply(actor=cast.handler_a, appeal=appeals["reopened"], text="再次处理")
    with at("2026-03-05 10:00"):
        appeal_rate(actor=cast.resident, appeal=appeals["feb"], satisfaction=Satisfaction.SATISFIED)
        appeal_rate(actor=cast.resident, appeal=appeals["reopened"], satisfaction=Satisfaction.BASIC)
        appeal_accept(actor=cast.handler_b, appeal=appeals["moved"])
    return appeals, figures_before


def _department(cast, name, when, period=MARCH, use_summary=True):
    departments, _units, _totals = snapshot(cast.leader, period, when=when, use_summary=use_summary)
    return next(row for row in departments if row[0] == name)[3:]


def test_changes_after_the_rollup_on_summarised_days_are_counted_live(cast):
    appeals, before = build_after_rollup(cast)
    counts = dict(zip(kpis.COUNTS, before, strict=True))
    # On 4 March department A had passed and reopened accepted on 2 March, moved accepted late on 3
    # March, and late still waiting.
    assert (counts["dispatched"], counts["accepted_on_time"]) == (4, 2)

    when = "2026-03-05 17:00"
    after = dict(zip(kpis.COUNTS, _department(cast, "榆次区卫生健康局", when), strict=True))
    # moved went to B (now dispatched on 5 March), passed to 顺城社区: reopened (on time) and late are left.
    assert KpiDaySummary.objects.get(day=date(2026, 3, 3), department=cast.yuci_health).accepted == 1  # stale
    assert (after["dispatched"], after["accepted_on_time"]) == (2, 1)
    # Closed on 5 March: reopened (基本满意) and feb (满意).
    assert (after["closed"], after["rated"], after["satisfied"], after["basic"]) == (2, 2, 1, 1)
    stale = KpiDaySummary.objects.filter(day=date(2026, 3, 2), department=cast.yuci_health).get()
    assert stale.accepted == 2  # the summary itself still has passed: the page did not use that day
    assert_same_as_live([cast.leader, cast.city_supervisor], when)
    # February's 响应率 sees feb accepted late; March sees it closed.
    february = dict(zip(kpis.COUNTS, _department(cast, "榆次区卫生健康局", when, kpis.month_period(2026, 2)),
                        strict=True))
    assert (february["dispatched"], february["accepted_on_time"]) == (1, 0)


def test_incremental_rollups_match_a_full_rebuild_and_running_twice_changes_nothing(cast):
    build_after_rollup(cast)
    result = roll("2026-03-06 01:00")
    assert not result.full and result.covered_until == date(2026, 3, 5)
    # The days recomputed: the changed ones (27 Feb, 2 and 3 March) and the new ones (4, 5 March).
    assert result.days == 5
    incremental = summary_rows()
    again = roll("2026-03-06 01:05")
    assert summary_rows() == incremental and again.covered_until == result.covered_until
    assert roll("2026-03-06 01:10", full=True).full
    assert summary_rows() == incremental
    day_2 = [row for row in incremental if row[0] == date(2026, 3, 2)]
    assert (date(2026, 3, 2), cast.yuci_health.pk, None, 2, 1, 0, 0, 0, 0, 0, 0) in day_2
    assert [row for row in day_2 if row[2] == cast.community.pk] == []  # passed down, not accepted: no empty rows
    assert not [row for row in incremental if row[0] == date(2026, 3, 3)]  # moved left it: no empty rows
    assert_same_as_live([cast.leader], "2026-03-06 09:00")


def test_generated_appeals_are_the_same_from_the_summary(cast):
    from django.utils import timezone

    call_command("appeals_generate", 300, seed=11, days=40, stdout=io.StringIO())
    later = (timezone.localtime() + kpi_rollup.MARGIN * 2).isoformat()  # the generated rows are not "changed"
    roll(later)
    with at(later):
        today = timezone.localdate()
    periods = [kpis.Period(today - kpis.timedelta(days=45), today),
               kpis.Period(today - kpis.timedelta(days=20), today - kpis.timedelta(days=3))]
    for period in periods:
        with at(later):
            assert kpi_rollup.plan(period.start, period.end).live[:-1] == []  # at most today is live
        for user in (cast.root, cast.leader):
            live = snapshot(user, period, when=later, use_summary=False)
            assert snapshot(user, period, when=later, use_summary=True) == live
            assert sum(row[4] for row in live[2]) > 0  # something dispatched in the period


def test_the_command_and_the_task_run_the_rollup(cast, march, english):
    out = io.StringIO()
    with at("2026-04-02 03:00"):
        call_command("appeals_kpi_rollup", stdout=out)
    assert "summarised up to 2026-04-01" in out.getvalue()
    rows = summary_rows()
    with at("2026-04-02 03:10"):
        outcome = tasks.kpi_rollup.call()
    assert outcome["covered_until"] == "2026-04-01" and not outcome["full"]
    assert summary_rows() == rows


def test_the_page_says_until_when_figures_come_from_the_summary(client, cast, march):
    url = reverse("appeals:kpi")
    with at(LOOK_AT):
        client.force_login(cast.leader)
        page = client.get(url, {"month": "2026-03"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "All figures are counted live" in page
    roll("2026-03-20 02:00")
    with at(LOOK_AT):
        page = client.get(url, {"month": "2026-03"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Days up to 2026-03-19 are summed from the daily summary (refreshed 2026-03-20 02:00)" in page
    assert ">65.33<" in page and ">62.67<" in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="two connections at once need PostgreSQL; SQLite serialises writers by itself")
def test_two_rollups_at_once_write_each_day_once(cast):
    for when, target, handler in (("2026-03-02 09:00", cast.yuci_health, cast.handler_a),
                                  ("2026-03-02 09:00", cast.yuci_housing, cast.handler_b),
                                  ("2026-03-03 09:00", cast.yuci_health, cast.handler_a)):
        with at(when):
            appeal = new_appeal(cast)
            appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=target)
            appeal_accept(actor=handler, appeal=appeal)
    roll("2026-03-01 12:00")  # an earlier run: the two below both find the days since then to add
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(kpi_rollup.rollup())
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # One added the days since 1 March; the other waited for it, then had nothing left to do.
    assert sorted(result.days for result in results)[0] == 0 and not any(result.full for result in results)
    rows = summary_rows()
    assert len({row[:3] for row in rows}) == len(rows) == 3
    kpi_rollup.rollup(full=True)
    assert summary_rows() == rows


def test_received_comes_from_the_summary_and_equals_what_each_viewer_may_see(cast):
    """The headline's "received" sums ReceivedDaySummary under the viewer's scope filter; a holder that
    changed after the rollup (改派 to B, 转办 to 顺城社区) makes that day count live, so each viewer still
    gets exactly the appeals they may see that were recorded in the period."""
    from appeals.models import ReceivedDaySummary
    from appeals.selectors import appeals_visible_to

    appeals, _before = build_after_rollup(cast)
    assert ReceivedDaySummary.objects.filter(day=date(2026, 3, 2)).exists()
    when = "2026-03-05 17:00"
    viewers = [cast.leader, cast.city_supervisor, cast.handler_a, cast.handler_b, cast.grid_worker,
               cast.dispatcher, cast.taigu_supervisor, cast.root]
    for user in viewers:
        for period in PERIODS:
            with at(when):
                report = kpis.kpi_report(user=user, period=period)
                summed = kpis.kpi_headline(user=user, report=report).received
                live = kpis.kpi_headline(user=user, report=report, use_summary=False).received
                start, stop = period.bounds
                direct = appeals_visible_to(user).filter(created_at__gte=start, created_at__lt=stop).count()
            assert summed == live == direct, (user.username, str(period))
    with at(when):
        report = kpis.kpi_report(user=cast.handler_b, period=MARCH)
        # B holds only "moved" (reassigned to it on 5 March, after the rollup): recorded 3 March.
        assert kpis.kpi_headline(user=cast.handler_b, report=report).received == 1
        report = kpis.kpi_report(user=cast.taigu_supervisor, period=MARCH)
        assert kpis.kpi_headline(user=cast.taigu_supervisor, report=report).received == 0
    roll("2026-03-06 01:00")  # the changed days summarised again with the new holders: same answers
    with at("2026-03-06 09:00"):
        report = kpis.kpi_report(user=cast.handler_b, period=MARCH)
        assert kpi_rollup.plan(MARCH.start, MARCH.end).summary_excluded == set()
        assert kpis.kpi_headline(user=cast.handler_b, report=report).received == 1
