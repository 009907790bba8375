"""Issue 14 in the browser: a graduate registers as a job seeker on a 390 px phone; 榆次区's 人社 counselor
records a policy talk and career guidance, recommends three postings (the matcher's, with their reasons),
and the 见习 one leads to a placement; the 1131 ledger shows complete, on the counselor's page and on the
graduate's phone."""

import os
import re
from pathlib import Path

import pytest

from accounts.models import User, UserKind
from accounts.sms import MemoryBackend
from conftest import open_menu, staff_sign_in
from employment.models import Seeker, ServiceKind

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp")
PHONE = "13900009999"


def sms_code(phone: str) -> str:
    for to, message in reversed(MemoryBackend.outbox):
        found = re.search(r"\b(\d{6})\b", message)
        if to == phone and found:
            return found.group(1)
    raise AssertionError(f"no sign-in code was sent to {phone}")


def test_a_graduate_registers_and_the_counselor_completes_their_1131(live_server, emp, person):
    from playwright.sync_api import expect

    base = live_server.url
    MemoryBackend.outbox.clear()
    User.objects.create_user(username="r-graduate", kind=UserKind.RESIDENT, phone=PHONE)

    # --- the graduate signs in on a phone and registers ----------------------------------------------------
    phone = person("graduate", width=390, height=844)
    phone.goto(f"{base}/login/resident/")
    phone.get_by_label("手机号码").fill(PHONE)
    phone.get_by_role("button", name="获取验证码").click()
    expect(phone.get_by_text("6位验证码已发送至")).to_be_visible()
    phone.get_by_label("短信验证码").fill(sms_code(PHONE))
    phone.get_by_role("button", name="登录", exact=True).click()
    expect(phone.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()
    open_menu(phone)
    phone.get_by_role("link", name="就业", exact=True).first.click()
    expect(phone.get_by_role("heading", name="就业")).to_be_visible()
    expect(phone.get_by_text("软件测试工程师")).to_be_visible()
    phone.get_by_role("link", name="求职登记").click()
    phone.get_by_label("姓名").fill("周子轩")
    phone.get_by_label("身份证号").fill("140702200203150155")
    phone.get_by_label("我是").select_option(label="高校毕业生")
    phone.get_by_label("学历").select_option(label="本科")
    phone.get_by_label("毕业院校").fill("太原理工大学")
    phone.get_by_label("专业").fill("软件工程")
    phone.get_by_label("毕业年份").fill("2025")
    phone.get_by_label("技能").fill("Python 自动化测试")
    phone.get_by_label("求职意向").fill("软件测试")
    phone.get_by_label("居住地").select_option(label="顺城社区")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "employment-register-390.png"), full_page=True)
    phone.get_by_role("button", name="登记").click()
    expect(phone.get_by_role("heading", name="我的求职")).to_be_visible()
    expect(phone.locator(".emp-ledger-line.is-missing")).to_have_count(4)
    seeker = Seeker.objects.get(user__phone_index__isnull=False, name="周子轩")
    assert seeker.registered_via == "self" and seeker.masked_phone == "139****9999"

    # --- the counselor finds them and records a policy talk and career guidance --------------------------------
    desk = person("counselor", width=1280, height=900)
    staff_sign_in(desk, base, "yuci_hrss", emp.cast.password)
    desk.get_by_role("link", name="就业服务（1131）").first.click()
    desk.get_by_role("link", name="周**").click()
    expect(desk.get_by_role("heading", name="周**")).to_be_visible()
    expect(desk.locator("[data-ledger=incomplete]")).to_be_visible()
    for service, notes in (("政策讲解", "讲解高校毕业生就业见习补贴政策"), ("职业指导", "修改简历，模拟面试")):
        desk.get_by_label("服务", exact=True).select_option(label=service)
        desk.get_by_label("服务内容").fill(notes)
        desk.get_by_role("button", name="保存服务记录").click()
        expect(desk.get_by_text("已记录。")).to_be_visible()

    # --- three recommendations from the matcher, each with its reasons -------------------------------------
    matches = desk.locator(".emp-match")
    expect(matches.first.locator(".emp-reasons li").first).to_contain_text("技能与意向相符")
    for title in ("软件测试工程师", "数据分析见习生", "仓库管理员"):
        desk.locator(".emp-match", has_text=title).get_by_role("button", name="推荐（计入1131）").click()
        expect(desk.get_by_text(f"已向 周** 推荐“{title}”。")).to_be_visible()
    expect(desk.locator('.emp-ledger-line[data-kind="recommendation"]')).to_contain_text("3 / 3")

    # --- the 见习 recommendation leads to a placement ----------------------------------------------------------
    row = desk.locator("tr[data-service=recommendation]", has_text="数据分析见习生")
    row.locator("select").select_option(label="已录用")
    row.get_by_role("button", name="保存").click()
    expect(desk.get_by_text("结果已记录。")).to_be_visible()
    expect(desk.locator("[data-ledger=complete]")).to_have_text("1131已完成")
    expect(desk.locator(".emp-ledger-line.is-done")).to_have_count(4)
    desk.screenshot(path=str(SHOTS / "employment-seeker-1280.png"), full_page=True)
    seeker.refresh_from_db()
    assert seeker.ledger_complete and seeker.status == "internship"
    assert seeker.services.filter(kind=ServiceKind.OPPORTUNITY, posting=emp.intern, outcome="hired").exists()

    # --- the graduate's phone shows it done ------------------------------------------------------------------
    phone.reload()
    expect(phone.locator(".emp-ledger-line.is-done")).to_have_count(4)
    expect(phone.get_by_text("见习中")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "employment-me-390.png"), full_page=True)


def test_a_hard_to_employ_seeker_is_followed_up_and_their_subsidy_applied_for_and_approved(
        live_server, emp, person, hard_to_employ_category):
    """On a 390 px phone the counselor finds an overdue 就业困难人员, records the follow-up, applies for their
    社保补贴 at the counter (the checklist shows why first) and, as the 人社 reviewer, approves it."""
    from datetime import date, timedelta

    from playwright.sync_api import expect

    from employment.models import FollowUpDue, SeekerStatus, SubsidyApplication
    from employment.tests.test_support import hard_to_employ, months_ago

    seeker = hard_to_employ(emp, status=SeekerStatus.EMPLOYED)
    FollowUpDue.objects.filter(seeker=seeker).update(due_on=date.today() - timedelta(days=3))
    base = live_server.url
    desk = person("counselor", width=390, height=844)
    staff_sign_in(desk, base, "yuci_hrss", emp.cast.password)
    desk.goto(f"{base}/employment/follow-ups/")
    card = desk.locator(f'[data-follow-up="{seeker.pk}"]')
    expect(card.locator("[data-overdue]")).to_be_visible()
    card.get_by_role("link", name=seeker.masked_name).click()
    desk.get_by_label("回访方式").select_option(label="电话")
    desk.get_by_label("近况").fill("在社区做零工，已自己缴纳灵活就业社保")
    desk.get_by_label("下一步").fill("指导申请社保补贴")
    desk.get_by_role("button", name="保存回访记录").click()
    expect(desk.get_by_text("回访已登记。")).to_be_visible()
    assert FollowUpDue.objects.get(seeker=seeker).due_on == date.today() + timedelta(days=90)

    desk.get_by_role("link", name="窗口代为申请").click()
    desk.get_by_label("起始月份").fill(f"{months_ago(2):%Y-%m}")
    desk.get_by_label("截止月份").fill(f"{months_ago(0):%Y-%m}")
    desk.get_by_label("每月缴纳社保（元）").fill("700")
    desk.get_by_role("button", name="核验资格").click()
    expect(desk.locator('[data-check="amount"][data-ok="0"]')).to_contain_text("超过600.00元")
    expect(desk.locator('[data-check="proof"][data-ok="0"]')).to_be_visible()
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390
    desk.screenshot(path=str(SHOTS / "employment-subsidy-check-390.png"), full_page=True)
    desk.get_by_label("每月缴纳社保（元）").fill("480.50")
    desk.get_by_label("缴费凭证号").fill("晋中社保 2026-0031")
    desk.get_by_role("button", name="提交申请").click()
    expect(desk.get_by_text("申请已提交，人社部门将进行审核。")).to_be_visible()

    desk.goto(f"{base}/employment/subsidies/")
    desk.get_by_role("link", name=seeker.masked_name).click()
    expect(desk.locator(".emp-checklist li.is-ok")).to_have_count(6)
    desk.get_by_label("审批意见").select_option(label="通过")
    desk.get_by_role("button", name="保存审核意见").click()
    expect(desk.get_by_text("已审核：待发放。")).to_be_visible()
    application = SubsidyApplication.objects.get()
    assert application.status == "approved" and str(application.total) == "1441.50"
