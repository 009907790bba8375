"""`manage.py check` and `check --deploy` name the variable an operator must change."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core import checks
from core.storage import s3_media_backend

FERNET_KEY = "RbmDs0wHHFfTwXeF06GKXfCZyOZ3a_fXJx4oXqJlHMs="
INDEX_KEY = "GQEzD4T1qogQWSdO_ifR6l72oXi3h1tOAZW8PN_bpL8="


@pytest.fixture
def production(settings, monkeypatch):
    """A deployment as it should be: nothing for the checks to say. (No test here touches the database, so
    its engine can be named PostgreSQL whatever the suite runs on.)"""
    settings.DEBUG = False
    settings.SECRET_KEY = "p" * 60
    settings.FIELD_ENCRYPTION_KEYS = [FERNET_KEY]
    settings.BLIND_INDEX_KEY = INDEX_KEY
    settings.ALLOWED_HOSTS = ["minsheng.jz.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "django.db.backends.postgresql")
    settings.SMS_BACKEND = "accounts.sms.MemoryBackend"  # stands in for a gateway; see the SMS test below
    return settings


def found(check) -> dict[str, str]:
    return {message.id: message.msg for message in check()}


def test_a_good_deployment_passes(production, monkeypatch):
    monkeypatch.setattr(checks, "NON_DELIVERING_SMS", set())
    assert found(checks.check_keys) == {} and found(checks.check_production) == {} and found(checks.check_backends) == {}


@pytest.mark.parametrize(("change", "check_id", "variable"), [
    ({"SECRET_KEY": "insecure-local-development-key-do-not-use-in-production"}, "minsheng.E010", "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "minsheng.E011", "SECRET_KEY"),
    ({"FIELD_ENCRYPTION_KEYS": []}, "minsheng.E012", "FIELD_ENCRYPTION_KEYS"),
    ({"FIELD_ENCRYPTION_KEYS": [FERNET_KEY, "c2hvcnQ="]}, "minsheng.E013", "FIELD_ENCRYPTION_KEYS"),
    ({"BLIND_INDEX_KEY": None}, "minsheng.E014", "BLIND_INDEX_KEY"),
    ({"BLIND_INDEX_KEY": "c2hvcnQ="}, "minsheng.E015", "BLIND_INDEX_KEY"),
    ({"BLIND_INDEX_KEY": FERNET_KEY}, "minsheng.W016", "BLIND_INDEX_KEY"),
])
def test_missing_short_or_shared_keys_are_reported(production, change, check_id, variable):
    for name, value in change.items():
        setattr(production, name, value)
    messages = found(checks.check_keys)
    assert list(messages) == [check_id] and variable in messages[check_id]


@pytest.mark.parametrize(("change", "check_id", "variable"), [
    ({"DEBUG": True}, "minsheng.E020", "DEBUG"),
    ({"SECURE_SSL_REDIRECT": False}, "minsheng.W021", "SECURE_SSL"),
    ({"ENGINE": "django.db.backends.sqlite3"}, "minsheng.W022", "DATABASE_URL"),
    ({"SMS_BACKEND": "accounts.sms.LogBackend"}, "minsheng.W023", "SMS_BACKEND"),
    ({"STORAGES": {"default": s3_media_backend(bucket="m", endpoint_url="http://minio.intranet:9000")}},
     "minsheng.W031", "MEDIA_S3_ENDPOINT_URL"),
])
def test_what_a_local_run_may_do_is_reported_for_production(production, change, check_id, variable):
    for name, value in change.items():
        if name == "ENGINE":
            production.DATABASES["default"]["ENGINE"] = value  # put back by the fixture's monkeypatch
        else:
            setattr(production, name, value)
    messages = found(checks.check_production)
    assert check_id in messages and variable in messages[check_id]


def test_debug_on_a_local_machine_is_not_an_error(production):
    production.DEBUG = True
    production.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
    assert "minsheng.E020" not in found(checks.check_production)


def test_backends_that_cannot_be_imported_stop_every_command(settings):
    settings.SMS_BACKEND = "accounts.sms.NoSuchGateway"
    settings.APPEAL_NOTIFICATION_BACKENDS = ["appeals.notifications.LogBackend", "nowhere.Backend"]
    messages = found(checks.check_backends)
    assert set(messages) == {"minsheng.E001", "minsheng.E002"}
    assert "SMS_BACKEND" in messages["minsheng.E001"] and "nowhere.Backend" in messages["minsheng.E002"]
    with pytest.raises(SystemCheckError, match="SMS_BACKEND"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())


def test_check_deploy_names_the_variables(production):
    production.FIELD_ENCRYPTION_KEYS = []
    production.SECURE_SSL_REDIRECT = False
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True, stdout=io.StringIO(), stderr=io.StringIO())
    report = str(raised.value)
    assert "FIELD_ENCRYPTION_KEYS is not set" in report and "SECURE_SSL is off" in report
    assert "manage.py personal_data_keys" in report


def test_the_test_settings_pass_the_ordinary_checks():
    call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
