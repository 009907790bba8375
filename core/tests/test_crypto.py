"""Personal data at rest: with its own keys it survives a SECRET_KEY rotation; without them (a local run)
the keys are derived from SECRET_KEY exactly as before, so an existing demo database stays readable."""

import base64
import hashlib
import hmac

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from core.crypto import blind_index, decrypt, derived_key, encrypt, mask_id_number, mask_name, mask_phone

PHONE = "13800138000"  # the cast's resident
NEW_SECRET = "a-rotated-secret-key-of-more-than-fifty-characters-0123456789"


def stored_phone(user) -> str:
    """The column as it is in the database: ciphertext, never the number."""
    table = user._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {table} WHERE id = %s", [user.pk])  # noqa: S608 - our own table name
        return cursor.fetchone()[0]


def test_the_phone_is_stored_encrypted(cast):
    assert PHONE not in stored_phone(cast.resident)
    assert decrypt(stored_phone(cast.resident)) == PHONE


def test_rotating_secret_key_keeps_personal_data_readable_and_findable(cast, settings):
    ciphertext = stored_phone(cast.resident)
    settings.SECRET_KEY = NEW_SECRET

    found = get_user_model().objects.get(phone_index=blind_index(PHONE))
    assert found == cast.resident and found.phone == PHONE
    assert decrypt(ciphertext) == PHONE


def test_a_new_encryption_key_first_still_reads_what_the_old_one_wrote(settings):
    old_token = encrypt("李桂芳")
    settings.FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(b"n" * 32).decode(), *settings.FIELD_ENCRYPTION_KEYS]
    assert decrypt(old_token) == "李桂芳"
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[1:]
    assert decrypt(old_token) == "李桂芳"


def test_without_keys_a_local_run_derives_them_from_secret_key_as_it_always_did(settings):
    settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY = [], None
    digest = hashlib.sha256(f"minsheng:blind-index:{settings.SECRET_KEY}".encode()).digest()
    assert blind_index(PHONE) == hmac.new(digest, PHONE.encode(), hashlib.sha256).hexdigest()
    assert derived_key("blind-index") == base64.urlsafe_b64encode(digest).decode()
    token = encrypt(PHONE)
    # … which is why production needs its own keys: a new SECRET_KEY loses both.
    before = blind_index(PHONE)
    settings.SECRET_KEY = NEW_SECRET
    assert blind_index(PHONE) != before
    with pytest.raises(Exception, match="cannot be decrypted"):
        decrypt(token)


def test_the_derived_keys_as_settings_read_a_database_built_without_keys(settings):
    settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY = [], None
    token, index = encrypt(PHONE), blind_index(PHONE)
    settings.FIELD_ENCRYPTION_KEYS = [derived_key("field-encryption")]
    settings.BLIND_INDEX_KEY = derived_key("blind-index")
    settings.SECRET_KEY = NEW_SECRET
    assert decrypt(token) == PHONE and blind_index(PHONE) == index


def test_masks_keep_what_staff_need_and_hide_the_rest():
    assert mask_phone(PHONE) == "138****8000"
    assert mask_id_number("142701199001011234") == "1427**********1234"
    assert mask_name("欧阳锋") == "欧**"
