"""The KPI page and its xlsx report: who may open them, what each viewer sees, and what the file holds.
The figures are the hand-computed March of test_kpis."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from appeals.tests.test_kpis import LOOK_AT, at, rank_from

URL = reverse("appeals:kpi")
EXPORT = reverse("appeals:kpi_export")


def get(client, user, url=URL, **params):
    with at(LOOK_AT):  # signed in at the same moment, so the session is fresh whatever today is
        client.force_login(user)
        return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def test_city_leader_sees_every_department_ranked_with_the_definitions(client, cast, march):
    response = get(client, cast.leader, month="2026-03")
    page = response.content.decode()
    assert response.status_code == 200
    for name in ("太谷区卫生健康局", "榆次区住房和城乡建设局", "榆次区卫生健康局", "晋中市卫生健康委员会"):
        assert name in page
    assert page.index("榆次区住房和城乡建设局") < page.index("榆次区卫生健康局")  # 65.33 before 62.67
    assert ">65.33<" in page and ">62.67<" in page and "40.00%<span class=\"kpi-counts\">2/5</span>" in page
    assert "Response rate (响应率)" in page and "basically satisfied (基本满意) counts 0.9" in page
    assert "response rate (响应率) 0.1, resolution rate (解决率) 0.5, satisfaction rate (满意率) 0.4" in page


def test_county_leader_sees_only_the_county(client, cast, march):
    page = get(client, march.yuci_leader, month="2026-03").content.decode()
    assert "榆次区卫生健康局" in page and "榆次区北关街道" in page
    assert "太谷区" not in page and "晋中市卫生健康委员会" not in page


@pytest.mark.parametrize("who", ["dispatcher", "city_supervisor", "admin"])
def test_supervisors_dispatchers_and_admins_may_open_it(client, cast, march, who):
    assert get(client, getattr(cast, who)).status_code == 200


@pytest.mark.parametrize("who", ["handler_a", "grid_worker", "resident"])
def test_others_are_refused(client, cast, who):
    assert get(client, getattr(cast, who)).status_code == 403
    assert get(client, getattr(cast, who), EXPORT).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, cast):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_backwards_period_is_explained(client, cast, march):
    response = get(client, cast.leader, **{"from": "2026-03-31", "to": "2026-03-01"})
    assert response.status_code == 400
    assert "The period starts (2026-03-31) after it ends (2026-03-01)." in response.content.decode()


def test_export_holds_the_ranked_figures_of_the_viewers_scope(client, cast, march):
    rank_from(1)
    response = get(client, march.yuci_leader, EXPORT, month="2026-03")
    assert response.status_code == 200
    assert "kpi-2026-03.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    definitions, departments, units = book.worksheets
    assert definitions["B1"].value == "2026-03-01 – 2026-03-31"
    assert "0.1" in definitions["B2"].value and "0.9" in definitions["B2"].value
    header = [cell.value for cell in departments[1]]
    rows = [[cell.value for cell in line] for line in departments.iter_rows(min_row=2)]
    assert [row[:3] for row in rows] == [
        [1, "榆次区住房和城乡建设局", "榆次区"],
        [2, "榆次区卫生健康局", "榆次区"],
        ["Total", "All departments in scope", None],
    ]
    health = dict(zip(header, rows[1], strict=True))
    assert health["Response rate (响应率) %"] == 40.0
    assert health["Resolution rate (解决率) %"] == 66.67
    assert health["Satisfaction rate (满意率) %"] == 66.67
    assert health["Weighted satisfaction %"] == 63.33
    assert health["On-time closure rate %"] == 75.0
    assert health["Composite score"] == 62.67
    assert (health["Closed"], health["Rated"], health["Unsatisfied (不满意)"]) == (4, 3, 1)
    assert dict(zip(header, rows[0], strict=True))["Composite score"] == 65.33
    unit_rows = [[cell.value for cell in line] for line in units.iter_rows(min_row=2)]
    assert unit_rows[0][:3] == [1, "榆次区北关街道", "榆次区"]
    assert not any("太谷" in str(value) for row in rows + unit_rows for value in row)


def test_a_department_with_three_demands_shows_too_few_and_no_rank(client, cast, march):
    """B (榆次区住建局) has 3 closed and 2 dispatched in March: below the default minimum of 10."""
    page = get(client, cast.leader, month="2026-03").content.decode()
    row = page[page.index("<th scope=\"row\" class=\"kpi-name\">榆次区住房和城乡建设局"):]
    row = row[:row.index("</tr>")]
    assert "Too few to rank (样本不足)" in row and ">1<" not in row
    assert "65.33" in row  # its figures are still shown
    assert "fewer than 10 demands in the period shows 样本不足" in page
    with at(LOOK_AT):
        client.force_login(cast.leader)
        chinese = client.get(URL, {"month": "2026-03"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "样本不足" in chinese and "Too few" not in chinese


def test_the_county_row_says_it_includes_its_bureaus(client, cast, march):
    page = get(client, cast.leader, month="2026-03", level="county").content.decode()
    units = page[page.index('id="units"'):]
    yuci = units[units.index("<th scope=\"row\" class=\"kpi-name\">榆次区"):]
    yuci = yuci[:yuci.index("</tr>")]
    assert "incl. 2 departments" in yuci
    assert '<span class="kpi-counts">7/8</span>' in yuci  # closed on time / closed: A's 4 (a4 late), B's 3, u1
    assert "a county&#x27;s row includes its bureaus" in units


def test_headline_totals_and_the_trend_by_month(client, cast, march):
    response = get(client, march.yuci_leader, month="2026-03")
    tiles = {tile["key"]: tile for tile in response.context["headline"]}
    # 榆次区 in March: 11 demands recorded (a1–a5, b1–b3, u1 and b2; b4 in February; t1 is 太谷区's),
    # 8 closed (a1–a4, b1, b3, b4, u1), one of them late (a4), 3 + 3 + 1 rated of which 6 satisfied.
    assert tiles["received"]["value"] == 10
    assert tiles["closed"]["value"] == 8 and tiles["overdue"]["value"] == 1
    assert tiles["satisfaction"]["value"] == "85.71%" and "of 7 rated" in tiles["satisfaction"]["detail"]
    trend = response.context["trend"]
    assert trend["months"][-2:] == ["2026-02", "2026-03"] and len(trend["months"]) == 12
    assert trend["series"]["closed"][-2:] == [0, 8] and trend["series"]["received"][-2:] == [1, 10]
    assert trend["series"]["satisfaction"][-1] == 85.71 and trend["series"]["satisfaction"][-2] is None
    page = response.content.decode()
    assert '<script id="kpi-trend-data" type="application/json">' in page
    assert "/static/appeals/vendor/echarts-6.1.0.min.js" in page and "/static/appeals/kpi.js" in page
    assert "<script>" not in page  # the CSP allows no inline script
