"""A volunteer on a 390 px phone (issue 13): signs in with the SMS code, signs up for an activity from
志愿服务, opens the activity's check-in link (what the camera reads from the QR code the organiser shows),
checks in, later checks out, and the hours appear in 我的时长 and on the home page."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.sms import MemoryBackend
from conftest import open_menu
from volunteers.models import HoursEntry, Signup
from volunteers.tests.conftest import make_activity, make_volunteer

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PHONE = "13900002222"


def sms_code(phone: str) -> str:
    for to, message in reversed(MemoryBackend.outbox):
        found = re.search(r"\b(\d{6})\b", message)
        if to == phone and found:
            return found.group(1)
    raise AssertionError(f"no sign-in code was sent to {phone}")


def test_a_volunteer_signs_up_checks_in_by_qr_checks_out_and_sees_the_hours(live_server, vol, person):
    from playwright.sync_api import expect

    base = live_server.url
    MemoryBackend.outbox.clear()
    make_volunteer(vol, phone=PHONE)
    activity = make_activity(vol, starts_in=timedelta(minutes=30), hours=2, capacity=2, title="陪独居老人聊天")

    phone = person("volunteer", width=390, height=844)
    phone.goto(f"{base}/login/resident/")
    phone.get_by_label("手机号码").fill(PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(sms_code(PHONE))
    phone.get_by_role("button", name="登录", exact=True).click()
    expect(phone.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()

    open_menu(phone)
    phone.get_by_role("navigation", name="菜单").get_by_role("link", name="志愿服务").click()
    expect(phone.get_by_role("heading", name="志愿服务", exact=True)).to_be_visible()
    phone.locator(f'[data-activity="{activity.pk}"]').click()
    expect(phone.get_by_role("heading", name="陪独居老人聊天")).to_be_visible()
    phone.get_by_role("button", name="报名").click()
    expect(phone.get_by_text("报名成功")).to_be_visible()
    expect(phone.get_by_text("您已报名")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "volunteers-signup-390.png"), full_page=True)
    signup = Signup.objects.get()

    # On site: the camera reads the activity's QR code, which opens this link on the phone.
    phone.goto(f"{base}/volunteers/checkin/{activity.checkin_code}/")
    phone.get_by_role("button", name="签到").click()
    expect(phone.get_by_text("已签到。离开时在此签退。")).to_be_visible()
    phone.screenshot(path=str(SHOTS / "volunteers-checkin-390.png"), full_page=True)
    signup.refresh_from_db()
    assert signup.checked_in_at is not None
    # Ninety minutes of service later (the browser cannot wait): the check-in is moved back.
    Signup.objects.filter(pk=signup.pk).update(checked_in_at=timezone.now() - timedelta(minutes=90))

    phone.get_by_role("button", name="签退").click()
    expect(phone.get_by_role("heading", name="我的时长")).to_be_visible()
    expect(phone.get_by_text("已签退：服务时长增加90分钟。")).to_be_visible()
    expect(phone.locator('[data-figure="hours"]')).to_have_text("1.5")
    expect(phone.locator("table.vol-ledger")).to_contain_text("陪独居老人聊天")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "volunteers-hours-390.png"), full_page=True)
    assert HoursEntry.objects.get().minutes == 90

    phone.get_by_role("link", name="首页").click()
    expect(phone.locator('[data-figure="volunteer-hours"]')).to_have_text("1.5")
