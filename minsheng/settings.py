"""Minsheng's settings: everything a deployment changes comes from the environment (see minsheng.env)."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.storage import s3_media_backend
from minsheng.env import (
    env_bool,
    env_choice,
    env_database,
    env_fernet_keys,
    env_float,
    env_int,
    env_list,
    env_redis_url,
    env_secret_key,
    env_str,
    env_time_window,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MINSHENG_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", None)
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set (or DEBUG=1 for a local, non-production run)")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")

# Personal data at rest (core/crypto.py): Fernet keys for names, phones and ID numbers, newest first,
# and the key of the phone's blind index (the exact look-up of an encrypted phone). Neither depends on
# SECRET_KEY in production, so rotating SECRET_KEY loses no data; with DEBUG on, both may be left out
# and are then derived from SECRET_KEY, as a local demo database always was.
FIELD_ENCRYPTION_KEYS = env_fernet_keys("FIELD_ENCRYPTION_KEYS", required=not DEBUG)
BLIND_INDEX_KEY = env_secret_key("BLIND_INDEX_KEY", required=not DEBUG)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set (comma-separated host names) when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True
USE_I18N = True

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'minsheng.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "transaction_mode": "IMMEDIATE"}
    )
# PostgreSQL streaming replicas for read-only reporting (core/dbrouter.py): comma-separated URLs,
# each an alias replica_0, replica_1, ...; none (the default) keeps every query on the primary.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
for _number, _url in enumerate(DATABASE_REPLICA_URLS):
    DATABASES[f"replica_{_number}"] = env_database("DATABASE_REPLICA_URLS", _url, environ={})
    DATABASES[f"replica_{_number}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.dbrouter.ReplicaRouter"] if DATABASE_REPLICA_URLS else []
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_redis_url("REDIS_URL")
if REDIS_URL:
    # Django's Redis backend, keeping one client per connection pool (core/cache.py says why).
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "minsheng_cache"}}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core.apps.AxesConfig",  # django-axes, under a Chinese name in the admin
    "django_tasks",
    "core.apps.TasksDatabaseConfig",  # django-tasks-db, likewise
    # django-ninja's own templates and static files: the API docs page (Swagger UI) is served from the
    # platform, not from a CDN the intranet cannot reach and the CSP would block.
    "ninja",
    "core",
    "orgs",
    "accounts",
    "appeals",
    "targets",
    "dispatch",
    "care",
    "volunteers",
    "facilities",
    "deliberation",
    "employment",
    "courses",
    "events",
    "open311",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from the project itself: intranets have no CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Every parameter through core.text.clean_input before a view reads it; a path holding a control
    # character answers 404 in the caller's format.
    "core.boundary.InputBoundaryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A domain error a page's view lets through: a message and a redirect back, or an error page.
    "core.middleware.DomainErrorMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minsheng.urls"
WSGI_APPLICATION = "minsheng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.menu",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout (django-axes): after AXES_FAILURE_LIMIT failures for one account from one address
# the account is locked for that address for AXES_COOLOFF_TIME hours.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Resident one-time codes sent by SMS.
# A local run shows the demo's codes on the sign-in page (DemoBackend); otherwise the log backend, which
# delivers nothing and writes codes masked. With DEBUG off the log backend runs only when SMS_BACKEND names
# it explicitly (an intranet trial without a gateway); left to the default, the system check stops start-up.
_SMS_BACKEND_SET = env_str("SMS_BACKEND", "")
SMS_BACKEND = _SMS_BACKEND_SET or ("accounts.sms.DemoBackend" if DEBUG else "accounts.sms.LogBackend")
SMS_LOG_BACKEND_ALLOWED = _SMS_BACKEND_SET == "accounts.sms.LogBackend"
OTP_TTL_SECONDS = env_int("OTP_TTL_SECONDS", 300, minimum=60)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5, minimum=1)
OTP_SEND_INTERVAL_SECONDS = env_int("OTP_SEND_INTERVAL_SECONDS", 60, minimum=0)
# Limits on sign-in codes (core.ratelimit): codes sent per phone and per client address an hour, and in
# all a minute; guesses per phone an hour; a phone with this many wrong codes in an hour is locked.
OTP_SENDS_PER_PHONE = 5
OTP_SENDS_PER_ADDRESS = 20
OTP_SENDS_PER_MINUTE = 300
OTP_GUESSES_PER_PHONE = 20
OTP_LOCK_AFTER_FAILURES = 10
OTP_LOCK_MINUTES = 60
# The public tracking page: its requests per client address a minute (a look-up by code is two: the form,
# then the demand's page), so that tracking codes cannot be guessed in bulk.
TRACK_RATE_LIMIT_PER_IP = 60

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# Media (photos, lessons, evidence files; under jobs/, an uploaded workbook waiting for its import, core.jobs)
# go through Django's storage API (core/storage.py): files under MEDIA_ROOT by default, or an S3-compatible
# store the deployment names (MinIO or Ceph on the intranet) when MEDIA_STORAGE=s3 or MEDIA_S3_BUCKET is set,
# so that app servers and workers share nothing but PostgreSQL, Redis and that store.
# Either way media is private: every file is served by a view that checks permission, never by its URL.
MEDIA_STORAGE = env_choice("MEDIA_STORAGE", "s3" if env_str("MEDIA_S3_BUCKET") else "filesystem",
                           ("filesystem", "s3"))
MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if MEDIA_STORAGE == "s3":
    MEDIA_STORAGE_BACKEND = s3_media_backend(
        bucket=env_str("MEDIA_S3_BUCKET", required=True),
        # The deployment's own store (http://minio.intranet:9000): there is no default, no public cloud.
        endpoint_url=env_str("MEDIA_S3_ENDPOINT_URL", required=True),
        region=env_str("MEDIA_S3_REGION", "us-east-1"),
        # Unset: boto3's own chain (AWS_ACCESS_KEY_ID, its config files, an instance role).
        access_key=env_str("MEDIA_S3_ACCESS_KEY_ID"),
        secret_key=env_str("MEDIA_S3_SECRET_ACCESS_KEY"),
        addressing_style=env_choice("MEDIA_S3_ADDRESSING_STYLE", "path", ("path", "virtual")),
        prefix=env_str("MEDIA_S3_PREFIX", ""),
        url_seconds=env_int("MEDIA_S3_URL_SECONDS", 300, minimum=1),
        ca_bundle=env_str("MEDIA_S3_CA_BUNDLE"),
    )
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

WHITENOISE_USE_FINDERS = DEBUG

# Working hours for deadlines in working time (appeals.deadlines); holidays are in the admin.
WORKING_HOURS = env_time_window("WORKING_HOURS", "08:30-17:30")

# Automatic dispatch: above this classifier confidence an appeal is dispatched without a person
# (the event records "auto", the model version and the confidence); below it a dispatcher decides.
DISPATCH_AUTO_THRESHOLD = env_float("DISPATCH_AUTO_THRESHOLD", 0.85, minimum=0.0, maximum=1.0)
# Set DISPATCH_AUTO=0 to keep every appeal in the manual queue (suggestions are still shown).
DISPATCH_AUTO = env_bool("DISPATCH_AUTO", True)
# Routing that takes longer than this (seconds) leaves the appeal to a dispatcher.
DISPATCH_ROUTE_SECONDS = env_float("DISPATCH_ROUTE_SECONDS", 2.0, minimum=0.01, maximum=60.0)

# Notifications from the event outbox (appeals.notifications): the backends each event goes through,
# and how many attempts before an event is given up as failed.
APPEAL_NOTIFICATION_BACKENDS = env_list(
    "APPEAL_NOTIFICATION_BACKENDS",
    ["appeals.notifications.LogBackend", "appeals.notifications.SmsBackend", "appeals.notifications.InSiteBackend"],
)
APPEAL_NOTIFICATION_MAX_ATTEMPTS = env_int("APPEAL_NOTIFICATION_MAX_ATTEMPTS", 6, minimum=1)

# How long the API remembers an Idempotency-Key: a retry within this many days answers with the first
# request's appeal; appeals_sweep forgets older keys.
IDEMPOTENCY_KEY_DAYS = env_int("IDEMPOTENCY_KEY_DAYS", 30, minimum=1)

# API rate limits per key and per client address (requests per minute); Redis when REDIS_URL is set.
API_RATE_LIMIT_PER_KEY = env_int("API_RATE_LIMIT_PER_KEY", 600, minimum=1)
API_RATE_LIMIT_PER_IP = env_int("API_RATE_LIMIT_PER_IP", 300, minimum=1)

# Open311 publishes demands refused (不予受理: spam, abuse, outside the remit) and withdrawn (已撤回) only
# when this is on; an organisation's API key that may read its units sees them either way.
OPEN311_PUBLISH_REFUSED = env_bool("OPEN311_PUBLISH_REFUSED", False)

# Background tasks (django-tasks). TASK_BACKEND=database (the default): tasks are rows in PostgreSQL, run by
# ``manage.py db_worker``. TASK_BACKEND=rq: tasks are queued in Redis (django-tasks-rq) and run by
# ``manage.py rqworker --job-class django_tasks_rq.Job default``, for many workers or many tasks a second
# (deploy/README.md says when). The queue is TASK_REDIS_URL, by default REDIS_URL; give it a Redis database
# number of its own (redis://host:6379/2), as clearing the cache empties the cache's whole database.
TASK_BACKEND = env_choice("TASK_BACKEND", "database", ("database", "rq"))
if TASK_BACKEND == "rq":
    TASK_REDIS_URL = env_redis_url("TASK_REDIS_URL") or REDIS_URL
    if not TASK_REDIS_URL:
        raise ImproperlyConfigured("TASK_BACKEND=rq queues tasks in Redis: set REDIS_URL (or TASK_REDIS_URL)")
    INSTALLED_APPS.append("django_rq")  # rqworker, and the backend's system check asks for it
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # RQ stops a job after DEFAULT_TIMEOUT seconds; its own default, 180, may be too short for the classifier's
    # retraining task or a large import, and db_worker sets no limit at all.
    RQ_QUEUES = {"default": {"URL": TASK_REDIS_URL, "DEFAULT_TIMEOUT": env_int("TASK_TIMEOUT_SECONDS", 3600,
                                                                               minimum=60)}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# A background job (core.jobs: an import with its progress page) running with no progress for this long is
# taken for dead (its worker killed) and queued again by ``manage.py jobs_recover``, at most JOB_MAX_ATTEMPTS
# times in all. Every runner reports progress at least once a chunk, a few seconds apart.
JOB_STALE_MINUTES = env_int("JOB_STALE_MINUTES", 10, minimum=2)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3, minimum=1)

# What ``manage.py run_scheduler`` runs and when (deploy/crontab says the same for cron): the
# appeals sweep delivers notifications (SMS), flags overdue work and updates the 三率 summary; the
# router learns nightly from the day's closed demands; care's risk levels and due visits are refreshed.
SCHEDULE = [
    {"command": "appeals_sweep", "every": env_int("SWEEP_SECONDS", 60, minimum=10)},
    # Background jobs whose worker died (or whose task was lost with Redis) queued again (core.jobs).
    {"command": "jobs_recover", "every": 120},
    {"command": "dispatch_retrain", "args": ["--no-progress"], "at": "02:30"},
    # 包联: risk levels that depend on time (no visit for 60 days) and who is due a visit.
    {"command": "care_refresh", "args": ["--no-progress"], "at": "03:00"},
    # The audit trail keeps AUDIT_RETENTION_DAYS (MLPS practice: at least six months), then is purged
    # with its hash chain kept checkable (core/audit.py).
    {"command": "audit_purge", "at": "03:45"},
    # 民生实事: each target's progress for the month (incremental) and last month's report, built once.
    {"command": "targets_refresh", "args": ["--no-progress", "--monthly-report"], "at": "03:30"},
    # The month running's figures the leader's dashboard reads (it counts live when they are an hour old).
    {"command": "targets_refresh", "args": ["--no-progress", "--running"], "every": 600},
    {"command": "facilities_no_shows", "args": [], "at": "02:30"},
    # 服务: the weekly patterns' slots made for the weeks ahead, the horizon moving a day each night.
    {"command": "facilities_slots", "at": "02:40"},
    # 就业: the hard-to-employ's follow-ups scheduled, every looking seeker's postings ranked again.
    {"command": "employment_refresh", "args": ["--no-progress"], "at": "01:30"},
    # 议事协商: notices to proposers and supporters, demand tasks caught up, ratings published when due.
    {"command": "deliberation_sweep", "every": env_int("SWEEP_SECONDS", 60, minimum=10)},
    # Appeals' events, once converted to monthly partitions (deploy/README.md says when): the next three
    # months' partitions made ahead. Does nothing on a plain table or on SQLite.
    {"command": "appeals_partition_events", "args": ["--ahead", "3"], "at": "04:10"},
]
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=180)

# Security headers. HTTPS-only settings follow SECURE_SSL from the environment, because a
# county intranet may well serve plain HTTP behind its own gateway.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 12, minimum=1) * 3600
CSRF_COOKIE_HTTPONLY = True
_SECURE_SSL = env_bool("SECURE_SSL", False)
SECURE_SSL_REDIRECT = _SECURE_SSL
SESSION_COOKIE_SECURE = _SECURE_SSL
CSRF_COOKIE_SECURE = _SECURE_SSL
SECURE_HSTS_SECONDS = 31536000 if _SECURE_SSL else 0
# Django's own warnings about these four say nothing of SECURE_SSL; core/checks.py names it instead.
SILENCED_SYSTEM_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"],
             "level": env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))},
    "loggers": {"axes": {"level": "WARNING"}},
}

SITE_NAME = _("Minsheng")
