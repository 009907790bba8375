"""Targets and reported figures through the services: bad input gets a clear Chinese error and loses
nothing; only the right people act; an approved figure changes only with a reason, audited."""

from datetime import date

import pytest

from core.errors import BadInput, InvalidTransition, NotAllowed
from core.models import AuditEvent
from targets import services
from targets.models import IndicatorReport, ReportState, Target
from targets.registry import Direction


def data(cast, **overrides):
    values = {
        "title": "新建标准化社区食堂",
        "owner_unit": cast.city,
        "year": 2026,
        "indicator_code": "care.people",
        "baseline": "0",
        "target_value": "20",
        "milestones": [(date(2026, 6, 30), "10")],
    }
    values.update(overrides)
    return services.TargetInput(**values)


def test_an_administrator_defines_a_target_with_milestones_audited(cast, t):
    target = services.target_save(actor=t.city_admin, data=data(cast, covered_units=[cast.yuci]))
    assert target.baseline == 0 and target.target_value == 20
    assert [(m.due_on, m.value) for m in target.milestones.all()] == [(date(2026, 6, 30), 10)]
    assert list(target.covered_units.all()) == [cast.yuci]
    event = AuditEvent.objects.get(verb="targets.target.create")
    assert event.target_id == str(target.pk) and event.data["target_value"] == "20.00"


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"baseline": "30", "target_value": "20"}, "必须高于基线"),
        ({"baseline": "10", "target_value": "20", "direction": Direction.FALL}, "必须低于基线"),
        ({"milestones": [(date(2027, 1, 15), "5")]}, "不在目标年度"),
        ({"target_value": "二十"}, "必须是数字"),
        ({"indicator_code": "nothing.here"}, "没有指标"),
        ({"title": "  "}, "标题"),
    ],
)
def test_bad_targets_are_refused_in_chinese_and_nothing_is_saved(cast, t, overrides, words):
    with pytest.raises(BadInput) as refused:
        services.target_save(actor=t.city_admin, data=data(cast, **overrides))
    assert words in str(refused.value.message)
    assert not Target.objects.exists() and not AuditEvent.objects.filter(verb__startswith="targets.").exists()


def test_only_administrators_of_the_owner_unit_define_targets(cast, t):
    with pytest.raises(NotAllowed):
        services.target_save(actor=cast.leader, data=data(cast))
    with pytest.raises(NotAllowed):  # 榆次区's administrator does not reach the city
        services.target_save(actor=cast.admin, data=data(cast))
    assert services.target_save(actor=cast.admin, data=data(cast, owner_unit=cast.yuci)).owner_unit == cast.yuci
    with pytest.raises(BadInput):  # a covered unit outside the owner unit
        services.target_save(actor=cast.admin, data=data(cast, owner_unit=cast.yuci, covered_units=[cast.taigu]))


def submit(t, **overrides):
    values = {
        "actor": t.yuci_reporter,
        "indicator": t.family_doctor,
        "unit": t.cast.yuci,
        "month": "2026-03",
        "numerator": "8120",
        "denominator": "21500",
        "note": "据签约系统导出",
    }
    values.update(overrides)
    return services.report_submit(**values)


def test_a_department_reports_and_the_unit_above_approves(cast, t):
    report = submit(t)
    assert report.state == ReportState.SUBMITTED and report.numerator == 8120 and report.denominator == 21500
    with pytest.raises(NotAllowed):  # the reporter does not review their own figure
        services.report_approve(actor=t.yuci_reporter, report=report)
    with pytest.raises(NotAllowed):  # another county's health bureau is not the unit above
        services.report_approve(actor=cast.taigu_handler, report=report)
    services.report_approve(actor=t.city_reviewer, report=report, note="已核")
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED and report.reviewed_by == t.city_reviewer
    assert list(
        AuditEvent.objects.filter(verb__startswith="targets.report").values_list("verb", flat=True).order_by("pk")
    ) == ["targets.report.submit", "targets.report.approve"]


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"numerator": "22000"}, "高于分母"),
        ({"denominator": None, "numerator": "37.8"}, "分子和分母"),
        ({"denominator": "0"}, "分母必须大于零"),
        ({"numerator": "-1"}, "不能为负"),
        ({"month": "2099-01"}, "尚未开始"),
        ({"month": "三月"}, "2026-03"),
    ],
)
def test_bad_figures_are_refused_in_chinese_and_nothing_is_saved(cast, t, overrides, words):
    with pytest.raises(BadInput) as refused:
        submit(t, **overrides)
    assert words in str(refused.value.message)
    assert not IndicatorReport.objects.exists()


def test_a_count_takes_no_denominator(cast, t):
    with pytest.raises(BadInput) as refused:
        submit(t, indicator=t.inpatient, numerator="900", denominator="1000")
    assert "分母留空" in str(refused.value.message)
    assert submit(t, indicator=t.inpatient, numerator="900", denominator=None).denominator is None


def test_a_period_already_approved_cannot_be_reported_again(cast, t):
    report = services.report_approve(actor=t.city_reviewer, report=submit(t))
    with pytest.raises(InvalidTransition) as refused:
        submit(t, numerator="9000")
    assert "已审核" in str(refused.value.message)
    report.refresh_from_db()
    assert report.numerator == 8120 and report.state == ReportState.APPROVED


def test_a_returned_figure_is_corrected_by_reporting_again(cast, t):
    report = submit(t)
    with pytest.raises(BadInput):  # returning needs a note
        services.report_return(actor=t.city_reviewer, report=report, note=" ")
    services.report_return(actor=t.city_reviewer, report=report, note="分母应为常住人口")
    corrected = submit(t, denominator="23000")
    assert corrected.pk == report.pk and corrected.state == ReportState.SUBMITTED and corrected.denominator == 23000


def test_an_approved_figure_changes_only_with_a_reason_and_the_change_is_audited(cast, t):
    report = services.report_approve(actor=t.city_reviewer, report=submit(t))
    with pytest.raises(BadInput):
        services.report_amend(actor=t.city_reviewer, report=report, numerator="8200", denominator="21500", reason="")
    with pytest.raises(NotAllowed):
        services.report_amend(
            actor=t.yuci_reporter, report=report, numerator="8200", denominator="21500", reason="补录"
        )
    report.refresh_from_db()
    assert report.numerator == 8120
    services.report_amend(
        actor=t.city_reviewer, report=report, numerator="8200", denominator="21500", reason="补录3月底签约"
    )
    report.refresh_from_db()
    assert report.numerator == 8200 and report.state == ReportState.APPROVED
    event = AuditEvent.objects.get(verb="targets.report.amend")
    assert event.data["before"]["numerator"] == "8120.00" and event.data["reason"] == "补录3月底签约"
