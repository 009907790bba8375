"""Pluggable SMS delivery. SMS_BACKEND names a class with ``send(phone, message)``; a city plugs
in its gateway's class.

``LogBackend`` delivers nothing: it writes that a message was sent, with the phone masked and every code
in it (a sign-in code, a tracking code) cut to its first two characters, so that whoever reads the log
cannot sign in as a resident or open their demand. In production (DEBUG off) it must be chosen
explicitly (SMS_BACKEND=accounts.sms.LogBackend in the environment), or the system check stops every
command (core.checks).
``DemoBackend``, the default of a local run (DEBUG on), also keeps the last message per phone for a few
minutes so that the sign-in page can show it to whoever is trying the demo; it refuses to run with
DEBUG off."""

import logging
import re

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

from core.crypto import blind_index, mask_phone

logger = logging.getLogger("minsheng.sms")

LOG_BACKEND = "accounts.sms.LogBackend"
DEMO_BACKEND = "accounts.sms.DemoBackend"
# A run of letters and digits holding a digit: a sign-in code (123456) or a tracking code (A7K2M9QW3P).
_CODE = re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Za-z]*\d)([0-9A-Za-z]{2})([0-9A-Za-z]{2,})(?![0-9A-Za-z])")


class SmsError(Exception):
    pass


def mask_codes(message: str) -> str:
    """``message`` with every code cut to its first two characters: “您的验证码是12****”."""
    return _CODE.sub(lambda m: m.group(1) + "*" * len(m.group(2)), message)


class LogBackend:
    def send(self, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), mask_codes(message))


class DemoBackend(LogBackend):
    """A local run's SMS: logged masked, and kept for the sign-in page (``demo_message``)."""

    def send(self, phone: str, message: str) -> None:
        if not settings.DEBUG:
            raise SmsError("accounts.sms.DemoBackend is for local runs only (DEBUG on)")
        super().send(phone, message)
        cache.set(_demo_key(phone), message, timeout=settings.OTP_TTL_SECONDS)


def _demo_key(phone: str) -> str:
    return f"sms-demo:{blind_index(phone)}"


def demo_message(phone: str) -> str:
    """The last message sent to ``phone`` on a local run with DemoBackend; "" anywhere else."""
    if not (settings.DEBUG and settings.SMS_BACKEND == DEMO_BACKEND and phone):
        return ""
    return cache.get(_demo_key(phone)) or ""


class MemoryBackend:
    """Keeps messages in ``outbox`` (tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        MemoryBackend.outbox.append((phone, message))


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def sms_send(phone: str, message: str) -> None:
    get_backend().send(phone, message)
