"""The pages: the dashboard with its drill-down, a target, the definition form, 填报 → 审核, the public
list; each refuses who is outside its scope."""

import io
import re

import pytest

from targets import progress, services
from targets.models import IndicatorReport, ReportState, Target

from .test_progress import make_target


@pytest.fixture
def target(t):
    target = make_target(
        t, owner_unit=t.cast.city, indicator_code="demands.closed", baseline="0", target_value="100", milestones=[]
    )
    progress.progress_refresh()
    return target


def test_the_city_leader_opens_the_dashboard_and_drills_to_a_county(client, cast, t, target):
    client.force_login(cast.leader)
    html = client.get("/targets/").content.decode()
    assert 'data-dashboard-unit="140700000000"' in html
    assert f'data-target="{target.pk}"' in html
    for section in ("demands", "care"):
        assert f'data-section="{section}"' in html
    assert 'data-drill="140702000000"' in html and 'data-drill="140703000000"' in html
    html = client.get("/targets/?unit=140702000000").content.decode()
    assert 'data-dashboard-unit="140702000000"' in html and 'data-drill="140702001000"' in html
    # The breadcrumb leads back up to the city.
    assert 'data-unit="140700000000"' in html


def test_a_county_leader_reaches_the_county_not_the_city(client, t, target):
    client.force_login(t.yuci_leader)
    assert 'data-dashboard-unit="140702000000"' in client.get("/targets/").content.decode()
    assert client.get("/targets/?unit=140700000000").status_code == 403
    assert client.get("/targets/?unit=140703000000").status_code == 403
    assert client.get(f"/targets/{target.pk}/").status_code == 403


@pytest.mark.parametrize("member", ["handler_a", "grid_worker", "resident"])
def test_the_dashboard_refuses_those_who_are_not_leaders(client, cast, member):
    client.force_login(getattr(cast, member))
    assert client.get("/targets/").status_code == 403


def test_a_bad_month_is_said_in_chinese(client, cast, t):
    client.force_login(cast.leader)
    response = client.get("/targets/?month=2026-13")
    assert response.status_code == 400 and "2026-03" in response.content.decode()


def test_the_target_page_shows_its_progress_as_a_chart_and_a_table(client, cast, t, target):
    client.force_login(cast.leader)
    html = client.get(f"/targets/{target.pk}/").content.decode()
    assert 'id="tg-target-chart"' in html and 'id="tg-target-data"' in html
    assert html.count("<tr>") >= len(progress.month_ends(target.year, target.points.last().on))


def test_the_target_form_keeps_what_was_typed_and_says_what_is_wrong(client, cast, t):
    client.force_login(t.city_admin)
    form = {
        "title": "新建20个标准化社区食堂",
        "owner_unit": cast.city.pk,
        "year": 2026,
        "indicator_code": "care.people",
        "direction": "rise",
        "baseline": "20",
        "target_value": "10",
        "order": 50,
        "m1_date": "2027-03-31",
        "m1_value": "5",
    }
    response = client.post("/targets/new/", form)
    html = response.content.decode()
    assert response.status_code == 400 and "必须高于基线值" in html and "新建20个标准化社区食堂" in html
    form["target_value"] = "40"
    response = client.post("/targets/new/", form)
    assert response.status_code == 400 and "不在目标年度" in response.content.decode()
    form["m1_date"] = "2026-03-31"
    response = client.post("/targets/new/", form)
    saved = Target.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/targets/{saved.pk}/"
    assert saved.milestones.get().value == 5 and saved.points.exists()  # computed once it is saved


def test_leaders_do_not_define_targets(client, cast):
    client.force_login(cast.leader)
    assert client.get("/targets/new/").status_code == 403


def test_report_then_review_through_the_pages(client, cast, t):
    client.force_login(t.yuci_reporter)
    response = client.post(
        "/targets/reports/",
        {
            "indicator": t.family_doctor.pk,
            "unit": cast.yuci.pk,
            "month": "2026-03",
            "numerator": "22000",
            "denominator": "21500",
        },
    )
    assert response.status_code == 400 and "高于分母" in response.content.decode()
    assert not IndicatorReport.objects.exists()
    response = client.post(
        "/targets/reports/",
        {
            "indicator": t.family_doctor.pk,
            "unit": cast.yuci.pk,
            "month": "2026-03",
            "numerator": "8120",
            "denominator": "21500",
        },
    )
    assert response.status_code == 302
    report = IndicatorReport.objects.get()
    client.force_login(t.city_reviewer)
    html = client.get("/targets/reports/").content.decode()
    assert f"/targets/reports/{report.pk}/review/" in html
    client.post(f"/targets/reports/{report.pk}/review/", {"action": "approve"})
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED
    # The same month again: refused, the approved figure kept.
    client.force_login(t.yuci_reporter)
    response = client.post(
        "/targets/reports/",
        {
            "indicator": t.family_doctor.pk,
            "unit": cast.yuci.pk,
            "month": "2026-03",
            "numerator": "8000",
            "denominator": "21500",
        },
    )
    assert response.status_code == 400 and "已审核" in response.content.decode()
    report.refresh_from_db()
    assert report.numerator == 8120


def test_figures_come_in_by_xlsx_all_or_nothing(client, cast, t):
    from openpyxl import Workbook

    def workbook(rows):
        book = Workbook()
        book.active.append(["指标代码", "区划代码", "月份", "数值或分子", "分母（仅比率类指标）", "备注"])
        for row in rows:
            book.active.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        buffer.name = "figures.xlsx"
        return buffer

    client.force_login(t.yuci_reporter)
    good = ["family-doctor", "140702000000", "2026-02", 8000, 21500, ""]
    bad = ["family-doctor", "140702000000", "2026-03", 30000, 21500, ""]
    response = client.post("/targets/reports/import/", {"file": workbook([good, bad])}, follow=True)
    html = response.content.decode()
    assert "未保存任何数据" in html, html[html.find("<main") : html.find("<main") + 1500]
    assert not IndicatorReport.objects.exists()
    client.post("/targets/reports/import/", {"file": workbook([good])})
    assert IndicatorReport.objects.get().numerator == 8000
    assert client.get("/targets/reports/template.xlsx").status_code == 200


def test_the_public_page_needs_no_sign_in_and_shows_only_public_targets(client, cast, t, target):
    hidden = make_target(
        t,
        owner_unit=cast.city,
        title="内部指标",
        indicator_code="demands.received",
        baseline="0",
        target_value="10",
        milestones=[],
    )
    Target.objects.filter(pk=hidden.pk).update(is_public=False)
    html = client.get("/targets/public/?year=2026").content.decode()
    assert target.title in html and "内部指标" not in html
    assert len(re.findall(r'<progress class="tg-bar tg-bar-big"', html)) == 1


def test_the_leaders_home_links_to_the_dashboard(client, cast):
    client.force_login(cast.leader)
    assert "data-dashboard-link" in client.get("/").content.decode()


def test_services_refuse_an_amend_without_a_reason_on_the_page(client, cast, t):
    report = services.report_submit(
        actor=t.yuci_reporter,
        indicator=t.family_doctor,
        unit=cast.yuci,
        month="2026-03",
        numerator="1",
        denominator="2",
    )
    services.report_approve(actor=t.city_reviewer, report=report)
    client.force_login(t.city_reviewer)
    response = client.post(
        f"/targets/reports/{report.pk}/review/",
        {"action": "amend", "numerator": "2", "denominator": "2", "reason": ""},
        follow=True,
    )
    assert "必须说明理由" in response.content.decode()
    report.refresh_from_db()
    assert report.numerator == 1
