"""The resident's sign-in and the device's elder mode in Debian's chromium: the resend countdown (with and
without JavaScript) and 关怀模式 remembered from page to page."""

import os
import re

import pytest

from accounts.sms import MemoryBackend

# Playwright's sync API runs an event loop in this thread; Django's ORM must be allowed to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ask_code(page, base, phone):
    page.goto(f"{base}/login/resident/")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()


def test_the_resend_button_counts_down_then_sends_a_new_code(live_server, person, settings):
    from playwright.sync_api import expect

    settings.OTP_SEND_INTERVAL_SECONDS = 3
    MemoryBackend.outbox.clear()
    page = person("resident", width=390, height=844)
    ask_code(page, live_server.url, "13700137000")
    resend = page.locator("button.resend")
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(re.compile(r"^[1-3] 秒后可重新发送$"))
    page.screenshot(path="/tmp/minsheng-resend-countdown-390.png", full_page=True)
    expect(resend).to_be_enabled(timeout=5_000)
    expect(resend).to_have_text("重新发送验证码")
    resend.click()
    expect(page.get_by_text("6位验证码已发送至 137****7000")).to_be_visible()
    expect(page.get_by_label("短信验证码")).to_be_visible()
    assert len(MemoryBackend.outbox) == 2


def test_without_javascript_a_press_too_soon_keeps_the_code_step(live_server, browser, settings):
    from playwright.sync_api import expect

    settings.OTP_SEND_INTERVAL_SECONDS = 60
    MemoryBackend.outbox.clear()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        ask_code(page, live_server.url, "13700137000")
        resend = page.locator("button.resend")
        expect(resend).to_be_enabled()
        expect(resend).to_have_text(re.compile(r"^(59|60) 秒后可重新发送$"))
        resend.click()
        expect(page.get_by_text(re.compile(r"验证码刚刚已发送，\d+ 秒后可重新获取"))).to_be_visible()
        expect(page.get_by_label("短信验证码")).to_be_visible()  # still the code step
        page.screenshot(path="/tmp/minsheng-resend-nojs-390.png", full_page=True)
        assert len(MemoryBackend.outbox) == 1
    finally:
        context.close()


def test_care_mode_persists_across_pages_and_is_switched_off_again(live_server, person):
    from playwright.sync_api import expect

    base = live_server.url
    page = person("visitor", width=390, height=844)
    page.goto(f"{base}/")
    size = page.evaluate("() => getComputedStyle(document.body).fontSize")
    assert size == "16px"
    switch = page.get_by_role("button", name="关怀模式")
    expect(switch).to_have_attribute("aria-pressed", "false")
    switch.click()
    for path in ["/", "/login/resident/", "/appeals/track/", "/privacy/"]:
        page.goto(base + path)
        expect(page.locator("html")).to_have_class("care")
        assert page.evaluate("() => getComputedStyle(document.body).fontSize") == "20px"
        expect(page.get_by_role("button", name="关怀模式")).to_have_attribute("aria-pressed", "true")
        # Thumb-sized targets: every primary button is at least 56 px tall.
        for box in page.locator(".button").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)"):
            assert box >= 55.5
    page.get_by_role("button", name="关怀模式").click()
    expect(page.locator("html")).not_to_have_class("care")
    assert page.url.endswith("/privacy/")
