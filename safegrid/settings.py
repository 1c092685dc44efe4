"""SafeGrid settings: one file, driven by environment variables (see README, "Configuration").

Embedded default: SQLite under var/, debug off. Production: DATABASE_URL points at PostgreSQL,
SAFEGRID_SECRET_KEY is set, SAFEGRID_SECURE is on (it is unless debug is asked for).
"""

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFEGRID_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("SAFEGRID_DEBUG", False)
# Security headers and https-only cookies: on unless debugging or told otherwise (tests, plain-http demo).
SECURE = env_bool("SAFEGRID_SECURE", not DEBUG and not TESTING)


def _secret_key() -> str:
    key = os.environ.get("SAFEGRID_SECRET_KEY", "")
    if key:
        return key
    if SECURE:
        raise ImproperlyConfigured(
            "SAFEGRID_SECRET_KEY must be set (50+ random characters) in production; "
            "for a local plain-http setup set SAFEGRID_SECURE=0 (the Makefile does)."
        )
    # Development and tests: a random key kept under var/ so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("SAFEGRID_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("SAFEGRID_CSRF_TRUSTED_ORIGINS", "")
# How many reverse proxies stand in front of the app servers; their X-Forwarded-For is trusted.
TRUSTED_PROXY_COUNT = int(os.environ.get("SAFEGRID_TRUSTED_PROXIES", "0"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "axes",
    "csp",
    "core",
    "orgs",
    "campus",
    "people",
    "grids",
    "inspections",
    "hazards",
    "dashboards",
    "ledgers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.PasswordChangeRequiredMiddleware",
    # Last: answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safegrid.urls"
WSGI_APPLICATION = "safegrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.i18n", "template_partials.templatetags.partials"],
            # Compiled templates are kept per process (Django caches only when it picks the loaders
            # itself); with SAFEGRID_DEBUG templates are read afresh so edits show at once.
            "loaders": [
                (
                    "template_partials.loader.Loader",
                    [
                        (
                            "django.template.loaders.cached.Loader",
                            [
                                "django.template.loaders.filesystem.Loader",
                                "django.template.loaders.app_directories.Loader",
                            ],
                        )
                    ]
                    if not DEBUG
                    else [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "safegrid.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",
        conn_max_age=int(os.environ.get("SAFEGRID_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock up front
        # so concurrent transactions wait (busy timeout) instead of failing on upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for long analytical queries, not for a page's: it added 7 ms to a district's
    # list query costed above its threshold.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
MESSAGE_STORAGE = "core.messages.MessageStorage"  # Django's fallback storage, its cookie signer made lazily

# --- Cache: nothing relies on it being shared (lockout lives in the database); Redis if given --
if os.environ.get("SAFEGRID_REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                    "LOCATION": os.environ["SAFEGRID_REDIS_URL"]}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail (hazard reminders): SMTP when a host is given; otherwise reminders stay in the app only ----
SAFEGRID_BASE_URL = os.environ.get("SAFEGRID_BASE_URL", "http://127.0.0.1:8000")  # links in e-mails
DEFAULT_FROM_EMAIL = os.environ.get("SAFEGRID_EMAIL_FROM", "SafeGrid <safegrid@localhost>")
if os.environ.get("SAFEGRID_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["SAFEGRID_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("SAFEGRID_EMAIL_PORT", "465"))
    EMAIL_HOST_USER = os.environ.get("SAFEGRID_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("SAFEGRID_EMAIL_PASSWORD", "")
    EMAIL_USE_SSL = EMAIL_PORT == 465
    EMAIL_USE_TLS = not EMAIL_USE_SSL and env_bool("SAFEGRID_EMAIL_TLS", True)
    EMAIL_TIMEOUT = 10
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# --- Background tasks (Django tasks API, database queue; `manage.py db_worker` runs them) ---
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "orgs.backends.Backend",  # Django's ModelBackend, the memberships and person loaded with the user
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "core.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "core.passwords.NoUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Idle sessions end: the expiry moves forward with activity. core.middleware.SessionRefreshMiddleware
# saves the session at most once a minute rather than on every request (a write and, on PostgreSQL, a
# commit saved per request: the 7:30 rush of submissions is CPU-bound).
SESSION_IDLE_MINUTES = int(os.environ.get("SAFEGRID_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
# With a shared cache (Redis), sessions are read from it and written through to the database: no session
# query per request, and a session survives the cache's loss. Without one, the database alone (a per-process
# cache would not be shared by several workers).
SESSION_ENGINE = ("django.contrib.sessions.backends.cached_db" if os.environ.get("SAFEGRID_REDIS_URL")
                  else "django.contrib.sessions.backends.db")
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout: 5 failures lock the account for 15 minutes (django-axes, kept in the database).
AXES_FAILURE_LIMIT = int(os.environ.get("SAFEGRID_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SAFEGRID_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lock lasts 15 minutes from the fifth failure; trying again meanwhile does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip_for_axes"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# The client IP is throttled separately, with a higher limit so a school behind one NAT address
# is not locked out by a few colleagues' typos.
IP_THROTTLE_FAILURES = int(os.environ.get("SAFEGRID_IP_THROTTLE_FAILURES", "20"))
# axes.W006 asks for IP lockout; core.security.ip_throttled does that with its own limit.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

AUDIT_RETENTION_DAYS = int(os.environ.get("SAFEGRID_AUDIT_RETENTION_DAYS", "180"))
API_TOKEN_DAYS = int(os.environ.get("SAFEGRID_API_TOKEN_DAYS", "90"))

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if SECURE:
    SECURE_SSL_REDIRECT = env_bool("SAFEGRID_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SAFEGRID_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SAFEGRID_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SAFEGRID_HSTS_PRELOAD", True)
    SECURE_SSL_HOST = os.environ.get("SAFEGRID_SSL_HOST") or None

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Internationalisation: Simplified Chinese first, English per user ------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "safegrid_language"
TIME_ZONE = os.environ.get("SAFEGRID_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("SAFEGRID_STATIC_ROOT", VAR_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (inspection photos): never served as public /media/ URLs, only through views that
# check the viewer's organisation. Several app servers must share this folder (or use S3-like storage).
MEDIA_ROOT = Path(os.environ.get("SAFEGRID_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Phones upload photos up to 10 MB each; a whole inspection may carry several.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if SECURE
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not SECURE

# --- API ------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SAFEGRID_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
