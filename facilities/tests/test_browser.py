"""On a 390 px phone, an elderly resident's family member finds the community canteen, orders tomorrow's
lunch for him (delivered), and gets the QR code; at the canteen, its manager sees the order (issue 13)."""

import os
import re
from pathlib import Path

import pytest

from accounts.sms import MemoryBackend
from conftest import open_menu, staff_sign_in
from facilities.models import Booking
from facilities.tests.conftest import OLD_85

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")


def sms_code(phone: str) -> str:
    for to, message in reversed(MemoryBackend.outbox):
        found = re.search(r"\b(\d{6})\b", message)
        if to == phone and found:
            return found.group(1)
    raise AssertionError(f"no sign-in code was sent to {phone}")


def test_a_family_member_orders_a_meal_on_a_phone_and_the_canteen_sees_it(live_server, fac, person):
    from playwright.sync_api import expect

    base = live_server.url
    MemoryBackend.outbox.clear()
    phone = person("family member", width=390, height=844)
    phone.goto(f"{base}/login/resident/")
    phone.get_by_label("手机号码").fill("13900139000")
    phone.get_by_role("button", name="获取验证码").click()
    phone.get_by_label("短信验证码").fill(sms_code("13900139000"))
    phone.get_by_role("button", name="登录", exact=True).click()
    expect(phone.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()

    open_menu(phone)
    phone.get_by_role("navigation", name="菜单").get_by_role("link", name="找设施").click()
    expect(phone.get_by_role("heading", name="找设施")).to_be_visible()
    phone.get_by_label("类型").select_option(label="社区食堂/助餐点")
    phone.get_by_role("button", name="搜索").click()
    phone.get_by_role("link", name=re.compile("顺城社区长者食堂")).click()
    expect(phone.get_by_text("红烧肉 清炒时蔬 米饭")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "facilities-canteen-390.png"), full_page=True)

    phone.get_by_role("link", name="订餐", exact=True).click()
    phone.get_by_label("用餐人/预约人姓名").fill("张大爷")
    phone.get_by_label("其身份证号").fill(OLD_85)
    phone.get_by_label("送餐上门").check()
    phone.get_by_label("送餐地址").fill("顺城街3号2单元101")
    phone.screenshot(path=str(SHOTS / "facilities-order-390.png"), full_page=True)
    phone.get_by_role("button", name="提交订餐").click()

    expect(phone.get_by_text("预约成功：到场时出示二维码。")).to_be_visible()
    expect(phone.get_by_role("heading", name="我的预约")).to_be_visible()
    booking = Booking.objects.get()
    card = phone.locator(f'[data-code="{booking.code}"]')
    expect(card.locator("svg")).to_be_visible()
    expect(card).to_contain_text("张**")
    expect(card).to_contain_text("¥8.00")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "facilities-my-bookings-390.png"), full_page=True)
    assert booking.meal.delivery and booking.holder == fac.family

    desk = person("canteen manager", width=1280, height=900)
    staff_sign_in(desk, base, "canteen_mgr", fac.cast.password)
    expect(desk.get_by_role("heading", name="今日订餐")).to_be_visible()
    open_menu(desk)
    desk.get_by_role("navigation", name="菜单").get_by_role("link", name="食堂").click()
    desk.get_by_role("link", name=re.compile(r"→")).click()  # tomorrow
    row = desk.locator(".fac-order", has_text=booking.code)
    expect(row).to_contain_text("张**")
    expect(row).to_contain_text("顺城街3号2单元101")
    expect(desk.locator('[data-figure="delivered"]')).to_have_text("1")
    desk.screenshot(path=str(SHOTS / "facilities-canteen-manager-1280.png"), full_page=True)


def test_a_keeper_edits_photos_and_resources_and_repeats_slots_weekly(live_server, fac, person, media_root):
    """On a phone and at a desk, the county's administrator sets a court to repeat Monday to Friday,
    changes a photo's caption, removes it, and retires the court (it has a booking, so it is kept)."""
    import io

    from PIL import Image
    from playwright.sync_api import expect

    from facilities import services
    from facilities.models import FacilityPhoto, Slot

    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), "teal").save(buffer, format="PNG")
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.facility_photo_add(actor=fac.cast.root, facility=fac.hall, caption="正门",
                                upload=SimpleUploadedFile("door.png", buffer.getvalue(), content_type="image/png"))
    services.booking_create(actor=fac.cast.resident, slot=fac.game)
    base = live_server.url
    for width, height, name in ((390, 844, "390"), (1280, 900, "desktop")):
        page = person(f"county admin {name}", width=width, height=height)
        staff_sign_in(page, base, "county_admin", fac.cast.password)
        page.goto(f"{base}/facilities/staff/{fac.hall.pk}/")
        expect(page.get_by_role("heading", name="顺城社区体育馆")).to_be_visible()
        if name == "390":
            page.get_by_text("每周重复").first.click()
            page.get_by_label("时段开始").first.fill("09:00")
            page.get_by_label("时段结束").first.fill("10:00")
            page.get_by_label("提前生成周数").first.fill("2")
            page.get_by_role("button", name="生成时段").first.click()
            expect(page.get_by_text(re.compile(r"已添加每周规则：生成 \d+ 个时段"))).to_be_visible()
            expect(page.get_by_text("周一、周二、周三、周四、周五").first).to_be_visible()
            page.get_by_label("说明", exact=True).first.fill("球场全景")
            page.locator(".fac-photo-edit").get_by_role("button", name="保存").first.click()
            expect(page.get_by_text("照片说明已保存。")).to_be_visible()
            page.get_by_text("修改或停用").first.click()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(SHOTS / f"facilities-staff-edit-{name}.png"), full_page=True)
    assert Slot.objects.filter(resource=fac.court, pattern__isnull=False).count() >= 8
    assert FacilityPhoto.objects.get().caption == "球场全景"
    page.get_by_role("button", name="删除照片").click()
    expect(page.get_by_text("照片已删除。")).to_be_visible()
    page.get_by_text("修改或停用").first.click()
    page.get_by_role("button", name="停用", exact=True).first.click()
    expect(page.get_by_text(re.compile("已停用：取消了"))).to_be_visible()
    fac.court.refresh_from_db()
    assert not fac.court.is_active and not FacilityPhoto.objects.exists()
