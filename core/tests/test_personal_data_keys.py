"""manage.py personal_data_keys prints lines an operator pastes into the environment file: keys that
start-up accepts, new each time, or the derived ones of a database built without keys."""

import io

import pytest
from django.core.management import call_command

from core.crypto import blind_index, decrypt, derived_key, encrypt
from minsheng.env import env_fernet_keys, env_secret_key


def run(*args) -> dict[str, str]:
    out = io.StringIO()
    call_command("personal_data_keys", *args, stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_new_keys_are_accepted_at_start_up_and_differ_each_time():
    first, second = run(), run()
    assert set(first) == {"FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"}
    assert env_fernet_keys("FIELD_ENCRYPTION_KEYS", required=True, environ=first) == [first["FIELD_ENCRYPTION_KEYS"]]
    assert env_secret_key("BLIND_INDEX_KEY", required=True, environ=first) == first["BLIND_INDEX_KEY"]
    assert first != second and first["FIELD_ENCRYPTION_KEYS"] != first["BLIND_INDEX_KEY"]


def test_derived_keys_read_what_a_run_without_keys_wrote(settings):
    settings.FIELD_ENCRYPTION_KEYS, settings.BLIND_INDEX_KEY = [], None
    token, index = encrypt("13800138000"), blind_index("13800138000")
    printed = run("--derived")
    assert printed == {"FIELD_ENCRYPTION_KEYS": derived_key("field-encryption"),
                       "BLIND_INDEX_KEY": derived_key("blind-index")}
    settings.FIELD_ENCRYPTION_KEYS = printed["FIELD_ENCRYPTION_KEYS"].split(",")
    settings.BLIND_INDEX_KEY = printed["BLIND_INDEX_KEY"]
    settings.SECRET_KEY = "rotated-" + "k" * 50
    assert decrypt(token) == "13800138000" and blind_index("13800138000") == index


def test_rotate_puts_a_new_encryption_key_first_and_keeps_the_index_key(settings):
    token = encrypt("李桂芳")
    printed = run("--rotate")
    keys = printed["FIELD_ENCRYPTION_KEYS"].split(",")
    assert keys[1:] == settings.FIELD_ENCRYPTION_KEYS and keys[0] not in settings.FIELD_ENCRYPTION_KEYS
    assert printed["BLIND_INDEX_KEY"] == settings.BLIND_INDEX_KEY
    settings.FIELD_ENCRYPTION_KEYS = keys
    assert decrypt(token) == "李桂芳"


def test_derived_and_rotate_do_not_go_together():
    with pytest.raises(Exception, match="not allowed with"):
        run("--derived", "--rotate")
