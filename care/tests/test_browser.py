"""A grid worker on a 390 px phone (issue 11): opens 我的走访, records a visit that finds a need, and the
need appears as a demand in the 榆次区 dispatcher's 待派单 queue; the visit shows the demand's state."""

import os
from pathlib import Path

import pytest

from appeals.models import Appeal, State
from care.models import Visit
from care.tests.conftest import register
from conftest import open_menu, staff_sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("holiday_calendar")]

SHOTS = Path("/tmp")


@pytest.fixture
def holiday_calendar(transactional_db):
    import importlib

    from django.apps import apps

    importlib.import_module("appeals.migrations.0002_holidays_2026").seed(apps, None)


@pytest.fixture
def no_auto_dispatch(settings):
    settings.DISPATCH_AUTO = False


def test_a_grid_worker_records_a_visit_that_finds_a_need(live_server, care, person, no_auto_dispatch):
    from playwright.sync_api import expect

    base = live_server.url
    elder = register(care, birth="19380512", seq="004")  # 独居, 80+: high risk, due today
    register(care, name="刘国华", birth="19700101", seq="013", category="dibao")

    phone = person("grid worker", width=390, height=844)
    staff_sign_in(phone, base, "grid", care.cast.password)
    open_menu(phone)
    phone.get_by_role("link", name="我的走访", exact=True).click()
    expect(phone.get_by_role("heading", name="我的走访")).to_be_visible()
    first = phone.locator(".care-item").first
    expect(first.locator(".care-name")).to_have_text("王**")
    expect(first.locator(".risk")).to_have_text("高")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    phone.screenshot(path=str(SHOTS / "care-mine-390.png"), full_page=True)

    first.get_by_role("link", name="登记走访").click()
    expect(phone.get_by_role("heading", name="登记走访")).to_be_visible()
    phone.locator("input[name=check_gas][value=concern]").check()
    phone.get_by_label("备注").fill("燃气软管老化开裂")
    phone.get_by_label("发现需办理的需求（生成诉求工单）").check()
    phone.get_by_label("需求概要").fill("独居老人家中燃气软管老化")
    phone.get_by_label("发现的情况及所需帮助").fill("厨房燃气软管老化开裂，老人独居行动不便，请燃气公司上门更换。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "care-visit-390.png"), full_page=True)
    posts = []
    phone.on("request", lambda r: r.method == "POST" and "/visit/" in r.url and posts.append(r.url))
    phone.get_by_role("button", name="保存走访").click()

    expect(phone.get_by_text("走访已登记，发现的需求已生成诉求工单。")).to_be_visible()
    appeal = Appeal.objects.get()
    assert Visit.objects.filter(person=elder).count() == 1
    assert len(posts) == 1  # one tap, one request (the script was once included three times)
    expect(phone.locator(".care-need")).to_contain_text(appeal.code)
    expect(phone.locator(".care-need .state")).to_have_text("待派单")
    phone.screenshot(path=str(SHOTS / "care-person-390.png"), full_page=True)

    # The dispatcher finds it in 待派单, filed by the grid visit, and sees where it came from.
    desk = person("dispatcher", width=1280, height=900)
    staff_sign_in(desk, base, "dispatcher", care.cast.password)
    desk.goto(f"{base}/appeals/staff/?queue=to_dispatch")
    row = desk.get_by_role("link", name="独居老人家中燃气软管老化")
    expect(row).to_be_visible()
    row.click()
    expect(desk.get_by_role("heading", name="来自包联走访")).to_be_visible()
    assert Appeal.objects.get().state == State.TO_DISPATCH
