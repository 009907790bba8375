"""Staff sign-in, the language switch, lockout after repeated failures, sign-out and security headers."""

import pytest
from django.urls import reverse

LOGIN = "/login/"


def switch_language(client, code, next_url=LOGIN):
    return client.post(reverse("set_language"), {"language": code, "next": next_url})


@pytest.mark.django_db
def test_login_page_is_in_simplified_chinese_by_default(client):
    response = client.get(LOGIN)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "工作人员登录" in html
    assert "用户名" in html and "密码" in html
    assert "Staff sign-in" not in html


@pytest.mark.django_db
def test_switching_language_returns_to_the_same_page_in_that_language(client):
    response = switch_language(client, "zh-hant")
    assert response.status_code == 302 and response.url == LOGIN
    html = client.get(LOGIN).content.decode()
    assert '<html lang="zh-hant">' in html
    assert "工作人員登錄" in html and "用戶名" in html
    assert "工作人员登录" not in html

    switch_language(client, "en")
    html = client.get(LOGIN).content.decode()
    assert '<html lang="en">' in html
    assert "Staff sign-in" in html and "Username" in html
    assert "工作人" not in html

    switch_language(client, "zh-hans")
    assert "工作人员登录" in client.get(LOGIN).content.decode()


@pytest.mark.parametrize("code", ["zh-hans", "zh-hant", "en"])
@pytest.mark.django_db
def test_each_language_is_offered_in_its_own_name(client, code):
    switch_language(client, code)
    html = client.get(LOGIN).content.decode()
    for value, name in [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]:
        assert f'value="{value}" lang="{value}"' in html
        assert f">{name}</button>" in html


def test_staff_sign_in_leads_to_the_home_page(client, cast):
    response = client.post(LOGIN, {"username": "handler_a", "password": cast.password})
    assert response.status_code == 302 and response.url == reverse("home")
    assert "承办人" in client.get("/").content.decode()


def test_wrong_password_gives_a_clear_message_and_keeps_the_username(client, cast):
    response = client.post(LOGIN, {"username": "handler_a", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确" in html
    assert 'value="handler_a"' in html
    assert "_auth_user_id" not in client.session


def test_empty_form_says_what_is_missing(client, db):
    html = client.post(LOGIN, {"username": "", "password": ""}).content.decode()
    assert "请输入用户名" in html and "请输入密码" in html


def test_account_is_locked_after_five_failures_even_with_the_right_password(client, cast):
    for _attempt in range(4):
        assert client.post(LOGIN, {"username": "handler_a", "password": "wrong"}).status_code == 200
    fifth = client.post(LOGIN, {"username": "handler_a", "password": "wrong"})
    assert fifth.status_code in (403, 429)
    html = fifth.content.decode()
    assert "账号已锁定" in html
    assert "15 分钟后再试" in html

    right = client.post(LOGIN, {"username": "handler_a", "password": cast.password})
    assert right.status_code in (403, 429)
    assert "账号已锁定" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_of_one_account_does_not_lock_another(client, cast):
    for _attempt in range(5):
        client.post(LOGIN, {"username": "handler_a", "password": "wrong"})
    response = client.post(LOGIN, {"username": "handler_b", "password": cast.password})
    assert response.status_code == 302


def test_lockout_message_follows_the_language(client, cast):
    switch_language(client, "en")
    for _attempt in range(5):
        response = client.post(LOGIN, {"username": "handler_a", "password": "wrong"})
    assert "Account locked" in response.content.decode()


def test_sign_out_is_post_only(client, cast):
    client.force_login(cast.handler_a)
    response = client.get("/logout/")
    assert response.status_code == 405
    assert client.get("/").status_code == 200

    response = client.post("/logout/")
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302
    assert "您已退出登录" in client.get(LOGIN).content.decode()


def test_home_needs_a_signed_in_user(client, db):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("path", [LOGIN, "/login/resident/"])
@pytest.mark.django_db
def test_security_headers_and_no_inline_code(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.content.decode()
    # The strict CSP would block inline code, so the pages must not rely on any.
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert "csrfmiddlewaretoken" in html


def test_signed_in_pages_have_no_inline_code_either(client, cast):
    client.force_login(cast.city_supervisor)
    for path in ["/", "/directory/"]:
        html = client.get(path).content.decode()
        assert "<script" not in html and "style=" not in html and "<style" not in html


def test_stylesheet_is_served_by_the_project(client, db):
    response = client.get("/static/web/minsheng.css")
    assert response.status_code == 200
    assert b"font-family" in b"".join(response.streaming_content)


def test_login_form_requires_csrf(cast):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "handler_a", "password": cast.password})
    assert response.status_code == 403
