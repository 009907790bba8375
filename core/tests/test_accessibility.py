"""Accessibility, checked by axe-core (vendored for tests only: core/tests/vendor/README.md) in Debian's
chromium over the resident's pages — with 关怀模式 (elder mode) off and on, and reflowed to a 320 px
wide window, as 400 % zoom on a desktop or 200 % on a phone — and over the staff pages. A violation of
impact "serious" or "critical" fails the test."""

import os
import re
from pathlib import Path

import pytest

from accounts.sms import MemoryBackend
from conftest import new_appeal, staff_sign_in

# Playwright's sync API runs an event loop in this thread; Django's ORM must be allowed to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
SHOTS = Path("/tmp")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}));
}"""


@pytest.fixture
def holiday_calendar(transactional_db):
    """An earlier transactional test's flush may have emptied the calendar that deadlines read."""
    import importlib

    from django.apps import apps

    importlib.import_module("appeals.migrations.0002_holidays_2026").seed(apps, None)


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is now. The script is evaluated through
    the browser's debugging protocol, which the site's CSP (no inline or foreign scripts) does not govern."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;true")
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]


def reflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def sms_code(phone: str) -> str:
    for to, message in reversed(MemoryBackend.outbox):
        found = re.search(r"\b(\d{6})\b", message)
        if to == phone and found:
            return found.group(1)
    raise AssertionError(f"no code sent to {phone}")


def check(page, name: str, found: dict, *, care: bool = False) -> None:
    """axe over the page; a screenshot at phone width; the same at 320 px, which must not scroll sideways."""
    found.update({f"{name}{' (care)' if care else ''}": v for v in [serious_violations(page)] if v})
    suffix = "-care" if care else ""
    page.screenshot(path=str(SHOTS / f"minsheng-a11y-{name}{suffix}-390.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 700})
    if not reflows(page):
        found[f"{name}{' (care)' if care else ''} at 320 px"] = "scrolls sideways"
    page.screenshot(path=str(SHOTS / f"minsheng-a11y-{name}{suffix}-320.png"), full_page=True)
    page.set_viewport_size(size)


def test_the_resident_pages_pass_axe_with_care_mode_off_and_on(live_server, cast, person, holiday_calendar):
    from playwright.sync_api import expect

    base = live_server.url
    MemoryBackend.outbox.clear()
    appeal = new_appeal(cast)
    page = person("resident", width=390, height=844)
    found = {}
    for care in (False, True):
        page.context.clear_cookies()
        page.goto(f"{base}/")
        if care:
            page.get_by_role("button", name="关怀模式").click()
            expect(page.locator("html.care")).to_have_count(1)
        check(page, "landing", found, care=care)
        page.goto(f"{base}/privacy/")
        check(page, "privacy", found, care=care)
        page.goto(f"{base}/appeals/track/?code={appeal.code}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check(page, "tracking", found, care=care)

        # A new phone: both steps of the sign-in and the consent step.
        phone = "1370013700" + str(int(care))
        page.goto(f"{base}/login/resident/")
        check(page, "sign-in-phone", found, care=care)
        page.get_by_label("手机号码").fill(phone)
        page.get_by_role("button", name="获取验证码").click()
        check(page, "sign-in-code", found, care=care)
        page.get_by_label("短信验证码").fill(sms_code(phone))
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.get_by_role("heading", name="注册前请阅读")).to_be_visible()
        check(page, "consent", found, care=care)
        page.get_by_role("button", name="不同意").click()

        # The cast's resident, who already has an account and an appeal.
        page.goto(f"{base}/login/resident/")
        page.get_by_label("手机号码").fill("13800138000")
        page.get_by_role("button", name="获取验证码").click()
        page.get_by_label("短信验证码").fill(sms_code("13800138000"))
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()
        check(page, "home-resident", found, care=care)
        page.goto(f"{base}/appeals/new/")
        check(page, "new-demand", found, care=care)
        page.goto(f"{base}/appeals/submitted/{appeal.code}/")
        check(page, "submitted", found, care=care)
        page.goto(f"{base}/appeals/mine/")
        check(page, "my-demands", found, care=care)
        page.goto(f"{base}/appeals/track/{appeal.code}/")
        check(page, "detail", found, care=care)
        page.get_by_role("button", name="退出登录").click()
        # Codes are limited to one a minute per phone; the second round must not wait for it.
        from accounts.models import OneTimeCode

        OneTimeCode.objects.all().delete()
    assert found == {}, found


STAFF_PAGES = [
    ("home", "handler_a", "/"),
    ("queue", "dispatcher", "/appeals/staff/"),
    ("detail", "dispatcher", "/appeals/staff/{code}/"),
    ("kpi", "leader", "/appeals/kpi/"),
    ("hotspots", "city_supervisor", "/dispatch/hotspots/"),
]


@pytest.mark.parametrize(("name", "member", "path"), STAFF_PAGES, ids=[p[0] for p in STAFF_PAGES])
def test_the_staff_pages_pass_axe(live_server, cast, person, holiday_calendar, name, member, path):
    appeal = new_appeal(cast)
    page = person(member, width=1280, height=900)
    staff_sign_in(page, live_server.url, member, cast.password)
    page.goto(live_server.url + path.format(code=appeal.code))
    found = serious_violations(page)
    page.screenshot(path=str(SHOTS / f"minsheng-a11y-staff-{name}-1280.png"), full_page=True)
    assert found == [], found
