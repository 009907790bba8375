"""Personal data at rest: Fernet encryption (the cryptography package) and a keyed blind index
so that an encrypted phone number can still be looked up exactly.

Keys come from FIELD_ENCRYPTION_KEYS (comma-separated, newest first, so keys can be rotated) and
BLIND_INDEX_KEY, both required in production so that rotating SECRET_KEY loses nothing; with DEBUG on
and no keys set, both are derived from SECRET_KEY (a local demo database keeps working).
``manage.py personal_data_keys`` prints new keys, or the derived ones to carry a database over.
"""

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

KEY_SETTINGS = {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}


def derived_key(label: str) -> str:
    """The key a local run uses when none is configured, url-safe base64: "field-encryption" or
    "blind-index"."""
    digest = hashlib.sha256(f"minsheng:{label}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS or [derived_key("field-encryption")]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes each)"
        ) from None


@cache
def _blind_index_key() -> bytes:
    return base64.urlsafe_b64decode(settings.BLIND_INDEX_KEY or derived_key("blind-index"))


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting in KEY_SETTINGS:
        _fernet.cache_clear()
        _blind_index_key.cache_clear()


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("personal data cannot be decrypted with the configured keys") from None


def blind_index(value: str) -> str:
    return hmac.new(_blind_index_key(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the clear text."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


def mask_phone(phone: str | None) -> str:
    """138****1234: what staff pages and exports show by default."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_id_number(number: str | None) -> str:
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


# The mask for each kind of personal field, by how the field's name ends (the longest ending first).
MASKS = {"id_number": mask_id_number, "phone": mask_phone, "name": mask_name}


class Masked:
    """A read-only attribute showing one personal field of a row masked, as staff pages and exports show it by
    default: ``masked_phone = Masked("phone")``, ``masked_for_name = Masked("for_name")``. The mask is chosen by the
    attribute's name (…name, …id_number, …phone), so every app's ``masked_phone`` reads alike; an empty field
    shows as ""."""

    def __init__(self, field: str):
        self.field = field

    def __set_name__(self, owner, name):
        kind = next((kind for kind in MASKS if name.endswith(kind)), None)
        if not name.startswith("masked_") or kind is None:
            raise TypeError(f"{owner.__name__}.{name}: a Masked attribute is named masked_…name, …id_number "
                            f"or …phone")
        self.mask = MASKS[kind]

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return self.mask(getattr(instance, self.field))
