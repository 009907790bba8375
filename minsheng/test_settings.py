"""Settings for the test suite: the real settings, with test-only defaults for what a developer's
shell may not set. DATABASE_URL from the environment still wins (CI runs on PostgreSQL)."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-the-checks")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# Fixed keys for personal data, never used outside tests (production requires its own).
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "RbmDs0wHHFfTwXeF06GKXfCZyOZ3a_fXJx4oXqJlHMs=")
os.environ.setdefault("BLIND_INDEX_KEY", "GQEzD4T1qogQWSdO_ifR6l72oXi3h1tOAZW8PN_bpL8=")
os.environ.setdefault("SMS_BACKEND", "accounts.sms.MemoryBackend")
os.environ.setdefault("OTP_SEND_INTERVAL_SECONDS", "0")

from minsheng.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; never outside tests
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A replica alias mirroring the test database, so that core/dbrouter.py and the pages that read from
# replicas are tested: core/tests/test_dbrouter.py installs the router for its own tests (a transactional
# test elsewhere, such as a browser test, may not query the alias and keeps every read on the primary).
# There a test in a transaction (the usual ``db``) reads everything from the primary, as a service in a
# transaction does; a transactional test that lists the alias in its ``databases`` reads its reports
# from the replica.
if not DATABASE_REPLICA_URLS:  # noqa: F405
    DATABASES["replica_0"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
