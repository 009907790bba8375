"""manage.py targets_refresh (nightly) and targets_demo."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from targets.models import IndicatorReport, IndicatorSnapshot, MonthlyReport, ProgressPoint, ReportState, Status, Target

from .test_progress import make_target


def test_the_nightly_refresh_writes_progress_snapshots_and_last_months_reports_once(cast, t, media_root):
    target = make_target(
        t, owner_unit=cast.city, indicator_code="demands.received", baseline="0", target_value="1000", milestones=[]
    )
    out = StringIO()
    call_command("targets_refresh", "--no-progress", "--monthly-report", stdout=out)
    assert ProgressPoint.objects.filter(target=target).exists()
    assert IndicatorSnapshot.objects.filter(code="demands.received", unit=cast.yuci).count() == 12
    built = MonthlyReport.objects.count()
    assert built == 3  # the city and its two counties
    call_command("targets_refresh", "--no-progress", "--monthly-report", stdout=out)
    assert MonthlyReport.objects.count() == built
    assert "已生成月报：0 份" in out.getvalue()


@override_settings(DEBUG=True)
@pytest.mark.django_db
def test_targets_demo_builds_the_list_with_reported_history(categories):
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("targets_demo", "--if-empty", stdout=out)
    titles = set(Target.objects.values_list("title", flat=True))
    assert {"建成20个标准化社区食堂", "家庭医生签约率提高3个百分点", "急诊急救“五大中心”县县全覆盖"} <= titles
    assert IndicatorReport.objects.filter(state=ReportState.SUBMITTED).exists()  # waiting for review
    assert IndicatorReport.objects.filter(state=ReportState.RETURNED).exists()
    assert IndicatorReport.objects.filter(state=ReportState.APPROVED).count() > 100
    statuses = set(Target.objects.values_list("current_status", flat=True))
    assert Status.BEHIND in statuses and Status.ON_TRACK in statuses
    count = Target.objects.count()
    call_command("targets_demo", "--if-empty", stdout=out)
    assert Target.objects.count() == count


def test_the_ten_minute_refresh_keeps_the_month_running_for_the_dashboard(cast, t):
    from django.utils import timezone

    from appeals.kpis import month_period
    from targets import selectors
    from targets.models import RunningFigure

    out = StringIO()
    call_command("targets_refresh", "--no-progress", "--running", stdout=out)
    assert RunningFigure.objects.filter(code="demands.received", unit=cast.yuci).count() == 1
    assert not ProgressPoint.objects.exists()  # only the month running's figures
    today = timezone.localdate()
    board = selectors.dashboard(cast.leader, cast.city, month_period(today.year, today.month))
    assert board.figures_as_of is not None
    assert "当月数据" in out.getvalue()
