"""Residents sign in with their phone and a one-time code sent by SMS (the memory backend here)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import OneTimeCode, User, UserKind
from core.crypto import blind_index

URL = "/login/resident/"
pytestmark = pytest.mark.django_db


def ask_code(client, phone):
    return client.post(URL, {"step": "phone", "phone": phone})


def code_sent_to(outbox, phone):
    sent = [message for to, message in outbox if to == phone]
    assert sent, f"no SMS to {phone}"
    return re.search(r"\b(\d{6})\b", sent[-1]).group(1)


def test_new_phone_registers_a_resident_and_signs_in(client, sms_outbox):
    response = ask_code(client, "138 0013 9999")
    html = response.content.decode()
    assert response.status_code == 200
    assert "验证码已发送至 138****9999" in html
    assert 'name="code"' in html
    code = code_sent_to(sms_outbox, "13800139999")
    assert "民生" in sms_outbox[-1][1]

    response = client.post(URL, {"step": "code", "phone": "13800139999", "code": code})
    assert response.status_code == 302 and response.url == "/"
    resident = User.objects.get(phone_index=blind_index("13800139999"))
    assert resident.kind == UserKind.RESIDENT
    assert not resident.has_usable_password()
    html = client.get("/").content.decode()
    assert "欢迎您，138****9999" in html
    assert "13800139999" not in html


def test_a_returning_resident_gets_the_same_account(client, sms_outbox):
    for _round in range(2):
        ask_code(client, "13900001111")
        client.post(URL, {"step": "code", "phone": "13900001111", "code": code_sent_to(sms_outbox, "13900001111")})
        client.post("/logout/")
    assert User.objects.filter(phone_index=blind_index("13900001111")).count() == 1


def test_wrong_phone_format_is_explained_and_kept(client, sms_outbox):
    response = ask_code(client, "12345")
    html = response.content.decode()
    assert response.status_code == 200
    assert "请输入11位中国大陆手机号码" in html
    assert 'value="12345"' in html
    assert sms_outbox == []


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
    assert client.post(URL, {"step": "code", "phone": "13800139999", "code": right}).status_code == 302


def test_code_of_the_wrong_shape_is_refused_before_checking(client, sms_outbox):
    ask_code(client, "13800139999")
    html = client.post(URL, {"step": "code", "phone": "13800139999", "code": "12ab"}).content.decode()
    assert "验证码为6位数字" in html


def test_code_never_sent_is_explained(client, sms_outbox):
    html = client.post(URL, {"step": "code", "phone": "13700000000", "code": "123456"}).content.decode()
    assert "验证码已过期或未发送" in html
    assert not User.objects.filter(phone_index=blind_index("13700000000")).exists()


def test_expired_code_is_explained(client, sms_outbox):
    ask_code(client, "13800139999")
    code = code_sent_to(sms_outbox, "13800139999")
    OneTimeCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    html = client.post(URL, {"step": "code", "phone": "13800139999", "code": code}).content.decode()
    assert "验证码已过期或未发送" in html
    assert "_auth_user_id" not in client.session


def test_messages_follow_the_language(client, sms_outbox):
    client.post("/i18n/setlang/", {"language": "en", "next": URL})
    html = ask_code(client, "12345").content.decode()
    assert "Enter an 11-digit mainland mobile number" in html
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": URL})
    html = ask_code(client, "12345").content.decode()
    assert "請輸入11位中國大陸手機號碼" in html


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


def test_sign_in_returns_to_the_page_that_asked_for_it(client, db):
    import re

    from accounts.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    url = "/login/resident/?next=/appeals/new/"
    client.post(url, {"phone": "13700137000"})
    code = re.search(r"\d{6}", MemoryBackend.outbox[-1][1]).group()
    response = client.post(url, {"step": "code", "phone": "13700137000", "code": code})
    assert response.status_code == 302 and response["Location"] == "/appeals/new/"


def test_sign_in_never_redirects_off_site(client, db):
    import re

    from accounts.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    url = "/login/resident/?next=https://evil.example.com/"
    client.post(url, {"phone": "13700137001"})
    code = re.search(r"\d{6}", MemoryBackend.outbox[-1][1]).group()
    response = client.post(url, {"step": "code", "phone": "13700137001", "code": code})
    assert response["Location"] == "/"
