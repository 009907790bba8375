"""Resident sign-in by one-time code, and personal data at rest."""

import re

import pytest
import time_machine
from django.db import connection
from django.utils import translation

from accounts.models import OneTimeCode, User, UserKind
from accounts.privacy import PRIVACY_NOTICE_VERSION
from accounts.services import (
    CodeSentRecently,
    ConsentRequired,
    is_mobile,
    normalize_contact_phone,
    normalize_phone,
    otp_request,
    otp_resend_wait,
    otp_verify,
)
from accounts.sms import MemoryBackend
from core.audit import AuditEvent
from core.errors import BadInput

AGREED = PRIVACY_NOTICE_VERSION


@pytest.fixture(autouse=True)
def outbox():
    MemoryBackend.outbox.clear()
    return MemoryBackend.outbox


def sent_code(outbox):
    return re.search(r"\d{6}", outbox[-1][1]).group()


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "１３８００１３８０００"])
def test_phone_numbers_are_accepted_as_people_type_them(raw):
    assert normalize_phone(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["", "12345", "23800138000", "1380013800x"])
def test_bad_phone_numbers_are_refused(raw, english):
    with pytest.raises(BadInput, match="11-digit mainland mobile"):
        normalize_phone(raw)


def test_first_sign_in_registers_a_resident(db, outbox, settings):
    settings.OTP_SEND_INTERVAL_SECONDS = 0
    otp_request(phone="13900139000")
    assert outbox[-1][0] == "13900139000"
    user = otp_verify(phone="13900139000", code=sent_code(outbox), consent_version=AGREED)
    assert user.kind == UserKind.RESIDENT and user.phone == "13900139000"
    again_code = (otp_request(phone="139 0013 9000"), sent_code(outbox))[1]
    assert otp_verify(phone="13900139000", code=again_code) == user  # a returning resident is not asked again
    assert User.objects.filter(kind=UserKind.RESIDENT).count() == 1


def test_a_new_phone_without_consent_creates_nothing_and_keeps_the_code(db, outbox, english):
    otp_request(phone="13900139000")
    code = sent_code(outbox)
    for version in (None, "2020-01-01"):  # not asked, or agreed to a notice that is no longer current
        with pytest.raises(ConsentRequired, match="privacy notice"):
            otp_verify(phone="13900139000", code=code, consent_version=version)
    assert not User.objects.exists() and not AuditEvent.objects.exists()
    otp = OneTimeCode.objects.get()
    assert otp.used_at is None and otp.attempts == 0
    # … so the same code registers the resident once they agree.
    user = otp_verify(phone="13900139000", code=code, consent_version=AGREED)
    assert user.privacy_consent_version == AGREED and user.privacy_consent_at is not None
    consent = AuditEvent.objects.get(verb="resident.consent")
    assert consent.actor == user and consent.data == {"version": AGREED}
    assert AuditEvent.objects.filter(verb="resident.register", actor=user).exists()


def test_a_wrong_code_is_refused_before_consent_is_asked(db, outbox, english):
    otp_request(phone="13900139000")
    wrong = "000000" if sent_code(outbox) != "000000" else "111111"
    with pytest.raises(BadInput, match="not correct") as refused:
        otp_verify(phone="13900139000", code=wrong)
    assert not isinstance(refused.value, ConsentRequired)


def test_an_account_made_outside_the_sign_in_is_found_by_its_phone(db, outbox):
    # e.g. made in the shell or by createsuperuser: signing in with its phone must reach it, not a new one
    made = User.objects.create_user(username="r-made", kind=UserKind.RESIDENT, phone="13700137000")
    otp_request(phone="13700137000")
    assert otp_verify(phone="13700137000", code=sent_code(outbox)) == made
    made.phone = "13600136000"
    made.save(update_fields=["phone"])
    otp_request(phone="13600136000")
    assert otp_verify(phone="13600136000", code=sent_code(outbox)) == made
    assert User.objects.filter(kind=UserKind.RESIDENT).count() == 1


def test_wrong_code_counts_attempts_then_locks_the_code(db, outbox, settings, english):
    settings.OTP_MAX_ATTEMPTS = 2
    otp_request(phone="13900139000")
    code = sent_code(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        with pytest.raises(BadInput, match="not correct"):
            otp_verify(phone="13900139000", code=wrong)
    with pytest.raises(BadInput, match="Too many wrong codes"):
        otp_verify(phone="13900139000", code=code)


def test_code_expires_and_is_single_use(db, outbox, english):
    with time_machine.travel("2026-11-23 10:00 +0800", tick=False) as traveller:
        otp_request(phone="13900139000")
        code = sent_code(outbox)
        traveller.shift(301)
        with pytest.raises(BadInput, match="expired"):
            otp_verify(phone="13900139000", code=code)
        otp_request(phone="13900139000")
        code = sent_code(outbox)
        otp_verify(phone="13900139000", code=code, consent_version=AGREED)
        with pytest.raises(BadInput, match="expired"):
            otp_verify(phone="13900139000", code=code)


def test_codes_cannot_be_requested_in_a_burst(db, settings, english):
    settings.OTP_SEND_INTERVAL_SECONDS = 60
    with time_machine.travel("2026-11-23 10:00 +0800", tick=False) as traveller:
        assert otp_resend_wait(phone="13900139000") == 0
        otp_request(phone="13900139000")
        traveller.shift(15.5)
        assert otp_resend_wait(phone="13900139000") == 45
        with pytest.raises(CodeSentRecently, match="in 45 seconds") as refused:
            otp_request(phone="13900139000")
        assert refused.value.wait == 45
        traveller.shift(45)
        assert otp_resend_wait(phone="13900139000") == 0
        otp_request(phone="13900139000")
    assert OneTimeCode.objects.count() == 2


def test_phone_is_encrypted_at_rest(db, outbox):
    otp_request(phone="13900139000")
    user = otp_verify(phone="13900139000", code=sent_code(outbox), consent_version=AGREED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE id = %s", [user.pk])
        stored_phone, index = cursor.fetchone()
    assert "13900139000" not in stored_phone and "13900139000" not in index
    assert User.objects.get(pk=user.pk).masked_phone == "139****9000"


@pytest.mark.parametrize(("raw", "expected"), [
    ("0354-3021234", "0354-3021234"), ("0354 302 1234", "0354-3021234"), ("03543021234", "0354-3021234"),
    ("（0354）3021234", "0354-3021234"), ("010-62345678", "010-62345678"), ("02082345678", "020-82345678"),
    ("+86 354 3021234", "0354-3021234"), ("138 0013 8000", "13800138000"), ("０３５４－３０２１２３４", "0354-3021234"),
])
def test_a_contact_number_may_be_a_mobile_or_a_landline_with_its_area_code(raw, expected):

    assert normalize_contact_phone(raw) == expected
    assert is_mobile(expected) == expected.startswith("1")


@pytest.mark.parametrize("raw", ["3021234", "0354-1234", "12345678901", "0354-30212345678", "电话"])
def test_a_number_that_is_neither_is_refused_saying_what_is_accepted(raw):

    with translation.override("en"), pytest.raises(BadInput, match="or a landline with its area code"):
        normalize_contact_phone(raw)
