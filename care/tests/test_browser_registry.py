"""The registry's pages in chromium: village staff on a 390 px phone close a coverage gap in one click and
end a record; a village cadre responsible for a person files a need, which the dispatcher finds; on a desk,
the unit page (from the nightly summary, saying when it was counted) drills down to a community."""

import os

import pytest

from appeals.models import Appeal
from care import services, summary
from care.models import CareAssignment, Person, PersonNeed
from care.tests.conftest import register
from care.tests.test_browser import holiday_calendar, no_auto_dispatch  # noqa: F401 - fixtures
from conftest import open_menu, staff_sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("holiday_calendar")]


def test_village_staff_close_a_gap_and_end_a_record_on_a_phone(live_server, care, person):
    from playwright.sync_api import expect

    base = live_server.url
    gap = register(care, grid=None)
    services.assignment_end(actor=care.cast.root, assignment=gap.assignments.get())
    phone = person("village cadre", width=390, height=844)
    staff_sign_in(phone, base, "shuncheng_cadre", care.cast.password)
    open_menu(phone)
    phone.get_by_role("link", name="包联对象", exact=True).first.click()
    phone.get_by_role("link", name="包联空白").click()
    expect(phone.get_by_role("heading", name="包联空白")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    item = phone.locator(".care-gap").first
    item.locator("select[name=carer]").select_option(str(care.grid_worker.pk))
    item.get_by_role("button", name="指定").click()
    expect(phone.get_by_text("这里的每个人都已落实包联人。")).to_be_visible()
    assert CareAssignment.objects.filter(person=gap, carer=care.grid_worker, until__isnull=True).exists()

    phone.goto(f"{base}/care/people/{gap.pk}/")
    phone.get_by_role("link", name="终止档案").click()
    phone.get_by_label("迁出").check()
    phone.locator("input[name=note]").fill("随子女迁往太原")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="终止档案").click()
    expect(phone.get_by_text("档案已终止，连同历史保留在名册中。")).to_be_visible()
    assert Person.objects.get(pk=gap.pk).end_reason == "moved_away"


def test_a_cadre_carer_files_a_need_the_dispatcher_finds(live_server, care, person, no_auto_dispatch):  # noqa: F811
    from playwright.sync_api import expect

    base = live_server.url
    elder = register(care, carer=care.village_cadre)
    phone = person("village cadre", width=390, height=844)
    staff_sign_in(phone, base, "shuncheng_cadre", care.cast.password)
    phone.goto(f"{base}/care/people/{elder.pk}/")
    phone.get_by_role("link", name="提交需求").click()
    phone.get_by_label("需求概要").fill("老人反映楼道灯坏了")
    phone.get_by_label("发现的情况及所需帮助").fill("所住单元楼道灯已坏一周，晚上上下楼看不清，请物业维修。")
    phone.get_by_role("button", name="提交需求").click()
    appeal = Appeal.objects.get()
    expect(phone.locator(".care-need").first).to_contain_text(appeal.code)
    assert PersonNeed.objects.get().person == elder

    desk = person("dispatcher", width=1280, height=900)
    staff_sign_in(desk, base, "dispatcher", care.cast.password)
    desk.goto(f"{base}/appeals/staff/?queue=to_dispatch")
    desk.get_by_role("link", name="老人反映楼道灯坏了").click()
    expect(desk.get_by_role("heading", name="包联人提交")).to_be_visible()


def test_the_unit_page_drills_down_on_a_desk(live_server, care, person):
    from playwright.sync_api import expect

    base = live_server.url
    register(care)
    summary.recompute()  # as the nightly care_refresh does: the page reads the summary and says when
    desk = person("supervisor", width=1280, height=900)
    staff_sign_in(desk, base, "city_supervisor", care.cast.password)
    desk.goto(f"{base}/care/units/?unit={care.cast.beiguan.pk}")
    desk.screenshot(path="/tmp/care-unit-desk.png", full_page=True)
    phone = person("supervisor_phone", width=390, height=844)
    staff_sign_in(phone, base, "city_supervisor", care.cast.password)
    phone.goto(f"{base}/care/units/?unit={care.cast.beiguan.pk}")
    phone.screenshot(path="/tmp/care-unit-390.png", full_page=True)
    expect(phone.locator(".care-counted")).to_contain_text("统计于")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    desk.locator(".care-drill").get_by_role("link", name="顺城社区").click()
    expect(desk.get_by_role("heading", name="顺城社区")).to_be_visible()
    expect(desk.locator(".care-figure").first).to_contain_text("1")
