"""Writes for accounts: resident sign-in by one-time code, and staff accounts."""

import hashlib
import hmac
import math
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OneTimeCode, User, UserKind
from accounts.privacy import PRIVACY_NOTICE_VERSION
from accounts.sms import SmsError, sms_send
from core import ratelimit
from core.audit import audit_record
from core.crypto import blind_index
from core.errors import BadInput, NotAllowed, TooMany
from orgs.permissions import may_administer

MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_phone(raw: str) -> str:
    """Accept 138 0013 8000, +86 13800138000, full-width digits; return 11 digits or raise BadInput."""
    import unicodedata

    phone = unicodedata.normalize("NFKC", raw or "")
    phone = re.sub(r"[\s\-()]", "", phone)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("0086"):
        phone = phone[4:]
    if not MAINLAND_MOBILE.match(phone):
        raise BadInput(_("Enter an 11-digit mainland mobile number, such as 13800138000."))
    return phone


# A fixed line with its area code: 010 and 02x have three digits, every other area code four.
_LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))-?([2-9]\d{6,7})$")


def is_mobile(phone: str) -> bool:
    """Whether a normalised number can receive SMS (a mainland mobile, not a landline)."""
    return bool(MAINLAND_MOBILE.match(phone or ""))


def normalize_contact_phone(raw: str) -> str:
    """A number to call a resident back on: a mainland mobile (as ``normalize_phone``) or, for hotline
    callers and the elderly, a landline with its area code, written 0354-3021234. Raises BadInput."""
    import unicodedata

    try:
        return normalize_phone(raw)
    except BadInput:
        pass
    phone = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", raw or ""))
    if phone.startswith("+86"):
        phone = "0" + phone[3:].lstrip("0-")
    found = _LANDLINE.match(phone)
    if not found:
        raise BadInput(_("Enter a mainland mobile number, such as 13800138000, or a landline with its area "
                         "code, such as 0354-3021234."))
    return f"{found.group(1)}-{found.group(2)}"


def _code_hash(phone_index: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{phone_index}:{code}".encode(), hashlib.sha256).hexdigest()


class CodeSentRecently(BadInput):
    """A new code was asked for before the wait between two codes was over; ``wait`` seconds remain."""

    def __init__(self, message, *, wait: int):
        super().__init__(message)
        self.wait = wait


class ConsentRequired(BadInput):
    """The code is right but nobody has this phone yet: the resident must first agree to the privacy
    notice (accounts.privacy). The code is left unused, so the same code registers them once they agree."""


def otp_resend_wait(*, phone: str, now=None) -> int:
    """Seconds before another code may be sent to ``phone`` (0: now). A read, for the sign-in page's
    countdown; ``otp_request`` enforces the same wait."""
    now = now or timezone.now()
    last = (OneTimeCode.objects.filter(phone_index=blind_index(normalize_phone(phone)))
            .order_by("-created_at").values_list("created_at", flat=True).first())
    if last is None:
        return 0
    remaining = (last + timedelta(seconds=settings.OTP_SEND_INTERVAL_SECONDS) - now).total_seconds()
    return max(0, math.ceil(remaining))


# --- limits on sign-in codes (core.ratelimit: Redis when configured, the cache otherwise) -------------------
# Buckets are named by the phone's blind index, never by the number itself.

def _minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _refuse_if_locked(index: str) -> None:
    wait = ratelimit.locked_for(f"otp-lock:{index}")
    if wait:
        raise TooMany(_("This number is locked for %(minutes)s minutes after too many wrong codes. Wait, or call "
                        "the 12345 hotline for help.") % {"minutes": _minutes(wait)}, retry_after=wait)


def _limit_sends(index: str, address: str | None) -> None:
    """Codes sent per phone and per client address per hour, and per minute in all: 30 numbers from one
    address, or a flood across many, are stopped before any SMS is paid for."""
    wait = ratelimit.hit(f"otp-send:phone:{index}", limit=settings.OTP_SENDS_PER_PHONE, window=3600)
    if wait:
        raise TooMany(_("Too many codes were asked for this number. Try again in %(minutes)s minutes.")
                      % {"minutes": _minutes(wait)}, retry_after=wait)
    if address is None:
        return  # the platform's own code (the demo), not a visitor
    wait = ratelimit.hit(f"otp-send:ip:{address}", limit=settings.OTP_SENDS_PER_ADDRESS, window=3600)
    if wait:
        raise TooMany(_("Too many codes were asked from your network. Try again in %(minutes)s minutes.")
                      % {"minutes": _minutes(wait)}, retry_after=wait)
    wait = ratelimit.hit("otp-send:all", limit=settings.OTP_SENDS_PER_MINUTE, window=60)
    if wait:
        raise TooMany(_("The sign-in service is very busy. Try again in %(seconds)s seconds.") % {"seconds": wait},
                      retry_after=wait)


@transaction.atomic
def otp_request(*, phone: str, address: str | None = None) -> None:
    """Send a 6-digit code to ``phone``. At most one code per interval per phone, and within the limits
    per phone, per client ``address`` (the web's caller) and in all; never to a locked phone."""
    phone = normalize_phone(phone)
    index = blind_index(phone)
    now = timezone.now()
    _refuse_if_locked(index)
    wait = otp_resend_wait(phone=phone, now=now)
    if wait:
        raise CodeSentRecently(
            _("A code was sent moments ago. You can ask for a new one in %(seconds)s seconds.") % {"seconds": wait},
            wait=wait)
    _limit_sends(index, address)
    code = f"{secrets.randbelow(1_000_000):06d}"
    OneTimeCode.objects.create(
        phone_index=index,
        code_hash=_code_hash(index, code),
        expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS),
    )
    minutes = settings.OTP_TTL_SECONDS // 60
    try:
        sms_send(phone, _("Your Minsheng sign-in code is %(code)s, valid for %(minutes)s minutes.")
                 % {"code": code, "minutes": minutes})
    except SmsError as exc:
        raise BadInput(_("The code could not be sent: %(reason)s. Please try again later.") % {"reason": exc}) \
            from None


def otp_verify(*, phone: str, code: str, consent_version: str | None = None) -> User:
    """Check the code and return the resident, registering them on first sign-in. Registering needs the
    resident's consent to the current privacy notice (``consent_version``, the version they were shown):
    without it a new phone raises ConsentRequired and nothing is created; a returning resident is not
    asked again."""
    phone = normalize_phone(phone)
    index = blind_index(phone)
    _refuse_if_locked(index)
    wait = ratelimit.hit(f"otp-guess:{index}", limit=settings.OTP_GUESSES_PER_PHONE, window=3600)
    if wait:
        raise TooMany(_("Too many attempts for this number. Try again in %(minutes)s minutes.")
                      % {"minutes": _minutes(wait)}, retry_after=wait)
    # A wrong attempt must be counted even though the caller gets an error: the count is committed
    # before the error is raised, outside the transaction.
    user, error = _otp_check(phone, (code or "").strip(), consent_version)
    if error is ConsentRequired:
        raise ConsentRequired(_("To register, read the privacy notice and agree to it."))
    if error is WRONG_CODE:
        failures = ratelimit.count(f"otp-fail:{index}", window=3600)
        if failures >= settings.OTP_LOCK_AFTER_FAILURES:
            seconds = settings.OTP_LOCK_MINUTES * 60
            ratelimit.lock(f"otp-lock:{index}", seconds)
            audit_record(actor=None, verb="resident.locked", target=User.objects.filter(phone_index=index).first(),
                         data={"phone_index": index, "failures": failures, "minutes": settings.OTP_LOCK_MINUTES})
            raise TooMany(_("This number is locked for %(minutes)s minutes after too many wrong codes. Wait, or "
                            "call the 12345 hotline for help.") % {"minutes": settings.OTP_LOCK_MINUTES},
                          retry_after=seconds)
        raise BadInput(_("The code is not correct."))
    if error:
        raise BadInput(error)
    return user


WRONG_CODE = object()  # _otp_check's answer for a code that does not match (counted towards a lock)


@transaction.atomic
def _otp_check(phone: str, code: str, consent_version: str | None) -> tuple[User | None, object]:
    index = blind_index(phone)
    now = timezone.now()
    otp = (
        OneTimeCode.objects.select_for_update()
        .filter(phone_index=index, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if otp is None:
        return None, _("The code has expired or was never sent. Ask for a new one.")
    if otp.attempts >= settings.OTP_MAX_ATTEMPTS:
        return None, _("Too many wrong codes. Ask for a new one.")
    if not hmac.compare_digest(otp.code_hash, _code_hash(index, code)):
        otp.attempts += 1
        otp.save(update_fields=["attempts"])
        return None, WRONG_CODE
    user = User.objects.filter(phone_index=index).first()
    if user is None and consent_version != PRIVACY_NOTICE_VERSION:
        return None, ConsentRequired  # the code stays valid for the consent step
    otp.used_at = now
    otp.save(update_fields=["used_at"])
    if user is None:
        user = User(username=f"r-{secrets.token_hex(8)}", kind=UserKind.RESIDENT, phone=phone, phone_index=index,
                    privacy_consent_at=now, privacy_consent_version=consent_version)
        user.set_unusable_password()
        user.save()
        audit_record(actor=user, verb="resident.register", target=user)
        audit_record(actor=user, verb="resident.consent", target=user, data={"version": consent_version})
    elif not user.is_active:
        return None, _("This account has been disabled.")
    return user, ""


@transaction.atomic
def staff_save(*, actor, user: User, password: str | None = None, phone: str | None = None) -> User:
    """Create or update a staff account (memberships are granted through orgs.services)."""
    if not may_administer(actor):
        raise NotAllowed(_("Only administrators manage staff accounts."))
    if not re.match(r"^[\w.@+-]{3,150}$", user.username or ""):
        raise BadInput(_("The username must be 3–150 letters, digits or . @ + - _."))
    clash = User.objects.filter(username=user.username).exclude(pk=user.pk).exists()
    if clash:
        raise BadInput(_("The username “%(username)s” is taken.") % {"username": user.username})
    user.kind = UserKind.STAFF
    if phone is not None:
        user.phone = normalize_phone(phone) if phone else ""
        user.phone_index = blind_index(user.phone) if user.phone else None
        if user.phone_index and User.objects.filter(phone_index=user.phone_index).exclude(pk=user.pk).exists():
            raise BadInput(_("Another account already uses this phone number."))
    if password:
        user.password = make_password(password)
    elif not user.password:
        user.set_unusable_password()
    creating = user.pk is None
    user.save()
    audit_record(actor=actor, verb="staff.create" if creating else "staff.update", target=user)
    return user


