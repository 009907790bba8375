"""Pluggable SMS delivery. SMS_BACKEND names a class with ``send(phone, message)``; a city plugs
in its gateway's class. The default writes the message to the log (for development and intranets
without a gateway yet)."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("minsheng.sms")


class SmsError(Exception):
    pass


class LogBackend:
    def send(self, phone: str, message: str) -> None:
        logger.info("SMS to %s: %s", phone, message)


class MemoryBackend:
    """Keeps messages in ``outbox`` (tests)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        MemoryBackend.outbox.append((phone, message))


def get_backend():
    return import_string(settings.SMS_BACKEND)()


def sms_send(phone: str, message: str) -> None:
    get_backend().send(phone, message)
