"""The checkout's .env: make run writes DEBUG=1 there, so that a manage.py command pasted from the
README runs with the demo's settings instead of stopping at "SECRET_KEY must be set"."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from minsheng.env import load_env_file

ROOT = Path(__file__).resolve().parents[2]


def test_values_are_read_without_overriding_the_environment(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("# the demo\nDEBUG=1\nexport LOG_LEVEL='WARNING'\n\nTIME_ZONE=\"Asia/Urumqi\"\n")
    environ = {"TIME_ZONE": "Asia/Shanghai"}
    assert load_env_file(env_file, environ) == ["DEBUG", "LOG_LEVEL"]
    assert environ == {"TIME_ZONE": "Asia/Shanghai", "DEBUG": "1", "LOG_LEVEL": "WARNING"}


def test_a_missing_file_changes_nothing(tmp_path):
    environ = {}
    assert load_env_file(tmp_path / "absent", environ) == [] and environ == {}


def test_a_line_that_is_not_an_assignment_names_the_file_and_line(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nthis is not a setting\n")
    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2: expected NAME=value"):
        load_env_file(env_file, {})


def _manage_check(env_file: Path | None) -> subprocess.CompletedProcess:
    environ = {key: value for key, value in os.environ.items()
               if key not in ("DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    environ["MINSHENG_ENV_FILE"] = str(env_file) if env_file else os.devnull
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=120)


def test_a_pasted_command_runs_with_the_env_file_and_says_why_without_it(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DEBUG=1\nMINSHENG_VAR_DIR={tmp_path}\n")
    with_file = _manage_check(env_file)
    assert with_file.returncode == 0, with_file.stderr
    without = _manage_check(None)
    assert without.returncode != 0
    assert "SECRET_KEY" in without.stderr
