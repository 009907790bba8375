"""manage.py personal_data_rekey after a key rotation: every encrypted value ends under the newest key
(so the old key can be dropped), every blind index is recomputed (so a changed BLIND_INDEX_KEY finds
residents again), a second run changes nothing, and a dry run changes nothing at all."""

import base64
import io
import secrets

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from appeals.selectors import appeals_visible_to
from conftest import new_appeal
from core.crypto import blind_index, derived_key

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
INDEX_OLD, INDEX_NEW = (base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() for _ in range(2))


def rekey(*args) -> str:
    out = io.StringIO()
    call_command("personal_data_rekey", *args, stdout=out)
    return out.getvalue()


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 (names are ours)
        return cursor.fetchone()[0]


def test_rotation_then_rekey_moves_everything_to_the_new_keys(settings, cast):
    # The cast was written under the test settings' keys: they stay in the list as an older key too.
    first = list(settings.FIELD_ENCRYPTION_KEYS or [derived_key("field-encryption")])
    settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY = [OLD, *first], INDEX_OLD
    resident = User.objects.create_user(username="r-wang", kind="resident", phone="13912345678")
    appeal = new_appeal(cast, contact_name="王芳", contact_phone="13700001111")
    assert Fernet(OLD).decrypt(raw("accounts_user", "phone", resident.pk).encode())

    # The rotation: a new encryption key first, and a new index key. Old values still read …
    settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY = [NEW, OLD, *first], INDEX_NEW
    assert User.objects.get(pk=resident.pk).phone == "13912345678"
    # … but look-ups by phone miss until the indexes are recomputed.
    assert not User.objects.filter(phone_index=blind_index("13912345678")).exists()

    assert "would change" in rekey("--dry-run")
    assert not User.objects.filter(phone_index=blind_index("13912345678")).exists()
    assert Fernet(OLD).decrypt(raw("accounts_user", "phone", resident.pk).encode())

    out = rekey()
    assert "accounts.User" in out and "appeals.Appeal" in out
    assert User.objects.get(phone_index=blind_index("13912345678")) == resident
    staff = appeals_visible_to(cast.root)
    assert staff.filter(contact_phone_index=blind_index("13700001111")).get().pk == appeal.pk

    # The old key can now be dropped: everything reads under the new key alone.
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    assert User.objects.get(pk=resident.pk).phone == "13912345678"
    assert type(appeal).objects.get(pk=appeal.pk).contact_phone == "13700001111"
    assert Fernet(NEW).decrypt(raw("appeals_appeal", "contact_phone", appeal.pk).encode()) == b"13700001111"

    # Run again: nothing left to change, and the values are not rewritten.
    before = raw("accounts_user", "phone", resident.pk)
    assert "changed: 0 values and 0 indexes" in rekey()
    assert raw("accounts_user", "phone", resident.pk) == before
