"""On a 390 px phone, a resident finds the culture centre's courses, enrols in the online 太谷秧歌 course and
opens its audio lesson (an <audio> player whose file answers a Range request with 206), then enrols in the
dance class; at the centre, the culture handler ticks her present on the session's list, and her phone's
我的课程 shows the course completed (issue 13)."""

import os
import re
from pathlib import Path

import pytest

from accounts.sms import MemoryBackend
from conftest import open_menu, staff_sign_in
from courses.models import Enrolment

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")


def resident_sign_in(page, base, phone):
    from playwright.sync_api import expect

    MemoryBackend.outbox.clear()
    page.goto(f"{base}/login/resident/")
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("6位验证码已发送至")).to_be_visible()
    code = next(re.search(r"\b(\d{6})\b", text).group(1) for to, text in reversed(MemoryBackend.outbox) if to == phone)
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()


def test_a_resident_enrols_opens_a_lesson_and_completes_after_the_staff_marks_attendance(live_server, crs, person):
    from playwright.sync_api import expect

    base = live_server.url
    phone = person("resident", width=390, height=844)
    resident_sign_in(phone, base, "13900000000")
    open_menu(phone)
    phone.get_by_role("navigation", name="菜单").get_by_role("link", name="课程", exact=True).click()
    expect(phone.get_by_role("heading", name="课程")).to_be_visible()
    phone.get_by_label("分类").select_option(label="非遗")
    phone.get_by_role("button", name="搜索").click()
    phone.get_by_role("link", name=re.compile("太谷秧歌线上课")).click()
    expect(phone.get_by_text("报名后即可学习课件。")).to_be_visible()
    phone.get_by_role("button", name="报名", exact=True).click()
    expect(phone.get_by_text("报名成功：课程已在“我的课程”中。")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "courses-online-390.png"), full_page=True)

    phone.get_by_role("link", name="第二课 唱腔").click()
    audio = phone.locator("audio")
    expect(audio).to_be_visible()
    src = audio.get_attribute("src")
    part = phone.request.get(f"{base}{src}", headers={"Range": "bytes=0-99"})
    assert part.status == 206 and part.headers["content-range"] == f"bytes 0-99/{crs.audio.size}"
    assert len(part.body()) == 100 and part.body()[:4] == b"RIFF"
    phone.wait_for_function("document.querySelector('audio').readyState >= 1")  # the browser read its metadata
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "courses-lesson-390.png"), full_page=True)

    phone.goto(f"{base}/courses/{crs.centre.pk}/")
    phone.get_by_role("button", name="报名", exact=True).click()
    expect(phone.get_by_text("报名成功：课程已在“我的课程”中。")).to_be_visible()
    enrolment = Enrolment.objects.get(course=crs.centre, resident__phone_index=crs.people[0].phone_index)

    desk = person("culture handler", width=1280, height=900)
    staff_sign_in(desk, base, "culture_handler", crs.cast.password)
    open_menu(desk)
    desk.get_by_role("navigation", name="菜单").get_by_role("link", name="课程管理").click()
    desk.get_by_role("link", name="民族舞基础班").click()
    expect(desk.locator('[data-figure="enrolled"]')).to_have_text("1")
    desk.get_by_role("link", name=re.compile(r"\d{4}-\d{2}-\d{2}")).first.click()
    desk.get_by_label(re.compile(enrolment.code)).check()
    desk.screenshot(path=str(SHOTS / "courses-attendance-1280.png"), full_page=True)
    desk.get_by_role("button", name="保存签到").click()
    expect(desk.get_by_text("签到已保存：新签到 1 人，撤销 0 人。")).to_be_visible()
    desk.goto(f"{base}/courses/staff/{crs.centre.pk}/")
    expect(desk.locator('[data-figure="completed"]')).to_have_text("1")
    desk.screenshot(path=str(SHOTS / "courses-staff-1280.png"), full_page=True)

    phone.goto(f"{base}/courses/mine/")
    card = phone.locator(f'[data-code="{enrolment.code}"]')
    expect(card).to_contain_text("已结业")
    expect(card).to_contain_text("到课 1/1 次")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "courses-mine-390.png"), full_page=True)
