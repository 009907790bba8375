"""A wrong setting stops start-up with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from minsheng.env import env_bool, env_database, env_int, env_list, env_redis_url, env_time_window, env_timezone

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"SECRET_KEY": "x" * 40, "ALLOWED_HOSTS": "minsheng.example.gov.cn", "DEBUG": "0"}


def start(**env):
    """Import the settings in a fresh interpreter, as `manage.py` or gunicorn would."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "SECRET_KEY",
                                                              "ALLOWED_HOSTS", "REDIS_URL", "TIME_ZONE"}}
    clean.update({"MINSHENG_VAR_DIR": "/tmp/minsheng-settings-test"} | env)
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
    ],
)
def test_wrong_value_stops_start_up_naming_the_variable(env, message):
    result = start(**(GOOD | env))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_debug_allows_missing_secret_and_hosts():
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
