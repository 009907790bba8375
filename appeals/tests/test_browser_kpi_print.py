"""The 三率 page and the 工单 print view in a real browser, on a desktop and on a 390 px phone: the
tables scroll inside their own box (the page never scrolls sideways) with the name column in view,
the trend chart is drawn from the vendored ECharts under the site's CSP, and a typical work order
prints on one A4 page. Screenshots go to /tmp for a person to look at."""

import re
from pathlib import Path

import pytest

from appeals.services import appeal_accept, appeal_dispatch, appeal_reply
from appeals.tests.test_kpis import build_march
from conftest import new_appeal, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("holiday_calendar")]
SHOTS = Path("/tmp")


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_kpi_page_on_a_desktop_and_a_phone(live_server, cast, person, width):
    from playwright.sync_api import expect

    build_march(cast)
    page = person(f"leader-{width}", width=width, height=900)
    staff_sign_in(page, live_server.url, "leader", cast.password)
    page.goto(f"{live_server.url}/appeals/kpi/?month=2026-03&level=county")
    expect(page.get_by_role("heading", name="诉求三率")).to_be_visible()
    expect(page.locator("#kpi-trend-chart svg")).to_have_count(1)  # ECharts drew the chart
    assert no_sideways_scroll(page)

    departments = page.locator("#departments ~ .kpi-scroll tbody tr")
    housing = departments.filter(has_text="榆次区住房和城乡建设局")
    expect(housing.locator(".kpi-rank")).to_have_text("样本不足")
    yuci = page.locator("#units ~ .kpi-scroll tbody tr").filter(has_text="榆次区")
    expect(yuci.locator(".kpi-includes")).to_have_text("含 2 个部门")
    expect(page.locator(".kpi-tile-closed .kpi-tile-value")).to_have_text("9")

    # The table scrolls in its own box; its name column stays where it is.
    box = page.locator("#departments ~ .kpi-scroll").first
    box.evaluate("element => element.scrollIntoView({block: 'center'})")
    name = housing.locator(".kpi-name")
    before = name.bounding_box()["x"]
    box.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    if width < 720:
        assert box.evaluate("element => element.scrollLeft") > 0  # the rates are reached by scrolling
        expect(housing.locator(".kpi-score")).to_be_in_viewport()
    assert abs(name.bounding_box()["x"] - before) < 1
    page.screenshot(path=str(SHOTS / f"minsheng-kpi-{width}.png"), full_page=True)


def test_the_work_order_prints_on_one_a4_page(live_server, cast, person):
    from playwright.sync_api import expect

    appeal = new_appeal(cast, title="楼道灯坏了一周", contact_name="欧阳娜娜", contact_phone="13912345678",
                        description="顺城社区5号楼2单元楼道灯坏了一周，晚上老人上下楼看不见，"
                                    "已经有人摔倒过，请尽快修好。联系电话13912345678。")
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=appeal)
    appeal_reply(actor=cast.handler_a, appeal=appeal,
                 text="经核实，已联系物业于当日更换5号楼2单元全部楼道灯，并检查了线路。感谢您的反映。")
    for width in (1280, 390):
        page = person(f"handler-{width}", width=width, height=900)
        staff_sign_in(page, live_server.url, "handler_a", cast.password)
        page.goto(f"{live_server.url}/appeals/staff/{appeal.code}/")
        page.get_by_role("link", name="打印工单").click()
        expect(page.get_by_role("heading", name="诉求工单")).to_be_visible()
        expect(page.get_by_text("139****5678").first).to_be_visible()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"minsheng-work-order-{width}.png"), full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".print-actions")).to_be_hidden()
    page.screenshot(path=str(SHOTS / "minsheng-work-order-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    (SHOTS / "minsheng-work-order.pdf").write_bytes(pdf)
