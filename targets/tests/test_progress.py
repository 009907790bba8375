"""Progress: the expected path through the milestones, the status with its reason, and the refresh that
recomputes only what changed."""

from datetime import date
from decimal import Decimal

from targets import progress, services
from targets.models import ProgressPoint, Status, Target
from targets.registry import Direction

from .conftest import at


def make_target(t, **overrides):
    values = {
        "title": "家庭医生签约率提高3个百分点",
        "owner_unit": t.cast.yuci,
        "year": 2026,
        "indicator_code": "reported.family-doctor",
        "baseline": "35",
        "target_value": "38",
        "milestones": [(date(2026, 6, 30), "36")],
    }
    values.update(overrides)
    return services.target_save(actor=t.cast.root, data=services.TargetInput(**values))


def test_the_expected_path_runs_through_the_milestones(t):
    target = make_target(t)
    assert progress.expected_on(target, date(2026, 1, 1)) == Decimal("35")
    assert progress.expected_on(target, date(2026, 6, 30)) == Decimal("36")
    assert progress.expected_on(target, date(2026, 12, 31)) == Decimal("38")
    assert Decimal("36.9") < progress.expected_on(target, date(2026, 9, 30)) < Decimal("37.1")


def test_status_from_the_gap_with_the_reason_in_chinese(t):
    target = make_target(t)
    day = date(2026, 6, 30)
    assert progress.judge(target, Decimal("36"), Decimal("36"), day).status == Status.ON_TRACK
    assert progress.judge(target, Decimal("35.75"), Decimal("36"), day).status == Status.AT_RISK
    behind = progress.judge(target, Decimal("35.2"), Decimal("36"), day, "%")
    assert behind.status == Status.BEHIND
    assert behind.reason == "截至 2026-06-30 为 35.2%，按计划应达 36%，差 0.8%，落后全程的 27%。"
    assert progress.judge(target, Decimal("38.5"), Decimal("36"), day).status == Status.DONE
    assert progress.judge(target, None, Decimal("36"), day).status == Status.NO_DATA


def test_a_falling_target_is_judged_the_other_way(t):
    target = make_target(
        t,
        indicator_code="demands.closed_late",
        baseline="100",
        target_value="50",
        direction=Direction.FALL,
        milestones=[],
    )
    assert progress.judge(target, Decimal("80"), Decimal("75"), date(2026, 6, 30)).status == Status.AT_RISK
    assert progress.judge(target, Decimal("45"), Decimal("75"), date(2026, 6, 30)).status == Status.DONE


def test_the_refresh_computes_each_month_then_only_what_changed(t):
    with at("2026-03-01 09:00"):
        target = make_target(t)
    with at("2026-03-10 09:00"):
        march = services.report_submit(
            actor=t.yuci_reporter,
            indicator=t.family_doctor,
            unit=t.cast.yuci,
            month="2026-02",
            numerator="352",
            denominator="1000",
        )
    with at("2026-03-10 10:00"):
        written = progress.progress_refresh(today=date(2026, 3, 10))
    assert written == 3  # January, February and March so far
    points = list(ProgressPoint.objects.filter(target=target).order_by("on"))
    assert [p.on for p in points] == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 10)]
    assert all(p.status == Status.NO_DATA for p in points)  # the figure is not approved yet
    with at("2026-03-11 10:00"):
        assert progress.progress_refresh(today=date(2026, 3, 11)) == 1  # only the month running
        services.report_approve(actor=t.city_reviewer, report=march)
    with at("2026-03-11 11:00"):
        assert progress.progress_refresh(today=date(2026, 3, 11)) == 3  # an approved figure: all again
    target.refresh_from_db()
    points = {p.on: p for p in ProgressPoint.objects.filter(target=target)}
    assert date(2026, 3, 10) not in points  # yesterday's point of the month running gave way
    assert points[date(2026, 2, 28)].value == Decimal("35.20") and points[date(2026, 2, 28)].denominator == 1000
    assert points[date(2026, 1, 31)].status == Status.NO_DATA
    assert target.current_as_of == date(2026, 3, 11) and target.current_value == Decimal("35.20")
    # The path asks for 35.38 by 11 March: 0.18 short is 6% of the way behind.
    assert target.current_status == Status.AT_RISK and "按计划应达 35.38%" in target.current_reason


def test_township_figures_add_up_when_the_county_reported_none(t):
    """Each township's administrator reports its own figure, the county's 卫健局 reviews; the county's
    value is their sum until it reports one of its own, which then stands for the whole county."""
    from conftest import make_staff
    from orgs.models import Role

    target = make_target(t)
    for unit, n, d in ((t.cast.beiguan, 300, 800), (t.cast.mingxing, 0, 0)):
        if not d:
            continue
        reporter = make_staff(f"admin-{unit.code}", (Role.ADMIN, unit), root=t.cast.root)
        with at("2026-03-10 09:00"):
            report = services.report_submit(
                actor=reporter, indicator=t.family_doctor, unit=unit, month="2026-02", numerator=n, denominator=d
            )
        services.report_approve(actor=t.yuci_reporter, report=report)
    value = progress.value_of(Target.objects.get(pk=target.pk), date(2026, 2, 28))
    assert value.numerator == 300 and value.denominator == 800 and value.value == Decimal("37.50")
    with at("2026-03-10 09:00"):
        county = services.report_submit(
            actor=t.yuci_reporter,
            indicator=t.family_doctor,
            unit=t.cast.yuci,
            month="2026-02",
            numerator="700",
            denominator="2000",
        )
    services.report_approve(actor=t.city_reviewer, report=county)
    assert progress.value_of(Target.objects.get(pk=target.pk), date(2026, 2, 28)).value == Decimal("35.00")
