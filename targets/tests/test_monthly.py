"""The monthly report: a Word document and a workbook whose figures are the dashboard's, built on demand
as a new version with its progress, and downloaded by whom may see the unit."""

import io

import pytest
from docx import Document
from openpyxl import load_workbook

from appeals.kpis import month_period
from targets import monthly, progress, selectors
from targets.models import MonthlyReport, MonthlyReportState

from .test_indicators import march  # noqa: F401 - the fixture of four March demands
from .test_progress import make_target


@pytest.fixture
def immediate_tasks(settings):
    """Tasks run as they are enqueued (django_tasks resets its backends when the setting changes)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def docx_tables(content: bytes) -> dict[str, list[list[str]]]:
    """Each table of the document under the heading before it."""
    document = Document(io.BytesIO(content))
    out, heading = {}, ""
    body = document.element.body
    tables = iter(document.tables)
    paragraphs = {p._p: p for p in document.paragraphs}
    for child in body.iterchildren():
        if child in paragraphs and paragraphs[child].style.name.startswith("Heading"):
            heading = paragraphs[child].text
        elif child.tag.endswith("}tbl"):
            table = next(tables)
            out[heading] = [[cell.text for cell in row.cells] for row in table.rows]
    return out


def test_the_reports_figures_equal_the_dashboards(cast, t, march, media_root):  # noqa: F811
    make_target(
        t, owner_unit=cast.city, indicator_code="demands.closed", baseline="0", target_value="100", milestones=[]
    )
    progress.progress_refresh()
    period = month_period(2026, 3)
    board = selectors.dashboard(cast.leader, cast.city, period)
    report = monthly.report_build(
        monthly.report_request(actor=cast.leader, unit=cast.city, period=period), viewer=cast.leader
    )
    assert report.state == MonthlyReportState.READY and report.progress == 100 and report.version == 1
    tables = docx_tables(report.docx.read())
    for section in board.sections:
        rows = tables[section.label]
        assert rows[0][1:] == [str(line.indicator.name) for line in section.lines]
        assert rows[1] == [cast.city.name, *[line.value.shown() for line in section.lines]]
        for index, child in enumerate(board.children, start=2):
            assert rows[index] == [child.name, *[line.children[index - 2][1].shown() for line in section.lines]]
    demands = tables["诉求"]
    assert demands[1][1:3] == ["4", "2"]  # received, closed in March: the fixture's figures
    targets = tables["民生实事"]
    assert targets[1][0] == board.targets[0].target.title
    # dispatch's sections, plugged in from dispatch/apps.py: the month's hot spots and 每月一题.
    assert tables["热点"][0] == ["排名", "关键词", "所在单位", "诉求件数"] and "每月一题" in tables
    ranking = tables["下级单位三率排名"]
    assert [row[1] for row in ranking[1:]] == ["榆次区", "太谷区"]
    book = load_workbook(io.BytesIO(report.xlsx.read()))
    sheet = book["诉求"]
    assert [c.value for c in sheet[2]][:3] == [cast.city.name, "4", "2"]


def test_a_leader_builds_the_report_on_demand_and_downloads_it(
    client, cast, t, immediate_tasks, media_root, django_capture_on_commit_callbacks
):
    client.force_login(cast.leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/targets/monthly/?unit=140700000000&month=2026-03")
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/targets/monthly/?unit=140700000000&month=2026-03")
    versions = list(MonthlyReport.objects.order_by("version"))
    assert [(v.version, v.state) for v in versions] == [(1, "ready"), (2, "ready")]
    html = client.get("/targets/monthly/?unit=140700000000&month=2026-03").content.decode()
    assert html.count('data-download="docx"') == 2
    download = client.get(f"/targets/monthly/{versions[1].pk}/docx/")
    assert download.status_code == 200
    assert "140700000000-2026-03-v2.docx" in download["Content-Disposition"]
    assert client.get(f"/targets/monthly/{versions[1].pk}/status/").json() == {"state": "ready", "progress": 100}
    client.force_login(t.yuci_leader)  # a county's leader: not the city's report
    assert client.get(f"/targets/monthly/{versions[1].pk}/docx/").status_code == 403


def test_a_report_whose_worker_died_stops_being_built_and_can_be_built_again(
    client, cast, t, immediate_tasks, media_root, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from core.jobs import jobs_recover

    client.force_login(cast.leader)
    stuck = monthly.report_request(actor=cast.leader, unit=cast.city, period=month_period(2026, 3))
    # Its worker died before it finished: no task will ever end it.
    assert jobs_recover(now=timezone.now() + timedelta(minutes=20))["monthly_reports_given_up"] == 0  # slow, not dead
    assert jobs_recover(now=timezone.now() + timedelta(minutes=31))["monthly_reports_given_up"] == 1
    stuck.refresh_from_db()
    assert stuck.state == MonthlyReportState.FAILED
    html = client.get("/targets/monthly/?unit=140700000000&month=2026-03").content.decode()
    assert "生成中断" in html and "请重新生成报告" in html and "data-status-url" not in html  # no longer polled
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/targets/monthly/?unit=140700000000&month=2026-03")
    assert [(v.version, v.state) for v in MonthlyReport.objects.order_by("version")] == [(1, "failed"), (2, "ready")]
