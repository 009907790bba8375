"""The hotline import of a larger file in a real browser: the dispatcher uploads it, lands on the job's
page with its progress bar, the page follows the worker by itself and shows the check's report with the
import button; the import is a job of its own whose page lists the demands created. At a phone's width
and a desk's."""

import os
from pathlib import Path

import pytest

from appeals import importers
from appeals.models import Appeal, Channel
from appeals.tests.test_import import xlsx
from appeals.tests.test_import_job import rows
from appeals.views import imports
from conftest import staff_sign_in
from core import jobs
from core.models import Job, JobState

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("holiday_calendar")]

SHOTS = Path("/tmp")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_big_import_is_followed_on_its_own_page(live_server, cast, person, monkeypatch, tmp_path, width):
    from playwright.sync_api import expect

    monkeypatch.setattr(imports, "SYNC_MAX_ROWS", 3)
    monkeypatch.setattr(importers, "CHUNK", 2)
    file = tmp_path / "12345工单导出.xlsx"
    file.write_bytes(xlsx(rows(6)))
    page = person("dispatcher", width=width)
    staff_sign_in(page, live_server.url, "dispatcher", cast.password)
    page.goto(f"{live_server.url}/appeals/staff/import/")
    page.get_by_label("热线导出文件（.xlsx 或 .csv）").set_input_files(str(file))
    page.get_by_role("button", name="检查文件").click()
    expect(page.locator("#job-bar")).to_be_visible()
    job = Job.objects.get()
    assert job.state == JobState.QUEUED
    page.screenshot(path=SHOTS / f"trust-import-job-queued-{width}.png", full_page=True)

    jobs.run_job(job.pk)  # the worker's part; the page notices by itself
    report = page.locator("#hotline-report")
    expect(report).to_be_visible(timeout=15_000)
    expect(report).to_contain_text("6")
    page.screenshot(path=SHOTS / f"trust-import-job-checked-{width}.png", full_page=True)
    assert not Appeal.objects.exists()

    page.get_by_role("button", name="导入 6 件诉求").click()
    following = Job.objects.exclude(pk=job.pk).get()
    jobs.run_job(following.pk)
    expect(page.locator("#hotline-report .notice")).to_be_visible(timeout=15_000)
    page.screenshot(path=SHOTS / f"trust-import-job-done-{width}.png", full_page=True)
    assert Appeal.objects.filter(channel=Channel.IMPORT).count() == 6
    expect(page.locator("#hotline-report a.mono")).to_have_count(6)
