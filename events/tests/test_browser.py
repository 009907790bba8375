"""On a 390 px phone, a resident of 顺城社区 finds the county's chess tournament, signs up a team of three and
gets the QR code; on the day, the sports bureau's organiser opens the code's page (what scanning it does),
checks the team in, marks the event finished and publishes the results, which the resident then reads on
the event page (issue 13)."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from accounts.sms import MemoryBackend
from conftest import open_menu, staff_sign_in
from events import services
from events.models import Signup

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")


def sms_code(phone: str) -> str:
    for to, message in reversed(MemoryBackend.outbox):
        found = re.search(r"\b(\d{6})\b", message)
        if to == phone and found:
            return found.group(1)
    raise AssertionError(f"no sign-in code was sent to {phone}")


def test_a_resident_signs_up_a_team_on_a_phone_is_checked_in_and_reads_the_results(live_server, ev, person,
                                                                                   monkeypatch):
    from playwright.sync_api import expect

    base = live_server.url
    MemoryBackend.outbox.clear()
    phone = person("team captain", width=390, height=844)
    phone.goto(f"{base}/login/resident/")
    phone.get_by_label("手机号码").fill("13800138000")
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(sms_code("13800138000"))
    phone.get_by_role("button", name="登录", exact=True).click()
    expect(phone.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()

    open_menu(phone)
    phone.get_by_role("navigation", name="菜单").get_by_role("link", name="文体活动").click()
    expect(phone.get_by_role("heading", name="文体活动")).to_be_visible()
    phone.screenshot(path=str(SHOTS / "events-list-390.png"), full_page=True)
    phone.get_by_role("link", name=re.compile("榆次区象棋团体赛")).click()
    expect(phone.get_by_role("heading", name="以队伍报名")).to_be_visible()
    phone.get_by_label("队名").fill("顺城象棋队")
    phone.get_by_label("队员，每行一人：姓名 手机号").fill("王芳 13900000001\n李强")
    phone.get_by_role("button", name="报名", exact=True).click()
    expect(phone.get_by_text(re.compile("每队 3 至 5 人（含您本人），您填写了 2 人"))).to_be_visible()
    assert phone.get_by_label("队名").input_value() == "顺城象棋队"  # nothing typed was lost
    phone.get_by_label("队员，每行一人：姓名 手机号").fill("王芳 13900000001\n李强\n赵敏 139 0000 0003")
    phone.get_by_role("button", name="报名", exact=True).click()
    expect(phone.get_by_text("报名成功：到场时出示二维码。")).to_be_visible()
    signup = Signup.objects.get()
    card = phone.locator(f'[data-code="{signup.code}"]')
    expect(card.locator("svg")).to_be_visible()
    expect(card).to_contain_text("139****0001")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "events-signed-up-390.png"), full_page=True)

    # The day of the tournament: the services' clock moves to ten minutes after it began.
    monkeypatch.setattr(services, "_now", lambda: ev.chess.starts_at + timedelta(minutes=10))
    desk = person("organiser", width=1280, height=900)
    staff_sign_in(desk, base, "sports_handler", ev.cast.password)
    desk.goto(f"{base}/events/checkin/{signup.code}/")  # what the phone's camera opens from the QR code
    expect(desk.get_by_role("heading", name="顺城象棋队")).to_be_visible()
    desk.get_by_role("button", name="签到").click()
    expect(desk.get_by_text("顺城象棋队已签到。")).to_be_visible()
    desk.get_by_role("link", name="榆次区象棋团体赛").click()
    expect(desk.locator('[data-figure="checked_in"]')).to_have_text("1")
    desk.get_by_role("button", name="标记为已结束").click()
    desk.get_by_label("比赛结果，每行一条：名次 奖项 队名或姓名").fill("1 一等奖 顺城象棋队\n2 二等奖 北关棋社")
    desk.get_by_role("button", name="公布结果").click()
    expect(desk.get_by_text("结果已公布在活动页面上。")).to_be_visible()
    desk.screenshot(path=str(SHOTS / "events-organiser-1280.png"), full_page=True)

    phone.goto(f"{base}/events/{ev.chess.pk}/")
    results = phone.get_by_role("region", name="比赛结果")
    expect(results).to_contain_text("一等奖")
    expect(results).to_contain_text("顺城象棋队")
    expect(phone.locator(f'[data-code="{signup.code}"]')).to_contain_text("已签到")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "events-results-390.png"), full_page=True)
