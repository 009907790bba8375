"""One real browser run: Debian's chromium signs a handler in through the form and shows the home page."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM must be allowed to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

@pytest.fixture
def page(browser):
    # A browser set up for Chinese, as on a county office PC (Django follows Accept-Language).
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=1, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    yield page
    context.close()
    assert errors == [], f"console errors (a CSP violation?): {errors}"


def test_handler_signs_in_and_sees_the_handler_home(live_server, cast, page):
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="工作人员登录").click()  # the front door's small link for staff
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.screenshot(path="/tmp/minsheng-login-375.png", full_page=True)

    page.get_by_label("用户名").fill("handler_a")
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="您好，handler_a")).to_be_visible()
    expect(page.locator(".eyebrow")).to_have_text("承办人")
    expect(page.get_by_text("榆次区卫生健康局").first).to_be_visible()
    expect(page.locator('[data-waiting="to_accept"]')).to_have_text("0待签收")
    # The stylesheet loaded under the strict CSP: the mark is white on red.
    assert page.locator(".brand-mark").evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    page.screenshot(path="/tmp/minsheng-home-375.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path="/tmp/minsheng-home-1280.png", full_page=True)

    page.get_by_role("button", name="繁體中文").click()
    expect(page.get_by_role("heading", name="您好，handler_a")).to_be_visible()
    expect(page.locator('[data-waiting="to_accept"]')).to_have_text("0待簽收")
    assert page.url.rstrip("/") == live_server.url
    page.get_by_role("button", name="English").click()
    expect(page.locator('[data-waiting="to_accept"]')).to_have_text("0To accept (待签收)")
    page.screenshot(path="/tmp/minsheng-home-en-1280.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()


@pytest.mark.parametrize(("member", "entries", "groups"), [
    ("dispatcher", ["工作台", "代录诉求", "12345 工单导入", "派单目录", "热点", "每月一题", "三率", "单位和部门"],
     ["工作", "数据与督办", "管理"]),
    ("city_supervisor", ["工作台", "延期审批", "走访超期", "包联对象", "就业服务（1131）", "议事协商", "设施", "志愿者", "议事督办", "活动", "活动组织",
                         "领导驾驶舱", "热点", "每月一题", "1131完成率", "三率", "单位和部门"], ["工作", "数据与督办", "管理"]),
])
def test_the_staff_menu_fits_a_phone_and_a_desktop(live_server, cast, page, member, entries, groups):
    """On a phone the menu folds into 菜单, which opens the entries under their groups' headings; on a
    desktop the groups stand open. Every entry is reachable at both widths, nothing scrolls sideways."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(member)
    page.get_by_label("密码").fill(cast.password)
    page.get_by_role("button", name="登录").click()
    nav = page.get_by_role("navigation", name="菜单")
    toggle = nav.locator("summary")
    for width, height in [(390, 844), (1280, 900)]:
        page.set_viewport_size({"width": width, "height": height})
        for url in ["/", "/appeals/staff/", "/dispatch/hotspots/"]:
            page.goto(f"{live_server.url}{url}")
            expect(nav).to_be_visible()
            if width < 720:  # folded: 首页 and the 菜单 button, one line
                assert nav.get_by_role("link").all_inner_texts() == ["首页"]
                assert nav.bounding_box()["height"] < 60
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                toggle.click()
            else:
                expect(toggle).to_be_hidden()
            assert nav.get_by_role("link").all_inner_texts() == ["首页", *entries]
            expect(nav.locator(".sitenav-heading")).to_have_text(groups)
            for link in nav.get_by_role("link").all():
                link.scroll_into_view_if_needed()
                expect(link).to_be_in_viewport()
            # No sideways scrolling, the menu open or not.
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
            page.screenshot(path=f"/tmp/minsheng-menu-{member}-{width}{url.replace('/', '-')}.png", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/appeals/staff/")
    expect(toggle).to_contain_text("工作台")  # the button names the page you are on
    toggle.focus()  # from the keyboard: Enter opens, Escape closes and gives the focus back
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="热点")).to_be_visible()
    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="热点")).to_be_hidden()
    expect(toggle).to_be_focused()
    toggle.click()
    nav.get_by_role("link", name="热点").click()
    expect(page.get_by_role("heading", name="热点", exact=True)).to_be_visible()
    toggle.click()
    expect(nav.get_by_role("link", name="热点")).to_have_attribute("aria-current", "page")


def test_the_menu_works_without_javascript(live_server, cast, browser):
    """The disclosure is plain HTML: a phone opens it with a tap, a desktop shows the groups open."""
    from django.test import Client
    from playwright.sync_api import expect

    client = Client()
    client.force_login(cast.city_supervisor)
    for width, height in [(390, 844), (1280, 900)]:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      java_script_enabled=False)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/dispatch/hotspots/")
        nav = page.get_by_role("navigation", name="菜单")
        hotspots = nav.get_by_role("link", name="热点")
        if width < 720:
            expect(hotspots).to_be_hidden()
            nav.locator("summary").click()
        expect(hotspots).to_be_visible()
        expect(hotspots).to_have_attribute("aria-current", "page")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        context.close()
