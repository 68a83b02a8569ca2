"""Settings for the ledger, read from the environment.

Development defaults are safe to run on a laptop; production is `DJANGO_DEBUG=0` plus a real
`DJANGO_SECRET_KEY`, `DJANGO_ALLOWED_HOSTS` and (optionally) `DATABASE_URL`.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

# The development key is only ever accepted with DEBUG on, so a forgotten variable in production
# fails at start-up instead of signing sessions with a key published in the repo.
_DEV_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
# The development key is published in this repository: with it, anyone could sign sessions.
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the published development key: set a secret one of your own "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    # Django's admin, with the desk's front page and notification settings (claims/admin_site.py).
    "claims.apps.DeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag from the response body, and 304 Not Modified for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    # Anonymous GETs of public pages and the read API from the shared response cache.
    "ledger.cache.AnonymousResponseCacheMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ledger.csp.LedgerCSPMiddleware",
    # A NUL in the path, query or headers is a 400 (PostgreSQL cannot hold it; it is a probe).
    # Inside the middleware above, so that the 400 page carries the same security headers.
    "ledger.middleware.RefuseNullCharactersMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# django-axes counts failed logins (admin form and the API's HTTP Basic login alike, since both
# go through authenticate()) and locks the username from that address out after a few failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "ledger.demo_accounts.PublishedPasswordsRefused",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LEDGER_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LEDGER_LOGIN_COOLOFF_MINUTES", "15")))
# Locking a username everywhere at this limit would let anyone lock an editor out; locking an
# address alone would punish a whole newsroom behind one NAT. So the pair is locked at the low
# limit, and the account everywhere at a higher one (ledger/login_limits.py), so that rotating
# addresses buys a guesser LEDGER_ACCOUNT_FAILURE_LIMIT guesses per cool-off, no more.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
LEDGER_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("LEDGER_ACCOUNT_FAILURE_LIMIT", "20"))
AXES_HANDLER = "ledger.login_limits.AccountAndAddressLockout"
AXES_LOCKOUT_CALLABLE = "ledger.login_limits.lockout_response"
AXES_RESET_ON_SUCCESS = True
# No start-up banner on every management command; failed logins and lockouts are still logged.
AXES_VERBOSE = False
# Behind a proxy, set LEDGER_PROXY_COUNT so the client address is read from X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("LEDGER_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

ROOT_URLCONF = "ledger.urls"
WSGI_APPLICATION = "ledger.wsgi.application"

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
                "claims.web.context_processors.ledger",
            ],
            # Template tags live with the edge that uses them, not in an app-wide folder.
            "libraries": {
                "ledger": "claims.web.templatetags.ledger",
                "editorial": "claims.admin.templatetags",
            },
        },
    },
]

# SQLite is the embedded default; DATABASE_URL switches to PostgreSQL with the same code.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'ledger.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# Several readers and one writer at a time without "database is locked": WAL lets readers proceed
# during a write, IMMEDIATE takes the write lock at BEGIN (so a transaction never fails half-way
# on a lock upgrade), and the timeout makes writers queue instead of failing.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Anonymous reads are answered from a response cache shared by all workers (files under var/,
# so no extra server); every write replaces the key, so entries never go stale, and the timeout
# only bounds the disk they use. 0 turns the cache off.
LEDGER_RESPONSE_CACHE_SECONDS = int(os.environ.get("LEDGER_RESPONSE_CACHE_SECONDS", "600"))
# The default cache holds the API's throttle counts, which every worker and every host must
# share: in Redis when LEDGER_REDIS_URL is set (production: a deploy check says so when it is
# not); in the process's own memory otherwise, which is right for one development server only.
LEDGER_REDIS_URL = os.environ.get("LEDGER_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": LEDGER_REDIS_URL}
        if LEDGER_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
    "responses": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("LEDGER_RESPONSE_CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        "OPTIONS": {"MAX_ENTRIES": 5000, "CULL_FREQUENCY": 4},
    },
}

# The key that signs dumps (`export_ledger`) and checks them (`import_ledger`); without one,
# dumps are only checksummed, which catches accidents but not a forger.
LEDGER_DUMP_KEY = os.environ.get("LEDGER_DUMP_KEY", "")

# Notification emails (claims/services/notifications.py): printed to the console in development,
# sent through an SMTP server in production. Django's own settings, read from LEDGER_EMAIL_*.
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("LEDGER_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("LEDGER_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("LEDGER_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LEDGER_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("LEDGER_EMAIL_USE_TLS", True)
# A slow mail server delays the request that took the step (mail is sent after its commit).
EMAIL_TIMEOUT = int(os.environ.get("LEDGER_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("LEDGER_EMAIL_FROM", "Claim ledger <ledger@localhost>")
# Where the desk is reached from outside, for the links in those emails ("" gives bare paths).
LEDGER_SITE_URL = os.environ.get(
    "LEDGER_SITE_URL", "http://127.0.0.1:8000" if DEBUG else ""
).rstrip("/")

# How the ledger names itself on its pages, in feeds and in ClaimReview markup.
LEDGER_NAME = os.environ.get("LEDGER_NAME", "Claim ledger")
# How long browsers and caches may keep a public page before asking again (seconds).
PUBLIC_CACHE_SECONDS = int(os.environ.get("LEDGER_PUBLIC_CACHE_SECONDS", "60"))

# Where the curated seed corpus lives; the loader resolves its document files relative to it.
LEDGER_SEEDS_DIR = BASE_DIR / "seeds"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["claims.api.permissions.LedgerPermission"],
    "DEFAULT_RENDERER_CLASSES": [
        "claims.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's parsers; the JSON one answers a body nested too deeply with a 400 instead of a 500.
    "DEFAULT_PARSER_CLASSES": [
        "claims.api.parsers.LedgerJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["claims.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.LedgerCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("LEDGER_API_ANON_RATE", "600/minute")},
    "DEFAULT_SCHEMA_CLASS": "claims.api.schema.LedgerAutoSchema",
    "EXCEPTION_HANDLER": "claims.api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "claims.api.negotiation.LedgerContentNegotiation",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# API tokens (django-rest-knox): stored as SHA-512 hashes, one per client, revocable, expiring.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=int(os.environ.get("LEDGER_API_TOKEN_DAYS", "30"))),
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Claim ledger API",
    "DESCRIPTION": (
        "Verified facts, disputes and the quoted evidence behind them. Anonymous clients read "
        "published content; editors write drafts with a token."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Write bodies are advertised as JSON alone: the form parsers stay for the browsable API's
    # own HTML forms, but a generated client offered forms too sends multipart (which cannot
    # carry nested values such as a change request's `changes`).
    "PARSER_WHITELIST": ["claims.api.parsers.LedgerJSONParser"],
    "ENUM_NAME_OVERRIDES": {
        "SourceKindEnum": "claims.choices.SourceKind",
        "SpeakerKindEnum": "claims.choices.SpeakerKind",
        "VoiceKindEnum": "claims.choices.VoiceKind",
    },
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): only this origin's scripts, styles, images and fetches;
# no plugins, no framing, no <base> rewriting, forms post only here. Public pages carry no inline
# script or style at all (JSON-LD is data, not script, and is not subject to script-src). The
# admin and the API's browsable pages ship inline style attributes from their libraries, so
# ledger/csp.py allows inline *styles* (never scripts) under those two prefixes only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
