"""Strict readers of settings from the environment.

A wrong value stops start-up with a message that names the variable, so an operator
never runs a city's platform on a setting it silently misread.
"""

import os
import zoneinfo

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ) -> str | None:
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None, *, required: bool = False, environ=None) -> str | None:
    value = _raw(name, environ)
    if value in (None, ""):
        if required:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool = False, *, environ=None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None, environ=None) -> int:
    value = _raw(name, environ)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}")
    return number


def env_list(name: str, default: list[str], *, environ=None) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default)
    if value == "":
        return []
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items; got {value!r}")
    return items


def env_timezone(name: str, default: str, *, environ=None) -> str:
    value = env_str(name, default, environ=environ)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name} must be an IANA time zone such as Asia/Shanghai; got {value!r}") from None
    return value


def env_database(name: str, default: str, *, environ=None) -> dict:
    import dj_database_url

    value = env_str(name, default, environ=environ)
    try:
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
    except Exception as exc:  # noqa: BLE001 - dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(f"{name} is not a database URL this platform understands ({exc}); got {value!r}") from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(f"{name} must point at PostgreSQL (postgres://…) or SQLite (sqlite:///…); got {value!r}")
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database; got {value!r}")
    return config


def env_redis_url(name: str, *, environ=None) -> str | None:
    value = env_str(name, None, environ=environ)
    if value is None:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name} must start with redis://, rediss:// or unix://; got {value!r}")
    return value


def env_time_window(name: str, default: str, *, environ=None) -> tuple:
    """"08:30-17:30" → (time(8, 30), time(17, 30))."""
    import datetime

    value = env_str(name, default, environ=environ)
    try:
        start_text, end_text = value.split("-")
        start = datetime.time.fromisoformat(start_text.strip())
        end = datetime.time.fromisoformat(end_text.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must look like 08:30-17:30; got {value!r}") from None
    if start >= end:
        raise ImproperlyConfigured(f"{name} must start before it ends; got {value!r}")
    return start, end


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None,
              environ=None) -> float:
    value = _raw(name, environ)
    if value in (None, ""):
        return default
    try:
        number = float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number; got {value!r}") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}; got {number}")
    return number


def env_choice(name: str, default: str, choices: tuple[str, ...], *, environ=None) -> str:
    value = env_str(name, default, environ=environ)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _key_bytes(name: str, value: str) -> bytes:
    import base64
    import binascii

    try:
        return base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name} must be url-safe base64 (manage.py personal_data_keys prints one)") from None


def env_fernet_keys(name: str, *, required: bool, environ=None) -> list[str]:
    """Comma-separated Fernet keys (32 bytes, url-safe base64), newest first."""
    keys = env_list(name, [], environ=environ)
    if not keys and required:
        raise ImproperlyConfigured(
            f"{name} must be set when DEBUG is off, so that personal data does not depend on SECRET_KEY "
            "(manage.py personal_data_keys prints new keys)"
        )
    for key in keys:
        if len(_key_bytes(name, key)) != 32:
            raise ImproperlyConfigured(f"{name} must hold Fernet keys of 32 bytes each, url-safe base64 encoded")
    return keys


def env_secret_key(name: str, *, required: bool, min_bytes: int = 32, environ=None) -> str | None:
    """A random key of at least ``min_bytes`` bytes, url-safe base64 encoded."""
    value = env_str(name, None, environ=environ)
    if value is None:
        if required:
            raise ImproperlyConfigured(
                f"{name} must be set when DEBUG is off, so that it does not depend on SECRET_KEY "
                "(manage.py personal_data_keys prints a new one)"
            )
        return None
    if len(_key_bytes(name, value)) < min_bytes:
        raise ImproperlyConfigured(f"{name} must hold at least {min_bytes} bytes, url-safe base64 encoded")
    return value


def load_env_file(path, environ=None) -> list[str]:
    """Read ``KEY=value`` lines from ``path`` (the checkout's ``.env``, as deploy/crontab sources it) into
    the environment, never over a variable that is already set; returns the names it set. Blank lines
    and ``#`` comments are skipped, ``export`` and matching quotes are allowed. A line that is not an
    assignment stops start-up naming the file and the line, like any other wrong setting."""
    from pathlib import Path

    environ = os.environ if environ is None else environ
    path = Path(path)
    if not path.is_file():
        return []
    loaded = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.replace("_", "").isalnum() or name[0].isdigit():
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, got {raw!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name not in environ:
            environ[name] = value
            loaded.append(name)
    return loaded
