"""accounts.sms: the log backend never writes a sign-in code (or a phone) in full, and with DEBUG off it
runs only when chosen explicitly (system check minsheng.E004); the demo backend shows the demo's SMS on
the sign-in page of a local run and never runs in production (minsheng.E003)."""

import logging
import re

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from accounts.services import otp_request
from accounts.sms import DemoBackend, LogBackend, SmsError, mask_codes
from core import checks
from core.errors import BadInput

pytestmark = pytest.mark.django_db


def test_the_log_backend_masks_the_code_and_the_phone(caplog):
    with caplog.at_level(logging.INFO, logger="minsheng.sms"):
        LogBackend().send("13800138000", "您的民生登录验证码是 482913，5 分钟内有效。查询码 A7K2M9QW3P")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "minsheng.sms"]
    assert "482913" not in line and "13800138000" not in line and "A7K2M9QW3P" not in line
    assert "48****" in line and "138****8000" in line and "A7********" in line and "5 分钟内有效" in line


def test_a_sign_in_code_sent_through_the_log_backend_is_never_in_the_log(settings, caplog):
    settings.SMS_BACKEND = "accounts.sms.LogBackend"
    with caplog.at_level(logging.INFO):
        otp_request(phone="13800138000")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "验证码" in text or "code" in text
    assert not re.search(r"\d{6}", text.replace("13800138000", ""))
    assert "13800138000" not in text


def test_mask_codes_leaves_words_and_small_numbers():
    assert mask_codes("valid for 5 minutes") == "valid for 5 minutes"
    assert mask_codes("code 123456.") == "code 12****."


@pytest.mark.parametrize(
    ("debug", "backend", "allowed", "expected"),
    [
        (False, "accounts.sms.LogBackend", False, ["minsheng.E004"]),
        (False, "accounts.sms.LogBackend", True, []),
        (False, "accounts.sms.DemoBackend", True, ["minsheng.E003"]),
        (False, "city.sms.GatewayBackend", False, []),
        (True, "accounts.sms.LogBackend", False, []),
        (True, "accounts.sms.DemoBackend", False, []),
    ],
)
def test_the_log_backend_must_be_chosen_in_production(settings, debug, backend, allowed, expected):
    settings.DEBUG, settings.SMS_BACKEND, settings.SMS_LOG_BACKEND_ALLOWED = debug, backend, allowed
    assert [message.id for message in checks.check_sms_log()] == expected


def test_every_command_stops_with_a_message_naming_the_setting(settings):
    settings.DEBUG, settings.SMS_BACKEND, settings.SMS_LOG_BACKEND_ALLOWED = False, "accounts.sms.LogBackend", False
    with pytest.raises(SystemCheckError, match="SMS_BACKEND=accounts.sms.LogBackend explicitly"):
        call_command("check")


def test_the_demo_backend_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(SmsError):
        DemoBackend().send("13800138000", "123456")
    settings.SMS_BACKEND = "accounts.sms.DemoBackend"
    with pytest.raises(BadInput):
        otp_request(phone="13800138000")


def test_a_local_run_shows_the_demo_sms_on_the_sign_in_page(settings, client):
    settings.DEBUG, settings.SMS_BACKEND = True, "accounts.sms.DemoBackend"
    response = client.post("/login/resident/", {"step": "phone", "phone": "13800138000"}, follow=True)
    html = response.content.decode()
    assert re.search(r"验证码是\s*\d{6}|code is \d{6}", html), html[-2000:]
    settings.DEBUG = False  # the same page in production shows nothing of the kind
    settings.SMS_BACKEND = "accounts.sms.MemoryBackend"
    response = client.post("/login/resident/", {"step": "phone", "phone": "13900139000"})
    assert not re.search(r"\d{6}", response.content.decode().replace("13900139000", ""))
