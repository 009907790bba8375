"""Background work of targets (django-tasks, run by the task worker: deploy/README.md): a monthly report
asked for on the page is built here, its progress written on the row for the page to show."""

from django_tasks import task

from targets import monthly
from targets.models import MonthlyReport, MonthlyReportState


@task()
def build_monthly_report(report_id: int) -> None:
    report = (
        MonthlyReport.objects.select_related("unit", "created_by")
        .filter(pk=report_id, state=MonthlyReportState.BUILDING)
        .first()
    )
    if report is not None:  # built already (a task run twice) or gone
        monthly.report_build(report, viewer=report.created_by)
