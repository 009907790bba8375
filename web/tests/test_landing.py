"""The front door (web.views.landing): a visitor tracks a demand by its code, or goes to the resident
sign-in; staff sign-in is a smaller link."""

import os
import re

import pytest

from conftest import new_appeal

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_landing_page_offers_tracking_the_resident_entrance_and_staff_sign_in(client, db):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "按受理编号查询" in html and 'action="/appeals/track/"' in html and 'name="code"' in html
    assert 'href="/login/resident/?next=/appeals/new/"' in html
    assert 'href="/login/resident/?next=/appeals/mine/"' in html
    assert re.search(r'<p class="staff-door small"><a href="/login/">工作人员登录</a>', html)
    assert '<a href="/privacy/">隐私告知</a>' in html


def test_a_wrong_code_from_the_landing_page_is_explained(client, db):
    response = client.get("/appeals/track/", {"code": "ABCDE23456"})
    assert response.status_code == 404
    assert "没有" in response.content.decode()


def test_signed_in_people_get_their_home_not_the_landing_page(client, cast):
    client.force_login(cast.resident)
    html = client.get("/").content.decode()
    assert "欢迎您" in html and "按受理编号查询" in html and "即将上线" not in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visitor_finds_a_demand_by_its_code_from_the_landing_page(live_server, cast, person):
    from playwright.sync_api import expect

    appeal = new_appeal(cast)
    page = person("visitor", width=390, height=844)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="有事您说，政府来办")).to_be_visible()
    page.get_by_role("textbox", name="受理编号").fill(f"{appeal.code[:5].lower()} {appeal.code[5:]}")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".state")).to_have_text("待派单")
    assert page.url.endswith(f"/appeals/track/{appeal.code}/")
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="反映问题、提交诉求").click()
    expect(page.get_by_role("heading", name="居民登录")).to_be_visible()
