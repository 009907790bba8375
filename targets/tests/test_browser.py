"""A leader on the dashboard (issue 15): opens it from the home page, drills from the city to a county on
the same screen, opens a target, and downloads the county's monthly report, whose figures are the ones
the dashboard showed."""

import os
from pathlib import Path

import pytest

from appeals.models import Satisfaction
from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply
from conftest import new_appeal, staff_sign_in
from targets import progress

from .test_monthly import docx_tables
from .test_progress import make_target

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")


@pytest.fixture
def holiday_calendar(transactional_db):
    import importlib

    from django.apps import apps

    importlib.import_module("appeals.migrations.0002_holidays_2026").seed(apps, None)


def test_a_leader_drills_down_opens_a_target_and_downloads_the_report(
    live_server, cast, t, person, settings, holiday_calendar, media_root
):
    from playwright.sync_api import expect

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    for department in (cast.yuci_health, cast.yuci_housing):
        appeal_dispatch(actor=cast.dispatcher, appeal=new_appeal(cast), target=department)
    first = new_appeal(cast)
    appeal_dispatch(actor=cast.dispatcher, appeal=first, target=cast.yuci_health)
    appeal_accept(actor=cast.handler_a, appeal=first)
    appeal_reply(actor=cast.handler_a, appeal=first, text="已处理")
    appeal_rate(actor=cast.resident, appeal=first, satisfaction=Satisfaction.SATISFIED)
    target = make_target(
        t,
        owner_unit=cast.yuci,
        title="榆次区诉求办结100件",
        indicator_code="demands.closed",
        baseline="0",
        target_value="100",
        milestones=[],
    )
    progress.progress_refresh()

    base = live_server.url
    page = person("leader", width=1280, height=900)
    staff_sign_in(page, base, "leader", cast.password)
    page.get_by_role("link", name="打开领导驾驶舱").click()
    expect(page.get_by_role("heading", name="晋中市 · 领导驾驶舱")).to_be_visible()
    page.locator('[data-drill="140702000000"]').click()
    expect(page.get_by_role("heading", name="榆次区 · 领导驾驶舱")).to_be_visible()
    # The charts are drawn (ECharts from the project's static files) and the tables hold the same figures.
    expect(page.locator("#tg-chart-demands-units svg")).to_have_count(1)
    received = page.locator('[data-code="demands.received"] .tg-tile-value').inner_text()
    closed = page.locator('[data-code="demands.closed"] .tg-tile-value').inner_text()
    assert (received, closed) == ("3", "1")
    page.screenshot(path=str(SHOTS / "targets-dashboard-county-1280.png"), full_page=True)

    page.get_by_role("link", name="榆次区诉求办结100件").first.click()
    expect(page.get_by_role("heading", name="榆次区诉求办结100件")).to_be_visible()
    expect(page.locator("#tg-target-chart svg")).to_have_count(1)
    page.go_back()

    page.locator('[data-action="monthly"]').click()
    expect(page.get_by_role("heading", name="榆次区 · 月报", exact=False)).to_be_visible()
    page.locator('[data-action="build"]').click()
    link = page.locator('[data-download="docx"]')
    expect(link).to_have_count(1)
    with page.expect_download() as download:
        link.click()
    content = Path(download.value.path()).read_bytes()
    demands = docx_tables(content)["诉求"]
    assert demands[1][:3] == ["榆次区", received, closed]
    assert target.title in [row[0] for row in docx_tables(content)["民生实事"]]

    phone = person("leader on a phone", width=390, height=844)
    staff_sign_in(phone, base, "leader", cast.password)
    phone.goto(f"{base}/targets/?unit=140702000000")
    expect(phone.get_by_role("heading", name="榆次区 · 领导驾驶舱")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "targets-dashboard-390.png"), full_page=True)
