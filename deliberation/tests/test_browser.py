"""The whole path of a topic in real browsers (issue 12): a resident proposes on a phone, the community
accepts it, neighbours support it, the council meets and decides, a task becomes a demand that the
department closes (through appeals' services here), the task shows done by itself, and residents rate."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.sms import MemoryBackend
from conftest import open_menu, staff_sign_in
from deliberation.models import Support, Topic, TopicState

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("holiday_calendar")]

SHOTS = Path("/tmp")
TITLE = "小区东门加装电动车充电桩"


@pytest.fixture
def holiday_calendar(transactional_db):
    import importlib

    from django.apps import apps

    importlib.import_module("appeals.migrations.0002_holidays_2026").seed(apps, None)


@pytest.fixture
def no_auto_dispatch(settings):
    settings.DISPATCH_AUTO = False


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


def test_a_topic_goes_from_a_phone_to_a_rated_decision(live_server, hall, person, no_auto_dispatch):
    from playwright.sync_api import expect

    from appeals.services import appeal_accept, appeal_dispatch, appeal_rate, appeal_reply

    base, cast = live_server.url, hall.cast

    # --- a resident proposes on a phone -------------------------------------------------------------------
    phone = person("resident", width=390, height=844)
    resident_sign_in(phone, base, "13800138000")
    open_menu(phone)
    phone.get_by_role("link", name="议事协商", exact=True).first.click()
    expect(phone.get_by_role("heading", name="议事协商")).to_be_visible()
    phone.get_by_role("link", name="提出议题").click()
    phone.get_by_label("标题").fill(TITLE)
    phone.get_by_label("是什么问题？您有什么建议？").fill("电动车在楼道充电很危险，建议在东门空地加装集中充电桩。")
    phone.get_by_label("涉及地点（选填）").fill("东门空地")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "deliberation-propose-390.png"), full_page=True)
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(phone.locator(".stage").first).to_have_text("待审核")
    topic = Topic.objects.get(title=TITLE)

    # --- the community accepts it -----------------------------------------------------------------------
    staff = person("community staff", width=1280, height=900)
    staff_sign_in(staff, base, "community_staff", cast.password)
    staff.get_by_role("link", name="议事协商", exact=True).first.click()
    staff.get_by_role("link", name=TITLE).first.click()
    staff.get_by_role("button", name="通过", exact=True).click()
    expect(staff.get_by_text("已通过审核：议题已公示")).to_be_visible()

    # --- residents support it (the proposer too) ------------------------------------------------------------
    phone.reload()
    phone.get_by_role("button", name="附议").click()
    expect(phone.get_by_text("已附议，感谢支持。")).to_be_visible()
    neighbour = person("neighbour", width=390, height=844)
    resident_sign_in(neighbour, base, hall.neighbours[0].phone)
    neighbour.goto(f"{base}/deliberation/t/{topic.pk}/")
    neighbour.get_by_role("button", name="附议").click()
    expect(neighbour.locator("[data-supports]")).to_have_text("2")
    assert Support.objects.filter(topic=topic).count() == 2

    # --- the council meets and decides --------------------------------------------------------------------
    staff.reload()
    staff.get_by_label("会议时间").fill((timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT19:00"))
    staff.get_by_label("会议地点").fill("社区议事厅")
    staff.get_by_label("应到人数").fill("3")
    staff.get_by_label("议程").fill("讨论充电桩选址与收费")
    staff.get_by_role("button", name="安排会议").click()
    expect(staff.get_by_text("议事会已安排。")).to_be_visible()
    for name in ("主任", "代表甲", "代表乙"):
        staff.get_by_placeholder("名称").fill(name)
        staff.get_by_role("button", name="添加参会人员").click()
        expect(staff.get_by_text("已添加参会人员。")).to_be_visible()
    for _ in range(3):
        staff.get_by_role("button", name="签到", exact=True).first.click()
        expect(staff.get_by_text("签到已记录。")).to_be_visible()
    staff.get_by_label("会议纪要").fill("三位代表一致同意在东门空地加装充电桩。")
    staff.get_by_label("赞成").fill("3")
    staff.get_by_label("决议（表决通过后公布）").fill("在东门空地加装充电桩10个，由区住建局组织实施。")
    staff.get_by_role("button", name="记录并公布").click()
    expect(staff.get_by_text("决议已公布。")).to_be_visible()
    topic.refresh_from_db()
    assert topic.state == TopicState.DECIDED and topic.meeting.passed

    # --- a task becomes a demand to the department ------------------------------------------------------------
    staff.get_by_label("任务", exact=True).fill("东门加装充电桩10个")
    staff.get_by_role("radio", name="向部门提交诉求").check()
    staff.get_by_label("责任部门（诉求类任务）").select_option(label="榆次区住房和城乡建设局")
    staff.get_by_label("期限").fill((timezone.localdate() + timedelta(days=30)).isoformat())
    staff.get_by_role("button", name="添加任务").click()
    expect(staff.get_by_text(re.compile("任务已添加，已提交诉求"))).to_be_visible()
    task = topic.tasks.get()
    appeal = task.appeal
    expect(staff.locator(f"[data-task='{task.pk}'] [data-demand-state]")).to_have_text("待派单")
    staff.screenshot(path=str(SHOTS / "deliberation-staff-topic-1280.png"), full_page=True)

    # --- the department handles it and the resident rates the reply (appeals' own services) ------------------
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
    appeal_accept(actor=cast.handler_b, appeal=appeal)
    appeal_reply(actor=cast.handler_b, appeal=appeal, text="10个充电桩已安装并通电。")
    appeal_rate(actor=cast.resident, appeal=appeal, satisfaction="satisfied")

    # --- the task shows done by itself; residents rate the execution --------------------------------------------
    phone.goto(f"{base}/deliberation/t/{topic.pk}/")
    expect(phone.locator(f"[data-task='{task.pk}'] [data-task-done]")).to_be_visible()
    expect(phone.locator(".stage").first).to_have_text("监督评议")
    expect(phone.locator("[data-step='task_done']")).to_have_count(1)
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_text("感谢您的评议。")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "deliberation-topic-rated-390.png"), full_page=True)
    assert topic.ratings.get().value == "satisfied"


def test_staff_confirm_residents_and_tie_a_task_to_a_target(live_server, hall, person):
    """居住确认 on a phone and a desktop: a newcomer declares, sees what they may do meanwhile; the staff
    confirm one newcomer and refuse another, who reads the reason. Then a decided topic's task is tied
    to a 民生实事 target, and the resident's phone shows the target's progress."""
    from playwright.sync_api import expect

    from deliberation.models import Residency, ResidencyStatus
    from deliberation.tests.conftest import decided, make_resident
    from deliberation.tests.test_target_tasks import make_target, refreshed

    base = live_server.url
    refused = make_resident("13600000021", hall.unit)
    make_resident("13600000022")  # signed up, not yet said where they live
    topic = decided(hall)
    target = refreshed(make_target(hall, title="全市议事协商决议4项", target_value="4"))

    # --- a newcomer says where they live, on a phone ------------------------------------------------------------
    phone = person("newcomer", width=390, height=844)
    resident_sign_in(phone, base, "13600000022")
    phone.goto(f"{base}/deliberation/residency/")
    phone.locator("#unit").select_option(label=f"{hall.cast.beiguan.name} · {hall.unit.name}")
    phone.locator("#address").fill("8号楼1单元")
    phone.get_by_role("button", name="保存").click()
    phone.goto(f"{base}/deliberation/residency/")
    expect(phone.locator("[data-residency-status='pending']")).to_be_visible()
    expect(phone.locator("[data-meanwhile]")).to_contain_text("确认之前您可以提议和评论")
    phone.screenshot(path=str(SHOTS / "deliberation-residency-pending-390.png"), full_page=True)

    # --- the community's staff confirm one and refuse the other ------------------------------------------------
    staff = person("community staff", width=1280, height=900)
    staff_sign_in(staff, base, "community_staff", hall.cast.password)
    staff.goto(f"{base}/deliberation/staff/")
    staff.get_by_role("link", name=re.compile("居住确认")).first.click()
    expect(staff.locator("[data-residency]")).to_have_count(2)
    staff.screenshot(path=str(SHOTS / "deliberation-residents-1280.png"), full_page=True)
    mobile_staff = person("community staff on a phone", width=390, height=844)
    staff_sign_in(mobile_staff, base, "community_staff", hall.cast.password)
    mobile_staff.goto(f"{base}/deliberation/staff/residents/")
    assert mobile_staff.evaluate("document.documentElement.scrollWidth") <= 390
    mobile_staff.screenshot(path=str(SHOTS / "deliberation-residents-390.png"), full_page=True)
    waiting = {r.resident.phone: r for r in Residency.objects.filter(status="pending").select_related("resident")}
    row = staff.locator(f"[data-residency='{waiting['13600000022'].pk}']")
    row.get_by_role("button", name="确认").click()
    expect(staff.get_by_text("已确认：该居民的附议、表决和评议将计入。")).to_be_visible()
    row = staff.locator(f"[data-residency='{waiting[refused.phone].pk}']")
    row.get_by_text("不予确认").first.click()
    row.get_by_label("告知居民的理由").fill("本社区没有8号楼，请核对住址。")
    row.get_by_role("button", name="不予确认").click()
    expect(staff.get_by_text("已不予确认，居民会看到理由。")).to_be_visible()
    assert Residency.objects.get(pk=waiting[refused.phone].pk).status == ResidencyStatus.REJECTED
    phone.goto(f"{base}/deliberation/residency/")
    expect(phone.locator("[data-residency-status='confirmed']")).to_be_visible()

    # --- a task tied to a 民生实事 target ----------------------------------------------------------------------------
    staff.goto(f"{base}/deliberation/staff/t/{topic.pk}/")
    staff.get_by_label("任务", exact=True).fill("社区议事决议落实情况纳入民生实事")
    staff.get_by_role("radio", name="民生实事的一部分").check()
    staff.get_by_label("民生实事项目（属于某项民生实事时）").select_option(value=str(target.pk))
    staff.get_by_label("责任人（社区自办或民生实事任务）").fill("社区居委会")
    staff.get_by_label("期限").fill((timezone.localdate() + timedelta(days=60)).isoformat())
    staff.get_by_role("button", name="添加任务").click()
    expect(staff.get_by_text("任务已添加。")).to_be_visible()
    task = topic.tasks.get()
    expect(staff.locator(f"[data-task='{task.pk}'] [data-target-progress]")).to_have_attribute(
        "data-target-progress", "25"
    )
    staff.screenshot(path=str(SHOTS / "deliberation-target-task-1280.png"), full_page=True)
    phone.goto(f"{base}/deliberation/t/{topic.pk}/")
    expect(phone.locator(f"[data-task='{task.pk}'] [data-target-progress]")).to_contain_text("已完成 25%")
    expect(phone.locator("[data-step-target]")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SHOTS / "deliberation-target-task-390.png"), full_page=True)
