"""One settings module, read from the environment.

Environment variables:
  DJANGO_ENV     "development" (default) or "production".
  DEBUG          "1"/"true" turns debug on (off by default).
  SECRET_KEY     required when DJANGO_ENV=production; elsewhere a development key stands in.
  DATABASE_URL   sqlite:///path or postgres://user:pass@host:port/name
                 (default: db.sqlite3 in the project folder).
  ALLOWED_HOSTS  comma-separated host names.
  TRUSTED_PROXIES comma-separated addresses or networks of the reverse proxies.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks, got {item!r}") from exc
    return networks


def parse_database_url(url: str) -> dict:
    """Turn DATABASE_URL into a DATABASES entry (sqlite and postgres only)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        # sqlite:///relative.db → "relative.db"; sqlite:////abs/path.db → "/abs/path.db"
        if (path.startswith("/") and not path.startswith("//")) or path.startswith("//"):
            path = path[1:]
        name = path or str(BASE_DIR / "db.sqlite3")
        if not os.path.isabs(name):
            name = str(BASE_DIR / name)
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name, "OPTIONS": {"timeout": 20}}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (use sqlite or postgres)")


# Development unless DJANGO_ENV=production, so a clone's manage.py commands run as written;
# config/wsgi.py and asgi.py default to production, so an app server never runs on the
# development key (whose "django-insecure-" prefix also fails `check --deploy`).
DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, got {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"
if PRODUCTION and env_bool("TESTING", False):
    raise ImproperlyConfigured("TESTING cannot be on when DJANGO_ENV=production")
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production")
    SECRET_KEY = "django-insecure-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_tasks_db",
    "tables",
    "indicators",
]

MIDDLEWARE = [
    # First: nothing may read X-Forwarded-* before it is dropped from untrusted peers.
    "tables.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before everything that reads the session or the user: see its docstring.
    "tables.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tables.middleware.NoStoreMiddleware",
    "tables.middleware.PasswordChangeRequiredMiddleware",
    "tables.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tables.middleware.HtmxContractMiddleware",
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
                "tables.context_processors.review_nav",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": parse_database_url(os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3"))}
if env_bool("TESTING", False) and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The default in-memory test database shares one cache between threads, and there a
    # read that meets another thread's write fails at once ("database table is locked")
    # instead of waiting. The browser tests read while the live server writes, so the
    # tests use a file in WAL mode: readers never block the writer, writers wait their turn.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"target-tables-test-{os.getpid()}.sqlite3")
    }
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

if env_bool("TESTING", False):
    # Hashing test passwords with PBKDF2 would dominate the suite's time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Compressed, hashed static files in production; plain files while debugging and testing.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("TESTING", False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"  # tables.views.start: reviewers land on their queue, fillers on their tables
LOGOUT_REDIRECT_URL = "login"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads: tables are small; anything bigger is refused with a message, not read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
# Batch imports (tables/imports/batch.py): files in one upload (a zip's members count one by one), their total
# size uncompressed, and how many batches one person may have queued or running at once.
IMPORT_BATCH_MAX_FILES = env_int("IMPORT_BATCH_MAX_FILES", 100)
IMPORT_BATCH_MAX_BYTES = env_int("IMPORT_BATCH_MAX_BYTES", 50 * 1024 * 1024)
IMPORT_BATCHES_PER_USER = env_int("IMPORT_BATCHES_PER_USER", 2)
# Rows one table may hold (tables/limits.py): the official forms run to a few dozen.
MAX_TASKS_PER_TABLE = env_int("MAX_TASKS_PER_TABLE", 100)
MAX_INDICATORS_PER_TABLE = env_int("MAX_INDICATORS_PER_TABLE", 300)
# Bulk exports: how many one person may have queued or running, and how long a finished zip is kept.
EXPORT_JOBS_PER_USER = env_int("EXPORT_JOBS_PER_USER", 2)
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7)

# The cache holds login-failure counts; it must be shared by every app server.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    }
elif env_bool("TESTING", False):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "django_cache"}}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG or env_bool("TESTING", False)
            else "django.core.mail.backends.smtp.EmailBackend",
        )
    },
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@example.invalid")
# The address users open the site at, for the links in e-mails (a mail client has no "current site").
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
if SITE_URL and (urlparse(SITE_URL).scheme not in ("http", "https") or not urlparse(SITE_URL).netloc):
    raise ImproperlyConfigured(f"SITE_URL must start with https:// or http://, got {SITE_URL!r}")

TESTING = env_bool("TESTING", False)

# Security. HTTPS is on by default in production (DEBUG off, not testing); behind a
# reverse proxy that terminates TLS set SECURE_PROXY_SSL_HEADER (see docs/deploy.md).
HTTPS = env_bool("HTTPS", not DEBUG and not TESTING)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# The reverse proxies in front of the app (addresses or networks). Only a request whose
# REMOTE_ADDR is one of them has its X-Forwarded-For (the client's address, for the login
# throttle) and X-Forwarded-Proto (https) believed; tables.middleware.TrustedProxyMiddleware
# drops both headers from anyone else. See docs/deploy.md, "Trust model".
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if env_bool("BEHIND_PROXY", False):
    raise ImproperlyConfigured(
        "BEHIND_PROXY trusted X-Forwarded-Proto from any peer and is gone: "
        "set TRUSTED_PROXIES to the address(es) of the reverse proxy instead (docs/deploy.md)"
    )
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 2 * 60 * 60)  # expires after 2 hours of inactivity
SESSION_REFRESH_SECONDS = 60  # tables.middleware.SessionActivityMiddleware: sliding expiry, one write a minute
CSRF_COOKIE_HTTPONLY = False  # htmx sends the token from the page (hx-headers), not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy: scripts only from our own static files, never inline.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
