"""Limits on resident sign-in (accounts.services over core.ratelimit): codes sent per phone, per client
address and in all per window; guesses per phone; a phone locked for a while after repeated wrong codes,
with a clear message; and the public tracking page limited per address."""

import re
import time
from unittest import mock

import pytest

from accounts.models import OneTimeCode
from accounts.privacy import PRIVACY_NOTICE_VERSION
from accounts.services import otp_request, otp_verify
from core.errors import BadInput, TooMany
from core.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("within_one_window")]

PHONE = "13800138000"


@pytest.fixture
def limits(settings):
    settings.OTP_SENDS_PER_PHONE = 3
    settings.OTP_SENDS_PER_ADDRESS = 4
    settings.OTP_SENDS_PER_MINUTE = 6
    settings.OTP_GUESSES_PER_PHONE = 4
    settings.OTP_LOCK_AFTER_FAILURES = 3
    settings.OTP_LOCK_MINUTES = 30
    return settings


def last_code(outbox) -> str:
    return re.search(r"\d{6}", outbox[-1][1]).group()


def test_codes_per_phone(limits, sms_outbox, english):
    for _ in range(3):
        otp_request(phone=PHONE)
    with pytest.raises(TooMany, match="this number") as refused:
        otp_request(phone=PHONE)
    assert refused.value.retry_after > 0 and "minutes" in str(refused.value.message)
    assert OneTimeCode.objects.count() == 3 and len(sms_outbox) == 3


def test_codes_per_address(limits, sms_outbox, english):
    for n in range(4):
        otp_request(phone=f"1390000000{n}", address="10.0.0.7")
    with pytest.raises(TooMany, match="your network"):
        otp_request(phone="13900000009", address="10.0.0.7")
    otp_request(phone="13900000009", address="10.0.0.8")  # another address still may
    assert len(sms_outbox) == 5


def test_codes_in_all_per_minute(limits, sms_outbox, english):
    for n in range(6):
        otp_request(phone=f"1370000000{n}", address=f"10.0.1.{n}")
    with pytest.raises(TooMany, match="very busy"):
        otp_request(phone="13700000009", address="10.0.1.9")
    assert len(sms_outbox) == 6


def test_guesses_per_phone_even_with_new_codes(limits, sms_outbox, settings, english):
    settings.OTP_LOCK_AFTER_FAILURES = 100  # this test is about guesses, not the lock
    otp_request(phone=PHONE)
    for _ in range(4):
        with pytest.raises(BadInput, match="not correct"):
            otp_verify(phone=PHONE, code="000000")
    otp_request(phone=PHONE)
    with pytest.raises(TooMany, match="Too many attempts"):
        otp_verify(phone=PHONE, code=last_code(sms_outbox))  # even the right one, until the hour is over


def test_repeated_wrong_codes_lock_the_phone(limits, sms_outbox, english):
    otp_request(phone=PHONE)
    code = last_code(sms_outbox)
    for _ in range(2):
        with pytest.raises(BadInput, match="not correct"):
            otp_verify(phone=PHONE, code="000000")
    with pytest.raises(TooMany, match="locked for 30 minutes") as locked:
        otp_verify(phone=PHONE, code="111111")
    assert locked.value.retry_after == 1800
    with pytest.raises(TooMany, match="locked"):
        otp_verify(phone=PHONE, code=code)  # the right code no longer helps
    with pytest.raises(TooMany, match="locked"):
        otp_request(phone=PHONE)  # nor does a new one
    event = AuditEvent.objects.get(verb="resident.locked")
    assert event.data["failures"] == 3 and PHONE not in str(event.data)
    # Half an hour later the phone signs in again.
    with mock.patch("core.ratelimit.time.time", return_value=time.time() + 1801):
        user = otp_verify(phone=PHONE, code=code, consent_version=PRIVACY_NOTICE_VERSION)
    assert user.phone == PHONE


def test_the_sign_in_page_says_the_phone_is_locked(limits, sms_outbox, client):
    client.post("/login/resident/", {"step": "phone", "phone": PHONE})
    for _ in range(3):
        response = client.post("/login/resident/", {"step": "code", "phone": PHONE, "code": "000000"})
    html = response.content.decode()
    # The friendly page with the message on the code field, answered as 429 with when to come back.
    assert response.status_code == 429 and "30" in html and "锁定" in html and 'name="code"' in html
    assert int(response["Retry-After"]) == 1800
    response = client.post("/login/resident/", {"step": "phone", "phone": PHONE})
    assert response.status_code == 429 and "锁定" in response.content.decode() and len(sms_outbox) == 1


def test_the_sign_in_page_counts_codes_per_address(limits, sms_outbox, client):
    for n in range(4):
        client.post("/login/resident/", {"step": "phone", "phone": f"1390000000{n}"}, REMOTE_ADDR="10.9.9.9")
    response = client.post("/login/resident/", {"step": "phone", "phone": "13900000008"}, REMOTE_ADDR="10.9.9.9")
    html = response.content.decode()
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "网络" in html and 'name="phone"' in html and "13900000008" in html and len(sms_outbox) == 4


def test_a_wrong_code_is_not_a_limit(limits, sms_outbox, client):
    client.post("/login/resident/", {"step": "phone", "phone": PHONE})
    response = client.post("/login/resident/", {"step": "code", "phone": PHONE, "code": "000000"})
    assert response.status_code == 200 and "Retry-After" not in response


def test_the_tracking_page_is_limited_per_address(settings, client):
    settings.TRACK_RATE_LIMIT_PER_IP = 3
    for _ in range(3):
        assert client.get("/appeals/track/?code=ABCDE12345", REMOTE_ADDR="10.2.2.2").status_code == 404
    response = client.get("/appeals/track/XYZAB12345/", REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many look-ups" in response.content.decode() or "查询" in response.content.decode()
    assert client.get("/appeals/track/?code=ABCDE12345", REMOTE_ADDR="10.2.2.3").status_code == 404
