"""The whole loop of one 诉求 in a real browser (issue 3): a resident signs in with phone + SMS code and
submits it, the 榆次区 dispatcher sends it to 榆次区卫生健康局, a handler there accepts (签收) and replies
(答复), and the resident rates the reply 满意. Each person has their own browser context, and every page
is reached by clicking and typing, in Chinese, as in an office or on a phone."""

import os
import re
from pathlib import Path

import pytest

from accounts.sms import MemoryBackend
from appeals.models import Action, Appeal, AppealType, Satisfaction, State
from conftest import staff_sign_in

# Playwright's sync API runs an event loop in this thread; Django's ORM must be allowed to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# live_server needs real transactions, and the flush that ends a transactional test also empties the
# holiday calendar appeals/0002 seeded; holiday_calendar puts it back before the test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("holiday_calendar")]

SHOTS = Path("/tmp")

TITLE = "社区卫生服务站周末不开门"
DESCRIPTION = "顺城社区卫生服务站周六周日都关门，老人量血压、拿药只能跑到市里，希望周末至少开半天。"
REPLY = "经核实，顺城社区卫生服务站自下周起周六上午8:30至12:00开诊，已在服务站门口张贴通知。"


@pytest.fixture
def no_auto_dispatch(settings):
    # The router may dispatch a confident appeal by itself; this test is about the dispatcher doing it.
    settings.DISPATCH_AUTO = False


def sms_code(phone: str) -> str:
    for to, message in reversed(MemoryBackend.outbox):
        found = re.search(r"\b(\d{6})\b", message)
        if to == phone and found:
            return found.group(1)
    raise AssertionError(f"no sign-in code was sent to {phone}: {MemoryBackend.outbox}")


def test_a_demand_goes_round_the_whole_loop_in_the_browser(live_server, cast, person, no_auto_dispatch):
    from playwright.sync_api import expect

    base = live_server.url
    MemoryBackend.outbox.clear()

    # --- the resident signs in with the phone and the code from the SMS ---------------------------------
    resident = person("resident")
    resident.goto(f"{base}/login/resident/")
    expect(resident.get_by_role("heading", name="居民登录")).to_be_visible()
    resident.get_by_label("手机号码").fill("13800138000")
    resident.get_by_role("button", name="获取验证码").click()
    expect(resident.get_by_text("6位验证码已发送至")).to_be_visible()
    expect(resident.get_by_text("13800138000")).to_have_count(0)  # the number is shown masked
    resident.get_by_label("短信验证码").fill(sms_code("13800138000"))
    resident.get_by_role("button", name="登录", exact=True).click()
    expect(resident.get_by_role("heading", name=re.compile("欢迎您"))).to_be_visible()

    # --- … and raises the demand --------------------------------------------------------------------------
    resident.get_by_role("link", name="反映问题、提交诉求").click()
    expect(resident.get_by_role("heading", name="反映问题、提交诉求")).to_be_visible()
    resident.get_by_role("radio", name="投诉").check()
    resident.get_by_label("标题").fill(TITLE)
    resident.get_by_label("详细描述").fill(DESCRIPTION)
    resident.get_by_label("村（社区）").select_option(label="顺城社区")
    resident.screenshot(path=str(SHOTS / "minsheng-appeal-new-375.png"), full_page=True)
    resident.get_by_role("button", name="提交").click()

    expect(resident.get_by_role("heading", name="您的诉求已受理")).to_be_visible()
    shown_code = resident.locator(".tracking-code").inner_text().strip()
    appeal = Appeal.objects.get()
    assert shown_code.replace(" ", "") == appeal.code
    assert appeal.resident == cast.resident and appeal.place == cast.community
    assert appeal.appeal_type == AppealType.COMPLAINT and appeal.state == State.TO_DISPATCH
    resident.screenshot(path=str(SHOTS / "minsheng-appeal-submitted-375.png"), full_page=True)
    resident.get_by_role("link", name="查看办理进展").click()
    expect(resident.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(resident.locator(".state")).to_have_text("待派单")

    # --- the dispatcher finds it in 待派单 and sends it to the health bureau -----------------------------
    dispatcher = person("dispatcher", width=1280, height=900)
    staff_sign_in(dispatcher, base, "dispatcher", cast.password)
    dispatcher.get_by_role("link", name=re.compile(r"^\d+\s*待派单$")).click()  # the count on the home page
    expect(dispatcher.locator(".queue-tab.current")).to_contain_text("待派单")
    row = dispatcher.get_by_role("row").filter(has_text=appeal.code)
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("顺城社区")
    row.get_by_role("link", name=appeal.code).click()
    expect(dispatcher.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(dispatcher.locator(".appeal-head .state")).to_have_text("待派单")
    dispatcher.locator("summary", has_text=re.compile("^派单$")).click()
    dispatcher.get_by_label("派往").select_option(label="榆次区卫生健康局")
    dispatcher.get_by_label("给承办人的说明").fill("请尽快核实服务站周末开诊安排。")
    dispatcher.screenshot(path=str(SHOTS / "minsheng-appeal-dispatch-1280.png"), full_page=True)
    dispatcher.get_by_role("button", name="派单", exact=True).click()
    expect(dispatcher.get_by_text("已派单至榆次区卫生健康局。")).to_be_visible()
    expect(dispatcher.locator(".appeal-head .state")).to_have_text("待签收")

    # --- a handler of the bureau accepts it (签收) and replies (答复) -----------------------------------
    handler = person("handler_a", width=1280, height=900)
    staff_sign_in(handler, base, "handler_a", cast.password)
    handler.get_by_role("link", name=re.compile(r"^\d+\s*待签收$")).click()
    handler.get_by_role("row").filter(has_text=appeal.code).get_by_role("link", name=TITLE).click()
    expect(handler.locator(".appeal-head .state")).to_have_text("待签收")
    expect(handler.get_by_text("请尽快核实服务站周末开诊安排。")).to_be_visible()
    handler.locator("summary", has_text=re.compile("^签收$")).click()
    handler.get_by_role("button", name="签收", exact=True).click()
    expect(handler.get_by_text("已签收，诉求进入办理。")).to_be_visible()
    expect(handler.locator(".appeal-head .state")).to_have_text("办理中")
    handler.locator("summary", has_text=re.compile("^答复$")).click()
    handler.get_by_label("答复居民").fill(REPLY)
    handler.get_by_role("button", name="答复", exact=True).click()
    # 答复 cannot be undone: first the reply as the resident will read it, then the send.
    expect(handler.get_by_role("heading", name="群众将看到的答复")).to_be_visible()
    expect(handler.locator(".preview .reply-text")).to_have_text(REPLY)
    handler.get_by_role("button", name="确认发送答复").click()
    expect(handler.get_by_text("答复已发送给居民。")).to_be_visible()
    expect(handler.locator(".appeal-head .state")).to_have_text("已答复")
    handler.screenshot(path=str(SHOTS / "minsheng-appeal-replied-1280.png"), full_page=True)

    # --- the resident sees the reply and rates it 满意 ----------------------------------------------------
    resident.reload()
    expect(resident.locator(".state")).to_have_text("已答复")
    expect(resident.locator(".reply-text")).to_have_text(REPLY)
    timeline = resident.locator(".timeline .what")
    expect(timeline).to_have_text(["诉求已受理。", "已派往榆次区卫生健康局办理。", "承办单位已签收，正在办理。",
                                   "承办单位已答复。"])
    resident.get_by_role("radio", name="满意", exact=True).check()
    resident.get_by_role("radio", name="是", exact=True).check()
    resident.get_by_label("评价意见（选填）").fill("周末能看病了，谢谢！")
    resident.get_by_role("button", name="提交评价").click()
    expect(resident.get_by_text("感谢您的评价。")).to_be_visible()
    expect(resident.locator(".state")).to_have_text("已办结")
    expect(resident.locator(".reply")).to_contain_text("您的评价： 满意")
    expect(resident.get_by_role("heading", name="评价答复")).to_have_count(0)  # rated once only
    expect(resident.locator(".timeline .what").last).to_have_text("已办结。")
    resident.screenshot(path=str(SHOTS / "minsheng-appeal-rated-375.png"), full_page=True)

    # --- and the database agrees -------------------------------------------------------------------------
    appeal.refresh_from_db()
    assert appeal.state == State.CLOSED
    assert appeal.satisfaction == Satisfaction.SATISFIED and appeal.resolved is True
    assert appeal.rating_comment == "周末能看病了，谢谢！"
    assert appeal.assigned_department == cast.yuci_health
    assert appeal.reply == REPLY
    assert appeal.closed_at is not None
    steps = list(appeal.events.order_by("created_at", "id")
                 .values_list("action", "actor__username", "actor_label", "from_state", "to_state"))
    assert steps == [
        (Action.CREATE, "r-resident", "", "", State.TO_DISPATCH),
        (Action.DISPATCH, "dispatcher", "", State.TO_DISPATCH, State.TO_ACCEPT),
        (Action.ACCEPT, "handler_a", "", State.TO_ACCEPT, State.HANDLING),
        (Action.REPLY, "handler_a", "", State.HANDLING, State.REPLIED),
        (Action.RATE, "r-resident", "", State.REPLIED, State.REPLIED),
        (Action.CLOSE, None, "system", State.REPLIED, State.CLOSED),
    ]
