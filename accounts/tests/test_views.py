"""Signing in and out (accounts.views): staff with username and password, the language switch, lockout
after repeated failures, sign-out and security headers; residents with their phone and a code by SMS
(the memory backend here)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import OneTimeCode, User, UserKind
from accounts.privacy import PRIVACY_NOTICE_VERSION
from accounts.sms import MemoryBackend
from core.crypto import blind_index

LOGIN = "/login/"
URL = "/login/resident/"


# --- staff ---------------------------------------------------------------------------------------------


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
    assert fifth.status_code == 429  # a limit reached, with the page that says so (django-axes)
    html = fifth.content.decode()
    assert "账号已锁定" in html
    assert "15 分钟后再试" in html

    right = client.post(LOGIN, {"username": "handler_a", "password": cast.password})
    assert right.status_code == 429
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
    assert "您已退出登录" in client.get(LOGIN).content.decode()
    assert "按受理编号查询" in client.get("/").content.decode()  # the visitor's front door again


@pytest.mark.parametrize("path", [LOGIN, "/login/resident/"])
@pytest.mark.django_db
def test_security_headers_and_no_inline_code(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.content.decode()
    # The strict CSP would block inline code, so the pages must not rely on any (scripts are files).
    assert not re.search(r"<script(?![^>]*\ssrc=)", html) and "style=" not in html and "<style" not in html
    assert "csrfmiddlewaretoken" in html


def test_signed_in_pages_have_no_inline_code_either(client, cast):
    client.force_login(cast.city_supervisor)
    for path in ["/", "/directory/"]:
        html = client.get(path).content.decode()
        # Scripts are files (the menu's, served by the platform); nothing inline.
        assert not re.search(r"<script(?![^>]*\ssrc=)", html) and "style=" not in html and "<style" not in html


def test_stylesheet_is_served_by_the_project(client, db):
    response = client.get("/static/core/minsheng.css")
    assert response.status_code == 200
    assert b"font-family" in b"".join(response.streaming_content)


def test_login_form_requires_csrf(cast):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "handler_a", "password": cast.password})
    assert response.status_code == 403


# --- residents -----------------------------------------------------------------------------------------


def ask_code(client, phone):
    return client.post(URL, {"step": "phone", "phone": phone})


def agree(client, phone, code, url=URL):
    return client.post(url, {"step": "consent", "phone": phone, "code": code, "version": PRIVACY_NOTICE_VERSION,
                             "agree": "on"})


def code_sent_to(outbox, phone):
    sent = [message for to, message in outbox if to == phone]
    assert sent, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", sent[-1]).group(1)


@pytest.mark.django_db
def test_new_phone_registers_a_resident_and_signs_in(client, sms_outbox):
    response = ask_code(client, "138 0013 9999")
    html = response.content.decode()
    assert response.status_code == 200
    assert "验证码已发送至 138****9999" in html
    assert 'name="code"' in html
    code = code_sent_to(sms_outbox, "13800139999")
    assert "民生" in sms_outbox[-1][1]

    response = client.post(URL, {"step": "code", "phone": "13800139999", "code": code})
    assert "注册前请阅读" in response.content.decode()  # the first time: the privacy notice to agree to
    response = agree(client, "13800139999", code)
    assert response.status_code == 302 and response.url == "/"
    resident = User.objects.get(phone_index=blind_index("13800139999"))
    assert resident.kind == UserKind.RESIDENT
    assert not resident.has_usable_password()
    html = client.get("/").content.decode()
    assert "欢迎您，138****9999" in html
    assert "13800139999" not in html


@pytest.mark.django_db
def test_a_returning_resident_gets_the_same_account_and_is_not_asked_again(client, sms_outbox, settings):
    settings.OTP_SEND_INTERVAL_SECONDS = 0
    ask_code(client, "13900001111")
    code = code_sent_to(sms_outbox, "13900001111")
    client.post(URL, {"step": "code", "phone": "13900001111", "code": code})
    agree(client, "13900001111", code)
    client.post("/logout/")
    ask_code(client, "13900001111")
    response = client.post(URL, {"step": "code", "phone": "13900001111",
                                 "code": code_sent_to(sms_outbox, "13900001111")})
    assert response.status_code == 302 and response.url == "/"
    assert User.objects.filter(phone_index=blind_index("13900001111")).count() == 1


@pytest.mark.django_db
def test_wrong_phone_format_is_explained_and_kept(client, sms_outbox):
    response = ask_code(client, "12345")
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入11位中国大陆手机号码" in html
    assert 'value="12345"' in html
    assert sms_outbox == []


@pytest.mark.django_db
def test_wrong_code_is_refused_with_a_message_and_the_phone_is_kept(client, sms_outbox):
    ask_code(client, "13800139999")
    right = code_sent_to(sms_outbox, "13800139999")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(URL, {"step": "code", "phone": "13800139999", "code": wrong})
    html = response.content.decode()
    assert response.status_code == 200
    assert "验证码不正确" in html
    assert 'value="13800139999"' in html and f'value="{wrong}"' in html
    assert "_auth_user_id" not in client.session
    # The right code still works afterwards.
    assert "注册前请阅读" in client.post(URL, {"step": "code", "phone": "13800139999", "code": right}).content.decode()
    assert agree(client, "13800139999", right).status_code == 302


@pytest.mark.django_db
def test_code_of_the_wrong_shape_is_refused_before_checking(client, sms_outbox):
    ask_code(client, "13800139999")
    html = client.post(URL, {"step": "code", "phone": "13800139999", "code": "12ab"}).content.decode()
    assert "验证码为6位数字" in html


@pytest.mark.django_db
def test_code_never_sent_is_explained(client, sms_outbox):
    html = client.post(URL, {"step": "code", "phone": "13700000000", "code": "123456"}).content.decode()
    assert "验证码已过期或未发送" in html
    assert not User.objects.filter(phone_index=blind_index("13700000000")).exists()


@pytest.mark.django_db
def test_expired_code_is_explained(client, sms_outbox):
    ask_code(client, "13800139999")
    code = code_sent_to(sms_outbox, "13800139999")
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    html = client.post(URL, {"step": "code", "phone": "13800139999", "code": code}).content.decode()
    assert "验证码已过期或未发送" in html
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_messages_follow_the_language(client, sms_outbox):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    html = ask_code(client, "12345").content.decode()
    assert "Enter an 11-digit mainland mobile number" in html
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": URL})
    html = ask_code(client, "12345").content.decode()
    assert "請輸入11位中國大陸手機號碼" in html


@pytest.mark.django_db
def test_a_staff_phone_cannot_be_used_to_skip_the_password(client, cast, sms_outbox):
    staff = cast.handler_a
    staff.phone, staff.phone_index = "13600001234", blind_index("13600001234")
    staff.save()
    ask_code(client, "13600001234")
    code = code_sent_to(sms_outbox, "13600001234")
    response = client.post(URL, {"step": "code", "phone": "13600001234", "code": code})
    assert response.status_code == 200
    assert "工作人员请使用用户名和密码登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_in_returns_to_the_page_that_asked_for_it(client, db):
    import re


    MemoryBackend.outbox.clear()
    url = "/login/resident/?next=/appeals/new/"
    client.post(url, {"phone": "13700137000"})
    code = re.search(r"\d{6}", MemoryBackend.outbox[-1][1]).group()
    client.post(url, {"step": "code", "phone": "13700137000", "code": code})
    response = agree(client, "13700137000", code, url)
    assert response.status_code == 302 and response["Location"] == "/appeals/new/"


@pytest.mark.django_db
def test_sign_in_never_redirects_off_site(client, db):
    import re


    MemoryBackend.outbox.clear()
    url = "/login/resident/?next=https://evil.example.com/"
    client.post(url, {"phone": "13700137001"})
    code = re.search(r"\d{6}", MemoryBackend.outbox[-1][1]).group()
    client.post(url, {"step": "code", "phone": "13700137001", "code": code})
    response = agree(client, "13700137001", code, url)
    assert response["Location"] == "/"


# --- the first sign-in: consent to the privacy notice (PIPL) ----------------------------------------------


@pytest.mark.django_db
def test_a_new_resident_is_shown_the_notice_with_the_box_unticked(client, sms_outbox):
    ask_code(client, "13800139999")
    code = code_sent_to(sms_outbox, "13800139999")
    response = client.post(URL, {"step": "code", "phone": "13800139999", "code": code})
    html = response.content.decode()
    assert response.status_code == 200
    assert "注册前请阅读" in html and "手机号码" in html and 'href="/privacy/"' in html
    box = re.search(r'<input type="checkbox" name="agree"[^>]*>', html).group()
    assert "checked" not in box
    assert not User.objects.filter(kind=UserKind.RESIDENT).exists() and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_new_resident_who_does_not_consent_gets_no_account(client, sms_outbox):
    from core.audit import AuditEvent

    ask_code(client, "13800139999")
    code = code_sent_to(sms_outbox, "13800139999")
    client.post(URL, {"step": "code", "phone": "13800139999", "code": code})
    # Pressing "agree and register" without ticking the box: told so, still nothing made.
    response = client.post(URL, {"step": "consent", "phone": "13800139999", "code": code,
                                 "version": PRIVACY_NOTICE_VERSION})
    assert response.status_code == 400
    assert "如需注册，请勾选同意" in response.content.decode()
    # "Do not agree": back to the front door, nothing created, nothing audited.
    response = client.post(URL, {"step": "decline", "phone": "13800139999", "code": code})
    assert response.status_code == 302 and response.url == "/"
    assert "没有创建账号" in client.get("/").content.decode()
    assert not User.objects.filter(phone_index=blind_index("13800139999")).exists()
    assert not AuditEvent.objects.exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_new_resident_who_consents_is_recorded_with_the_version(client, sms_outbox):
    from core.audit import AuditEvent

    ask_code(client, "13800139999")
    code = code_sent_to(sms_outbox, "13800139999")
    client.post(URL, {"step": "code", "phone": "13800139999", "code": code})
    before = timezone.now()
    response = agree(client, "13800139999", code)
    assert response.status_code == 302 and "_auth_user_id" in client.session
    resident = User.objects.get(phone_index=blind_index("13800139999"))
    assert resident.privacy_consent_version == PRIVACY_NOTICE_VERSION
    assert before <= resident.privacy_consent_at <= timezone.now()
    assert AuditEvent.objects.get(verb="resident.consent").data == {"version": PRIVACY_NOTICE_VERSION}


@pytest.mark.django_db
def test_consent_cannot_be_posted_with_a_guessed_code(client, sms_outbox):
    ask_code(client, "13800139999")
    right = code_sent_to(sms_outbox, "13800139999")
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = agree(client, "13800139999", wrong)
    assert response.status_code == 302  # back to the phone step, with the reason
    assert "验证码不正确" in client.get(response.url).content.decode()
    assert not User.objects.filter(phone_index=blind_index("13800139999")).exists()


def test_the_privacy_notice_is_its_own_page_linked_from_sign_in_and_every_footer(client, cast):
    html = client.get("/privacy/").content.decode()
    for part in ["隐私告知", "我们收集什么", "为什么收集", "谁能看到", "保存多久", "您的权利", "联系我们", "12345",
                 PRIVACY_NOTICE_VERSION]:
        assert part in html, part
    assert 'href="/privacy/"' in client.get(URL).content.decode()
    client.force_login(cast.handler_a)
    assert '<a href="/privacy/">隐私告知</a>' in client.get("/").content.decode()


# --- "send a new code" within the wait --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_code_asked_too_soon_keeps_the_code_step_with_the_wait(client, sms_outbox, settings):
    settings.OTP_SEND_INTERVAL_SECONDS = 60
    html = ask_code(client, "13800139999").content.decode()
    assert re.search(r'data-countdown="(5[89]|60)"', html)  # the server states the wait; the script counts
    assert "秒后可重新发送" in html
    response = client.post(URL, {"step": "phone", "phone": "13800139999"})  # "重新发送验证码" pressed at once
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="code"' in html and 'value="code"' in html  # still the code step
    assert "验证码刚刚已发送" in html and "秒后可重新获取" in html
    assert len(sms_outbox) == 1
    wait = int(re.search(r'data-countdown="(\d+)"', html).group(1))
    assert 0 < wait <= 60
    assert 'src="/static/core/countdown.js"' in html


@pytest.mark.django_db
def test_a_new_code_may_be_asked_once_the_wait_is_over(client, sms_outbox, settings):
    settings.OTP_SEND_INTERVAL_SECONDS = 60
    ask_code(client, "13800139999")
    OneTimeCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    html = client.post(URL, {"step": "phone", "phone": "13800139999"}).content.decode()
    assert 'data-countdown="60"' in html and len(sms_outbox) == 2
    OneTimeCode.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    html = client.post(URL, {"step": "code", "phone": "13800139999", "code": "12ab"}).content.decode()
    assert 'data-countdown="0"' in html and ">重新发送验证码</button>" in html


# --- 关怀模式 (elder mode), remembered per device -------------------------------------------------------


@pytest.mark.django_db
def test_care_mode_is_switched_on_and_off_for_the_device(client):
    assert 'class="care"' not in client.get(URL).content.decode()
    response = client.post("/care-mode/", {"care": "on", "next": URL})
    assert response.status_code == 302 and response.url == URL
    cookie = response.cookies["minsheng_care"]
    assert cookie.value == "1" and int(cookie["max-age"]) >= 300 * 24 * 3600 and cookie["httponly"]
    for path in [URL, "/", "/privacy/", "/appeals/track/"]:
        html = client.get(path).content.decode()
        assert '<html lang="zh-hans" class="care">' in html, path
        assert 'aria-pressed="true"' in html
    response = client.post("/care-mode/", {"care": "off", "next": "https://evil.example.com/"})
    assert response.url == "/"
    assert 'class="care"' not in client.get(URL).content.decode()


def test_care_mode_is_offered_to_residents_not_to_staff(client, cast):
    client.cookies["minsheng_care"] = "1"
    client.force_login(cast.resident)
    assert 'class="care"' in client.get("/").content.decode()
    client.force_login(cast.handler_a)
    html = client.get("/").content.decode()
    assert 'class="care"' not in html and "/care-mode/" not in html


@pytest.mark.django_db
def test_care_mode_switch_needs_a_post(client):
    assert client.get("/care-mode/").status_code == 405
