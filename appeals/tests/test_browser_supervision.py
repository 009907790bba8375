"""Supervision in a real browser, in Chinese: the supervisor's home says what waits, the extension
queue is decided from the menu, an unanswered 督办 waits in 督办超期; the handler answers it, adds a
public 进展记录 the resident reads on the tracking page, and sees the reply before sending it; the
dispatcher confirms a 不予受理. Screenshots go to /tmp/minsheng-supervision-*.png."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from appeals import tasks
from appeals.models import Action, ExtensionRequest, State, Urge
from appeals.services import appeal_request_extension, appeal_urge
from appeals.tests.test_lifecycle import in_state
from conftest import new_appeal, staff_sign_in

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("holiday_calendar")]

SHOTS = Path("/tmp")
PROGRESS = "已联系供热公司，周三上午入户检测室温。"


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"minsheng-supervision-{name}.png"), full_page=True)


def test_supervision_in_the_browser(live_server, cast, person):
    from playwright.sync_api import expect

    base = live_server.url
    extended = in_state(cast, State.HANDLING, title="小区暖气不热需协调供热公司")
    request = appeal_request_extension(actor=cast.handler_a, appeal=extended, reason="需供热公司和物业共同入户检测",
                                       new_due_at=extended.due_at + timedelta(days=5))
    urged = in_state(cast, State.HANDLING, title="卫生服务站周末不开门")
    urge = appeal_urge(actor=cast.city_supervisor, appeal=urged, note="群众多次反映，请说明办理进展",
                       answer_due_at=timezone.now() + timedelta(hours=1))
    assert tasks.urge_overdue_sweep(now=timezone.now() + timedelta(hours=2)) == 1

    # --- the supervisor: what waits, the extension queue, the urged-overdue queue -------------------------
    supervisor = person("city_supervisor", width=1280, height=900)
    staff_sign_in(supervisor, base, "city_supervisor", cast.password)
    expect(supervisor.locator('[data-waiting="extensions"] .waiting-count')).to_have_text("1")
    expect(supervisor.locator('[data-waiting="urged_overdue"] .waiting-count')).to_have_text("1")
    shot(supervisor, "home-1280")
    supervisor.get_by_role("link", name="延期审批").first.click()
    expect(supervisor.get_by_role("heading", name="延期审批", exact=True)).to_be_visible()
    card = supervisor.locator(f"#x{request.pk}")
    expect(card).to_contain_text(extended.code)
    expect(card).to_contain_text("需供热公司和物业共同入户检测")
    expect(card).to_contain_text(timezone.localtime(request.requested_due_at).strftime("%Y-%m-%d %H:%M"))
    shot(supervisor, "extensions-1280")
    card.get_by_role("radio", name="批准").check()
    card.get_by_label("备注").fill("同意延期，请按期办结。")
    card.get_by_role("button", name="提交审批").click()
    expect(supervisor.get_by_text(f"已批准 {extended.code} 的延期，办理期限已调整。")).to_be_visible()
    expect(supervisor.get_by_text("您辖区内没有待审批的延期申请。")).to_be_visible()
    assert ExtensionRequest.objects.get(pk=request.pk).status == ExtensionRequest.Status.APPROVED
    supervisor.get_by_role("link", name=re.compile("超期未反馈的督办")).click()
    expect(supervisor.locator(".queue-tab.current")).to_contain_text("督办超期")
    expect(supervisor.get_by_role("row").filter(has_text=urged.code)).to_be_visible()
    expect(supervisor.get_by_role("row").filter(has_text=extended.code)).to_have_count(0)
    shot(supervisor, "urged-overdue-1280")

    # --- the handler answers the 督办, writes a public 进展记录 and previews the reply ----------------------
    handler = person("handler_a", width=1280, height=900)
    staff_sign_in(handler, base, "handler_a", cast.password)
    handler.goto(f"{base}/appeals/staff/{urged.code}/")
    expect(handler.locator(".urges-card")).to_contain_text("督办超期")
    handler.locator("summary", has_text=re.compile("^督办反馈$")).click()
    handler.get_by_label("督办反馈").fill("已约服务站负责人，下周起周六上午开诊。")
    handler.get_by_role("button", name="督办反馈", exact=True).click()
    expect(handler.get_by_text("督办反馈已记录，督办人员可以看到。")).to_be_visible()
    expect(handler.locator(".timeline")).to_contain_text("已约服务站负责人，下周起周六上午开诊。")
    assert Urge.objects.get(pk=urge.pk).answered_by == cast.handler_a
    handler.locator("summary", has_text=re.compile("^添加进展记录$")).click()
    handler.get_by_label("进展记录").fill(PROGRESS)
    handler.get_by_role("radio", name=re.compile("公开")).check()
    handler.get_by_role("button", name="添加进展记录", exact=True).click()
    expect(handler.get_by_text("进展记录已添加，群众可在查询页看到。")).to_be_visible()
    shot(handler, "detail-1280")
    handler.locator("summary", has_text=re.compile("^答复$")).click()
    handler.get_by_label("答复居民").fill("您好！您反映的【问题】已收悉。")
    handler.get_by_role("button", name="答复", exact=True).click()
    expect(handler.get_by_role("heading", name="群众将看到的答复")).to_be_visible()
    expect(handler.get_by_role("alert")).to_contain_text("【问题】")
    shot(handler, "reply-preview-1280")
    handler.get_by_role("button", name="返回修改").click()
    reply_box = handler.get_by_label("答复居民")
    expect(reply_box).to_have_value("您好！您反映的【问题】已收悉。")
    reply_box.fill("您好！您反映的服务站周末不开门问题已收悉，下周起周六上午开诊。")
    handler.get_by_role("button", name="答复", exact=True).click()
    handler.get_by_role("button", name="确认发送答复").click()
    expect(handler.get_by_text("答复已发送给居民。")).to_be_visible()
    urged.refresh_from_db()
    assert urged.state == State.REPLIED

    # --- anyone with the code reads the public progress note on the tracking page ------------------------
    visitor = person("visitor")
    visitor.goto(f"{base}/appeals/track/{urged.code}/")
    expect(visitor.locator(".timeline")).to_contain_text("承办单位更新了办理进展。")
    expect(visitor.locator(".timeline")).to_contain_text(PROGRESS)
    expect(visitor.locator(".timeline")).not_to_contain_text("已约服务站负责人")  # the 督办反馈 is internal
    shot(visitor, "track-375")

    # --- the dispatcher confirms a 不予受理 -------------------------------------------------------------------
    spam = new_appeal(cast, title="出售二手家电请联系")
    dispatcher = person("dispatcher", width=1280, height=900)
    staff_sign_in(dispatcher, base, "dispatcher", cast.password)
    dispatcher.goto(f"{base}/appeals/staff/{spam.code}/")
    dispatcher.locator("summary", has_text=re.compile("^不予受理$")).click()
    dispatcher.get_by_label("理由").fill("广告信息，不属于诉求")
    dispatcher.get_by_role("button", name="不予受理", exact=True).click()
    expect(dispatcher.get_by_role("heading", name=re.compile("确定对 .* 不予受理吗"))).to_be_visible()
    shot(dispatcher, "reject-confirm-1280")
    spam.refresh_from_db()
    assert spam.state == State.TO_DISPATCH
    dispatcher.get_by_role("button", name="确认不予受理").click()
    expect(dispatcher.locator(".appeal-head .state")).to_have_text("不予受理")
    assert spam.events.filter(action=Action.REJECT).count() == 1


def test_the_resident_confirms_a_withdrawal_in_the_browser(live_server, cast, person):
    from django.test import Client
    from playwright.sync_api import expect

    base = live_server.url
    appeal = new_appeal(cast, title="楼道灯不亮")
    session = Client()
    session.force_login(cast.resident)  # signing in by SMS is test_browser_flow's; here only the session
    resident = person("resident")
    resident.context.add_cookies([{"name": "sessionid", "value": session.cookies["sessionid"].value,
                                   "url": base}])
    resident.goto(f"{base}/appeals/track/{appeal.code}/")
    resident.get_by_label("撤回原因（选填）").fill("物业已经修好了")
    resident.get_by_role("button", name="撤回", exact=True).click()
    expect(resident.get_by_role("heading", name="确定撤回这件诉求吗？")).to_be_visible()
    expect(resident.get_by_text("物业已经修好了")).to_be_visible()
    shot(resident, "withdraw-confirm-375")
    resident.get_by_role("link", name="不撤回，保留诉求").click()
    expect(resident.locator(".state")).to_have_text("待派单")
    appeal.refresh_from_db()
    assert appeal.state == State.TO_DISPATCH
    resident.get_by_role("button", name="撤回", exact=True).click()
    resident.get_by_role("button", name="确认撤回").click()
    expect(resident.locator(".state")).to_have_text("已撤回")
    appeal.refresh_from_db()
    assert appeal.state == State.WITHDRAWN
