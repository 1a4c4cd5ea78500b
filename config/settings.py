"""BYOK Console settings: everything comes from the environment (12-factor).

Defaults give an embedded set-up (SQLite under var/, a file-system Celery broker) so the
console and a real worker run on a bare machine; DATABASE_URL and CELERY_BROKER_URL switch to
PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
VAR_DIR = Path(env("BYOK_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)


def _create_private(path: Path, text: str = "") -> None:
    """Create `path` readable by this user only (0600 from the first byte, whatever the umask
    allows beyond it); an existing file is left as it is."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def _secret_from_var(name: str, generate: Callable[[], str]) -> str:
    """Development only: create a secret once and keep it under var/ (mode 0600)."""
    path = VAR_DIR / name
    if not path.exists():
        _create_private(path, generate())
    return path.read_text().strip()


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _new_secret_key() -> str:
    import secrets

    return secrets.token_urlsafe(50)


def _refuse(message: str) -> None:
    sys.stderr.write(f"BYOK Console refuses to start: {message}\n")
    raise SystemExit(2)


SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        _refuse("SECRET_KEY is not set (set DEBUG=1 for a development key kept under var/).")
    SECRET_KEY = _secret_from_var("secret_key", _new_secret_key)

BYOK_ENCRYPTION_KEYS = [k.strip() for k in env("BYOK_ENCRYPTION_KEYS", default="").split(",")]
BYOK_ENCRYPTION_KEYS = [k for k in BYOK_ENCRYPTION_KEYS if k]
if not BYOK_ENCRYPTION_KEYS:
    if not DEBUG:
        _refuse(
            "BYOK_ENCRYPTION_KEYS is not set; generate one with "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.'
        )
    BYOK_ENCRYPTION_KEYS = [_secret_from_var("encryption.key", _new_fernet_key)]


def _check_fernet_keys(keys: list[str]) -> None:
    from cryptography.fernet import Fernet

    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            _refuse(
                f"BYOK_ENCRYPTION_KEYS entry {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)."
            )


_check_fernet_keys(BYOK_ENCRYPTION_KEYS)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Origins (scheme://host[:port], `:*` for any port) a connection may use besides the
# providers' public hosts: the sandbox, private gateways. See providers/endpoints.py.
BYOK_ALLOWED_ENDPOINTS = env.list("BYOK_ALLOWED_ENDPOINTS", default=[])
# A PEM bundle trusted for provider TLS in addition to the system's (private gateways, the
# sandbox with --tls); empty means the system trust store only.
BYOK_CA_BUNDLE = env("BYOK_CA_BUNDLE", default="")
# The provider sandbox a development set-up points at (scheme://host:port). With DEBUG on, the
# connections page shows the sandbox's demo credentials beside connections on this origin
# (providers/devhints.py); empty, or DEBUG off, shows nothing.
BYOK_SANDBOX_URL = env("BYOK_SANDBOX_URL", default="")
OUTBOUND_LOG_LEVEL = env("OUTBOUND_LOG_LEVEL", default="basic")
# An outbound row still `sending` this long after it was written lost its process: the sweep
# marks it `unknown` (longer than any connection's timeout, 600 s at most).
OUTBOUND_UNKNOWN_AFTER_SECONDS = env.int("OUTBOUND_UNKNOWN_AFTER_SECONDS", default=900)
if OUTBOUND_LOG_LEVEL not in {"basic", "elevated", "all"}:
    _refuse(f"OUTBOUND_LOG_LEVEL must be basic, elevated or all, not {OUTBOUND_LOG_LEVEL!r}.")
OUTBOUND_LOG_BODY_LIMIT = env.int("OUTBOUND_LOG_BODY_LIMIT", default=100 * 1024)
BYOK_RETENTION_DAYS = env.int("BYOK_RETENTION_DAYS", default=180)

# Alerts by e-mail: EMAIL_URL as django-environ reads it (smtp+tls://user:pass@host:587);
# by default mail is written to the process's console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="byok-console@localhost")
# The bearer token a Prometheus scraper presents at /metrics; unset closes the endpoint.
BYOK_METRICS_TOKEN = env("BYOK_METRICS_TOKEN", default="")

# Execution engine tunables (see skills/services/config.py for what each one governs).
SKILLS_MAX_ATTEMPTS = env.int("SKILLS_MAX_ATTEMPTS", default=4)
SKILLS_BACKOFF_BASE = env.float("SKILLS_BACKOFF_BASE", default=0.5)
SKILLS_BACKOFF_CAP = env.float("SKILLS_BACKOFF_CAP", default=20.0)
SKILLS_DEADLINE_SECONDS = env.float("SKILLS_DEADLINE_SECONDS", default=180.0)
SKILLS_HEARTBEAT_SECONDS = env.float("SKILLS_HEARTBEAT_SECONDS", default=10.0)
SKILLS_STALE_AFTER_SECONDS = env.float("SKILLS_STALE_AFTER_SECONDS", default=60.0)
SKILLS_REQUEUE_AFTER_SECONDS = env.float("SKILLS_REQUEUE_AFTER_SECONDS", default=120.0)
SKILLS_MAX_ENQUEUES = env.int("SKILLS_MAX_ENQUEUES", default=5)
SKILLS_SWEEP_BATCH = env.int("SKILLS_SWEEP_BATCH", default=500)
# How long a worker keeps a run's result (a paid answer) while the database is unavailable.
SKILLS_WRITE_RETRY_SECONDS = env.float("SKILLS_WRITE_RETRY_SECONDS", default=120.0)
SKILLS_TASK_QUEUE = env("SKILLS_TASK_QUEUE", default="")
# Threads per process that keep their DB connection across a provider call (0: always close).
SKILLS_DB_KEEP_CONNECTIONS = env.int("SKILLS_DB_KEEP_CONNECTIONS", default=8)
# How long a process reuses a skill's resolution; any configuration save in it clears it.
SKILLS_RESOLUTION_CACHE_SECONDS = env.float("SKILLS_RESOLUTION_CACHE_SECONDS", default=1.0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "core",
    "providers",
    "skills",
    "auditlog",
    "monitoring",
    "console",
    "sandbox",
]

MIDDLEWARE = [
    # First, so every response (WhiteNoise's, errors, redirects) leaves with its headers.
    "core.headers.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.role_flags",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'byok.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A threaded worker and a web process share the file: WAL, a busy timeout and
    # IMMEDIATE transactions keep "database is locked" away.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # The file holds every secret (encrypted) and the logs: made 0600 before SQLite opens it,
    # which then gives its -wal and -shm files the same mode.
    _sqlite_name = str(DATABASES["default"].get("NAME") or "")
    if _sqlite_name and _sqlite_name != ":memory:" and not _sqlite_name.startswith("file:"):
        Path(_sqlite_name).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_private(Path(_sqlite_name))
elif env.int("DB_POOL_MAX_SIZE", default=0) > 0:
    # A connection pool per process (psycopg_pool): many worker threads share few connections,
    # so hundreds of calls in flight stay under PostgreSQL's max_connections.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env.int("DB_POOL_MAX_SIZE"),
        "timeout": env.float("DB_POOL_TIMEOUT", default=30.0),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
# Serve straight from the app folders too, so a deployment that skipped collectstatic still works.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Security: safe unless DEBUG says otherwise.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: pages carry the token (forms, htmx's hx-headers).
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading commits the whole domain and its subdomains to HTTPS in browsers' lists, and is
# slow to undo: the domain owner's decision, so off unless they set it.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Off by default: the documented deployment terminates TLS at a reverse proxy, which redirects
# plain HTTP itself (and HSTS keeps browsers on HTTPS). Turn on to have Django redirect too.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """`X-Forwarded-Proto` or `HTTP_X_FORWARDED_PROTO` → ("HTTP_X_FORWARDED_PROTO", "https").

    Only a proxy that always sets (or strips) that header may be named: otherwise any client
    could claim HTTPS with it. Unset, no header is trusted and the scheme is the socket's.
    """
    name = value.strip().upper().replace("-", "_")
    if not name:
        return None
    if not name.startswith("HTTP_"):
        name = "HTTP_" + name
    if not re.fullmatch(r"HTTP_[A-Z0-9_]+", name):
        _refuse(f"SECURE_PROXY_SSL_HEADER must be a header name, not {value!r}.")
    return (name, "https")


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(env("SECURE_PROXY_SSL_HEADER", default=""))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Deployment checks (`manage.py check --deploy`) that describe an operator's choice above, not a
# gap: each is silenced only while that choice is the documented default (docs/SECURITY.md).
SILENCED_SYSTEM_CHECKS = [
    *(["security.W008"] if not SECURE_SSL_REDIRECT else []),
    *(["security.W021"] if not SECURE_HSTS_PRELOAD else []),
]
if not DEBUG and "*" in ALLOWED_HOSTS:
    _refuse("ALLOWED_HOSTS must name the console's host names, not '*'.")

# Request bodies (core.parsers, core.middleware): a larger one gets 413, JSON nested deeper
# than JSON_MAX_DEPTH gets 400. The configuration import takes whole documents, so it has
# its own, larger limit; Django's own ceiling on a body read into memory is the larger one.
BYOK_MAX_BODY_BYTES = env.int("BYOK_MAX_BODY_BYTES", default=1024 * 1024)
BYOK_IMPORT_MAX_BODY_BYTES = env.int("BYOK_IMPORT_MAX_BODY_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(BYOK_MAX_BODY_BYTES, BYOK_IMPORT_MAX_BODY_BYTES)
JSON_MAX_DEPTH = env.int("BYOK_JSON_MAX_DEPTH", default=64)
# Refuses those bodies (and unreadable forms or query strings) before any middleware that
# reads them, such as CSRF's, can fail on them.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
    "core.middleware.RequestLimitsMiddleware",
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Throttles (core/throttles.py): a rate per scope ("" turns it off); 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttles.UserThrottle",
        "core.throttles.AddressThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="1200/min"),
        "address": env("API_THROTTLE_ADDRESS", default="3000/min"),
        "runs": env("API_THROTTLE_RUNS", default="120/min"),
    },
    # Proxies of one's own in front of the web process: their X-Forwarded-For entries name the
    # client address; 0 trusts REMOTE_ADDR alone (a forged header changes nothing).
    "NUM_PROXIES": env.int("API_TRUSTED_PROXIES", default=0),
    "EXCEPTION_HANDLER": "core.throttles.exception_handler",
}
# API limits. `?wait` on POST /invocations/ and /agent-runs/ watches the queued run for at
# most this many seconds (the web process never runs it); a longer wait is a 400.
API_MAX_WAIT_SECONDS = env.int("API_MAX_WAIT_SECONDS", default=30)
# Throttle counts and log-in lockouts live in the default cache: per process unless CACHE_URL
# names a shared one (e.g. redis://host:6379/1), which a server of several processes wants.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Console log-in: after this many failures for one username within the window, or from one
# client address, further attempts are refused (429) for LOGIN_LOCKOUT_SECONDS.
LOGIN_LOCKOUT_FAILURES = env.int("LOGIN_LOCKOUT_FAILURES", default=5)
LOGIN_LOCKOUT_FAILURES_PER_ADDRESS = env.int("LOGIN_LOCKOUT_FAILURES_PER_ADDRESS", default=20)
LOGIN_LOCKOUT_WINDOW_SECONDS = env.int("LOGIN_LOCKOUT_WINDOW_SECONDS", default=900)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
SPECTACULAR_SETTINGS = {
    "TITLE": "BYOK Console API",
    "DESCRIPTION": "Bring Your Own Key console: providers, connections, aliases, skills, logs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets sharing a field name get stable names: version overrides and the
    # governance settings share one instance-or-skill scope; runs and alert notifications
    # both have a `status`, and the runs keep the name they had.
    "ENUM_NAME_OVERRIDES": {
        "ModelProviderPolicyScopeEnum": "skills.choices.PolicyScope",
        "VersionOverrideScopeEnum": "skills.choices.OverrideScope",
        "BudgetScopeEnum": "skills.choices.BudgetScope",
        "DeliveryStatusEnum": "monitoring.choices.DeliveryStatus",
        "StatusEnum": "skills.choices.InvocationStatus",
    },
}
# JSON through the one strict reader (duplicate keys, depth, NaN, 64-bit numbers, body
# limit); forms as before, for the browsable API.
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "core.parsers.StrictJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]

# Celery: the database is the source of truth; the broker only carries ids.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=4)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Celery's Django fixup closes every connection around each task unless this is set; our task
# handlers (config/celery.py) already close what is unusable, obsolete or not kept, so the
# fixup's count is made unreachable and kept connections survive between tasks.
CELERY_DB_REUSE_MAX = 10**9
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Every provider request is already in the outbound log; no per-request INFO lines.
        "httpx2": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}

if env.bool("BYOK_FAST_PASSWORD_HASHING", default=False):
    # Test suites only: a cheap hasher, so hundreds of logins stay fast.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
