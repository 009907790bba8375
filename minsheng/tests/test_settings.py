"""A wrong setting stops start-up with a message naming the variable."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from minsheng.env import env_bool, env_database, env_int, env_list, env_redis_url, env_time_window, env_timezone

ROOT = Path(__file__).resolve().parents[2]
FERNET_KEY = "RbmDs0wHHFfTwXeF06GKXfCZyOZ3a_fXJx4oXqJlHMs="
INDEX_KEY = "GQEzD4T1qogQWSdO_ifR6l72oXi3h1tOAZW8PN_bpL8="
GOOD = {"SECRET_KEY": "x" * 40, "ALLOWED_HOSTS": "minsheng.example.gov.cn", "DEBUG": "0",
        "FIELD_ENCRYPTION_KEYS": FERNET_KEY, "BLIND_INDEX_KEY": INDEX_KEY}
SET_BY_TESTS = {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "TIME_ZONE",
                "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "TASK_BACKEND", "TASK_REDIS_URL"}


def start(**env):
    """Import the settings in a fresh interpreter, as `manage.py` or gunicorn would."""
    clean = {k: v for k, v in os.environ.items() if k not in SET_BY_TESTS}
    clean.update({"MINSHENG_VAR_DIR": "/tmp/minsheng-settings-test"} | {k: v for k, v in env.items() if v is not None})
    return subprocess.run([sys.executable, "-c", "import minsheng.settings"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=60)


def test_good_environment_starts():
    assert start(**GOOD).returncode == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32"),
        ({"DEBUG": "maybe"}, "DEBUG must be one of"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"ALLOWED_HOSTS": "a.gov.cn,,b.gov.cn"}, "ALLOWED_HOSTS must be a comma-separated list"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL must point at PostgreSQL"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must start with redis://"),
        ({"TIME_ZONE": "Asia/Beijing"}, "TIME_ZONE must be an IANA time zone"),
        ({"WORKING_HOURS": "9-5"}, "WORKING_HOURS must look like 08:30-17:30"),
        ({"LOGIN_FAILURE_LIMIT": "0"}, "LOGIN_FAILURE_LIMIT must be at least 1"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off"),
        ({"FIELD_ENCRYPTION_KEYS": "not-a-key"}, "FIELD_ENCRYPTION_KEYS must"),
        ({"FIELD_ENCRYPTION_KEYS": INDEX_KEY[:20]}, "FIELD_ENCRYPTION_KEYS must"),
        ({"BLIND_INDEX_KEY": None}, "BLIND_INDEX_KEY must be set when DEBUG is off"),
        ({"BLIND_INDEX_KEY": "c2hvcnQ="}, "BLIND_INDEX_KEY must hold at least 32 bytes"),
        ({"DISPATCH_ROUTE_SECONDS": "soon"}, "DISPATCH_ROUTE_SECONDS must be a number"),
        ({"APPEAL_NOTIFICATION_MAX_ATTEMPTS": "0"}, "APPEAL_NOTIFICATION_MAX_ATTEMPTS must be at least 1"),
        ({"APPEAL_NOTIFICATION_BACKENDS": "a,,b"}, "APPEAL_NOTIFICATION_BACKENDS must be a comma-separated list"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO"),
        ({"SESSION_HOURS": "0"}, "SESSION_HOURS must be at least 1"),
        ({"OTP_TTL_SECONDS": "10"}, "OTP_TTL_SECONDS must be at least 60"),
        ({"TASK_BACKEND": "celery"}, "TASK_BACKEND must be one of database, rq"),
        ({"TASK_BACKEND": "rq"}, "TASK_BACKEND=rq queues tasks in Redis: set REDIS_URL"),
        ({"TASK_BACKEND": "rq", "REDIS_URL": "redis://127.0.0.1:6379/1", "TASK_TIMEOUT_SECONDS": "5"},
         "TASK_TIMEOUT_SECONDS must be at least 60"),
        ({"MEDIA_STORAGE": "nfs"}, "MEDIA_STORAGE must be one of filesystem, s3"),
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_S3_BUCKET must be set"),
        ({"MEDIA_S3_BUCKET": "minsheng-media"}, "MEDIA_S3_ENDPOINT_URL must be set"),
        ({"MEDIA_S3_BUCKET": "m", "MEDIA_S3_ENDPOINT_URL": "minio:9000"}, "MEDIA_S3_ENDPOINT_URL must start with http"),
        ({"MEDIA_S3_BUCKET": "m", "MEDIA_S3_ENDPOINT_URL": "http://minio:9000", "MEDIA_S3_ADDRESSING_STYLE": "dns"},
         "MEDIA_S3_ADDRESSING_STYLE must be one of path, virtual"),
    ],
)
def test_wrong_value_stops_start_up_naming_the_variable(env, message):
    result = start(**(GOOD | env))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_media_on_s3_is_private_on_the_named_endpoint():
    code = ("import json, minsheng.settings as s; print(json.dumps([s.MEDIA_STORAGE, s.STORAGES['default']]))")
    env = GOOD | {"MEDIA_S3_BUCKET": "minsheng-media", "MEDIA_S3_ENDPOINT_URL": "https://minio.intranet:9000",
                  "MEDIA_S3_PREFIX": "/jinzhong/", "MEDIA_S3_URL_SECONDS": "120"}
    clean = {k: v for k, v in os.environ.items() if k not in SET_BY_TESTS} | env
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                            timeout=60)
    kind, storage = json.loads(result.stdout)
    options = storage["OPTIONS"]
    assert kind == "s3" and storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["endpoint_url"], options["location"]) == (
        "minsheng-media", "https://minio.intranet:9000", "jinzhong")
    assert options["default_acl"] is None and options["custom_domain"] is None  # private, no CDN
    assert options["querystring_auth"] is True and options["querystring_expire"] == 120
    assert options["addressing_style"] == "path" and options["file_overwrite"] is False


def settings_json(code, **env):
    clean = {k: v for k, v in os.environ.items() if k not in SET_BY_TESTS} | GOOD | env
    result = subprocess.run([sys.executable, "-c", f"import json, minsheng.settings as s; print(json.dumps({code}))"],
                            cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)
    return json.loads(result.stdout)


def test_tasks_go_to_the_database_unless_rq_is_chosen():
    code = "[s.TASKS, 'django_rq' in s.INSTALLED_APPS, getattr(s, 'RQ_QUEUES', None)]"
    assert settings_json(code) == [{"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}, False, None]
    tasks, has_django_rq, queues = settings_json(code, TASK_BACKEND="rq", REDIS_URL="redis://10.0.0.5:6379/0")
    assert tasks == {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}} and has_django_rq
    assert queues == {"default": {"URL": "redis://10.0.0.5:6379/0", "DEFAULT_TIMEOUT": 3600}}
    # The queue in a Redis database of its own, apart from the cache's.
    _, _, queues = settings_json(code, TASK_BACKEND="rq", REDIS_URL="redis://10.0.0.5:6379/0",
                                 TASK_REDIS_URL="redis://10.0.0.5:6379/2")
    assert queues["default"]["URL"] == "redis://10.0.0.5:6379/2"


def test_debug_allows_missing_secret_hosts_and_personal_data_keys():
    assert start(DEBUG="1").returncode == 0


def test_helpers_parse_what_operators_write():
    assert env_bool("X", environ={"X": " Yes "}) is True
    assert env_bool("X", environ={"X": "off"}) is False
    assert env_int("X", 5, environ={}) == 5
    assert env_list("X", [], environ={"X": "a, b"}) == ["a", "b"]
    assert env_timezone("X", "Asia/Shanghai", environ={}) == "Asia/Shanghai"
    assert env_redis_url("X", environ={"X": "redis://127.0.0.1:6379/1"}) == "redis://127.0.0.1:6379/1"
    db = env_database("X", "sqlite:////tmp/a.sqlite3", environ={"X": "postgres://u@db.local:5432/minsheng"})
    assert (db["ENGINE"], db["HOST"], db["NAME"]) == ("django.db.backends.postgresql", "db.local", "minsheng")
    assert str(env_time_window("X", "08:30-17:30", environ={})[1]) == "17:30:00"
    with pytest.raises(ImproperlyConfigured, match="X must be a whole number"):
        env_int("X", 1, environ={"X": "ten"})


def variables_read(path: Path) -> set[str]:
    return set(re.findall(r'env_[a-z_]+\(\s*"([A-Z][A-Z0-9_]+)"', path.read_text(encoding="utf-8")))


def test_every_variable_is_in_the_readmes_table():
    table = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("| variable | default | meaning |")[1]
    table = table.split("\n\n")[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    read = variables_read(ROOT / "minsheng" / "settings.py") | variables_read(ROOT / "deploy" / "gunicorn.conf.py")
    assert "APPEAL_NOTIFICATION_BACKENDS" in read and "GUNICORN_WORKERS" in read
    assert read - documented == set()


def test_the_apps_read_settings_not_the_environment():
    """Only minsheng/env.py touches os.environ; code reads settings.X, never a default of its own."""
    offenders = []
    top = [d for d in ROOT.iterdir() if d.is_dir() and not d.is_symlink() and not d.name.startswith(".")
           and d.name not in {"bench", "scripts"}]
    for path in (p for d in top for p in d.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if "tests" in relative.parts:
            continue
        if relative.as_posix() in {"minsheng/env.py", "minsheng/test_settings.py", "minsheng/wsgi.py",
                                   "minsheng/asgi.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"os\.environ|getenv\(|getattr\(settings", text):
            offenders.append(relative.as_posix())
    assert offenders == []
