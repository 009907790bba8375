"""Django system checks for configuration that must hold; each message names the environment variable
to change. ``manage.py check`` runs the first group (also on every runserver); ``manage.py check --deploy``
adds what only matters in production. Registered in CoreConfig.ready.

The settings module already refuses a malformed value at start-up; these catch what is well formed but
wrong for where it runs: a demo key in production, SQLite behind gunicorn, codes written to a log.
"""

import base64
import binascii

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver"}
INSECURE_SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # minsheng/settings.py
MIN_SECRET_KEY_LENGTH = 32
MIN_KEY_BYTES = 32
# SMS gateways that do not reach a phone: fine for a demo, a lock-out for residents in production.
NON_DELIVERING_SMS = {"accounts.sms.LogBackend", "accounts.sms.MemoryBackend", "accounts.sms.DemoBackend"}


def _importable(path: str) -> bool:
    try:
        import_string(path)
    except ImportError:
        return False
    return True


@register()
def check_backends(app_configs=None, **kwargs):
    """Dotted paths read from the environment name classes that exist (settings cannot import them)."""
    errors = []
    if not _importable(settings.SMS_BACKEND):
        errors.append(Error(f"SMS_BACKEND names {settings.SMS_BACKEND!r}, which cannot be imported.",
                            hint="Set SMS_BACKEND to the dotted path of a class such as accounts.sms.LogBackend.",
                            id="minsheng.E001"))
    for path in settings.APPEAL_NOTIFICATION_BACKENDS:
        if not _importable(path):
            errors.append(Error(f"APPEAL_NOTIFICATION_BACKENDS names {path!r}, which cannot be imported.",
                                hint="Each item must be the dotted path of a notification backend class.",
                                id="minsheng.E002"))
    return errors


@register()
def check_sms_log(app_configs=None, **kwargs):
    """With DEBUG off, an SMS backend that only writes to the log runs only when chosen explicitly: a
    production that forgot to name its gateway would otherwise lock every resident out, silently; the
    demo's backend, which shows codes on the sign-in page, never runs there."""
    if settings.DEBUG:
        return []
    if settings.SMS_BACKEND == "accounts.sms.DemoBackend":
        return [Error("SMS_BACKEND is accounts.sms.DemoBackend, which shows sign-in codes on the page: it runs "
                      "only with DEBUG on.",
                      hint="Set SMS_BACKEND to the dotted path of the city's SMS gateway class.", id="minsheng.E003")]
    if settings.SMS_BACKEND == "accounts.sms.LogBackend" and not settings.SMS_LOG_BACKEND_ALLOWED:
        return [Error("SMS_BACKEND is accounts.sms.LogBackend (the default), which sends no SMS: residents could "
                      "not sign in. With DEBUG off it must be chosen explicitly.",
                      hint="Set SMS_BACKEND to the dotted path of the city's SMS gateway class, or set "
                           "SMS_BACKEND=accounts.sms.LogBackend explicitly if this deployment really has no "
                           "gateway yet (codes are logged masked, so no resident can sign in).",
                      id="minsheng.E004")]
    return []


def _key_length(value: str) -> int | None:
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii")))
    except (binascii.Error, ValueError):
        return None


@register(Tags.security, deploy=True)
def check_keys(app_configs=None, **kwargs):
    """Secrets of a production deployment: present, long enough, and not the local run's."""
    errors = []
    secret = settings.SECRET_KEY or ""
    if secret == INSECURE_SECRET_KEY:
        errors.append(Error("SECRET_KEY is the local development key.",
                            hint="Set SECRET_KEY to a random value of at least 50 characters.", id="minsheng.E010"))
    elif len(secret) < MIN_SECRET_KEY_LENGTH:
        errors.append(Error(f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters.",
                            hint="Set SECRET_KEY to a random value of at least 50 characters.", id="minsheng.E011"))
    how = "manage.py personal_data_keys prints new keys (--derived: the ones this database was encrypted with)."
    if not settings.FIELD_ENCRYPTION_KEYS:
        errors.append(Error("FIELD_ENCRYPTION_KEYS is not set: personal data is encrypted with a key derived from "
                            "SECRET_KEY, and changing SECRET_KEY would make it unreadable.",
                            hint=how, id="minsheng.E012"))
    elif any(_key_length(key) != 32 for key in settings.FIELD_ENCRYPTION_KEYS):
        errors.append(Error("FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key (32 bytes, url-safe base64).",
                            hint=how, id="minsheng.E013"))
    index_key = settings.BLIND_INDEX_KEY
    if not index_key:
        errors.append(Error("BLIND_INDEX_KEY is not set: phone look-ups use a key derived from SECRET_KEY, and "
                            "changing SECRET_KEY would make every stored phone unfindable.",
                            hint=how, id="minsheng.E014"))
    elif (_key_length(index_key) or 0) < MIN_KEY_BYTES:
        errors.append(Error(f"BLIND_INDEX_KEY is shorter than {MIN_KEY_BYTES} bytes (url-safe base64).",
                            hint=how, id="minsheng.E015"))
    elif index_key in settings.FIELD_ENCRYPTION_KEYS:
        errors.append(Warning("BLIND_INDEX_KEY is also one of FIELD_ENCRYPTION_KEYS; give each its own key.",
                              hint=how, id="minsheng.W016"))
    return errors


@register(Tags.security, deploy=True)
def check_production(app_configs=None, **kwargs):
    """What a local run may do and a city's deployment must not."""
    errors = []
    public_hosts = [host for host in settings.ALLOWED_HOSTS if host not in LOCAL_HOSTS]
    if settings.DEBUG and public_hosts:
        errors.append(Error(f"DEBUG is on while ALLOWED_HOSTS serves {', '.join(public_hosts)}: error pages would "
                            "show settings and personal data to anyone.",
                            hint="Unset DEBUG (or set DEBUG=0) in production.", id="minsheng.E020"))
    if not settings.SECURE_SSL_REDIRECT:
        errors.append(Warning("SECURE_SSL is off: sign-in cookies may travel without HTTPS and no HSTS is sent.",
                              hint="Set SECURE_SSL=1 when the site is served over HTTPS (and BEHIND_PROXY=1 when a "
                                   "proxy in front terminates TLS). Leave it off only on an intranet that has "
                                   "no HTTPS at all.",
                              id="minsheng.W021"))
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(Warning("DATABASE_URL points at SQLite, which serializes every write.",
                              hint="Set DATABASE_URL=postgres://… in production.", id="minsheng.W022"))
    if settings.SMS_BACKEND in NON_DELIVERING_SMS:
        errors.append(Warning(f"SMS_BACKEND is {settings.SMS_BACKEND}: residents' sign-in codes never reach a phone.",
                              hint="Set SMS_BACKEND to the dotted path of the city's SMS gateway class.",
                              id="minsheng.W023"))
    media = settings.STORAGES["default"]
    endpoint = (media.get("OPTIONS") or {}).get("endpoint_url") or ""
    if media["BACKEND"] == "storages.backends.s3.S3Storage" and endpoint.startswith("http://"):
        errors.append(Warning(f"MEDIA_S3_ENDPOINT_URL is {endpoint}: residents' photos and the store's signed "
                              "requests cross the network unencrypted.",
                              hint="Serve the store over HTTPS (MEDIA_S3_ENDPOINT_URL=https://…, with "
                                   "MEDIA_S3_CA_BUNDLE for an intranet CA), unless it shares a trusted network "
                                   "segment with the app servers.",
                              id="minsheng.W031"))
    return errors
