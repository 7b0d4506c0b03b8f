"""Django settings for Công Dân Số.

Every value comes from an environment variable (see ``.env.example``); the defaults are safe for a developer's
laptop: SQLite in ``DATA_DIR``, in-process cache, the database task queue and no outside service.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from congdanso.lib.csp import sources_of
from congdanso.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_SECRET_KEY = "dev-insecure-secret-key-change-me"
DEFAULT_FIELD_KEY = "dev-insecure-field-encryption-key"

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [DEFAULT_FIELD_KEY])
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is set but empty: give one or more keys, newest first")
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", FIELD_ENCRYPTION_KEYS[0] + ":blind-index")
TESTING = "pytest" in sys.modules


def _refuse_insecure_production() -> None:
    if DEBUG:
        return
    wrong = []
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
        wrong.append("SECRET_KEY (set a random value of at least 32 characters, or SECRET_KEY_FILE)")
    if DEFAULT_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
        wrong.append("FIELD_ENCRYPTION_KEYS (set one or more random keys, newest first)")
    if wrong:
        raise ImproperlyConfigured("DEBUG is off, so these settings must not keep their defaults: " + "; ".join(wrong))


if not TESTING:
    _refuse_insecure_production()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "")  # public base URL, e.g. https://congdanso.example.vn (links in messages)
HTTPS = env_bool("HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # "__Host-" cookies are refused by browsers unless Secure, Path=/ and without Domain: no sibling subdomain or
    # plain-HTTP page can set or overwrite them (session fixation, CSRF-token tossing).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "oauth2_provider",
    "congdanso.core",
    "congdanso.accounts",
    "congdanso.agencies",
    "congdanso.notifications",
    "congdanso.reports",
    "congdanso.procedures",
    "congdanso.dossiers",
    "congdanso.devidp",
    "congdanso.api",
    "congdanso.backoffice",
    "congdanso.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "congdanso.core.middleware.OutageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "congdanso.core.inputguard.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "congdanso.accounts.middleware.StaffSessionMiddleware",
    "congdanso.accounts.language.RememberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "congdanso.urls"
WSGI_APPLICATION = "congdanso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "congdanso.web.context_processors.platform",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "congdanso.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
# Health checks: a persistent connection that the server dropped (restart, failover, network cut) is found and
# replaced before the first query of the next request or task, instead of failing it with "connection is closed".
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
                                              conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock up front so two writers
        # queue on the busy timeout instead of failing with "database is locked" on lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")} if env_bool("SQLITE_TEST_FILE") else {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, tasks ---------------------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5}}}
    # Sessions read through the shared cache (and written to the database): a signed-in request needs no session
    # query. Not with the in-process cache, which other processes would not see (a logout must end it everywhere).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate-limit counters must be shared by every process: Redis when it is configured, else a table in the database
# (congdanso/core/counters.py). "cache" or "database" to choose explicitly.
RATE_LIMIT_STORE = env_str("RATE_LIMIT_STORE", "cache" if REDIS_URL else "database")
if RATE_LIMIT_STORE not in ("cache", "database"):
    raise ImproperlyConfigured(f"RATE_LIMIT_STORE={RATE_LIMIT_STORE!r}: use cache or database")
# The client's address, for per-address rate limits and the audit log. Behind a reverse proxy REMOTE_ADDR is the
# proxy's; name the header the proxy sets (e.g. X-Forwarded-For, X-Real-IP) and how many proxies in front of the
# app append to it. Only the entries those trusted proxies added are believed: the client can forge the rest.
TRUSTED_PROXY_HEADER = env_str("TRUSTED_PROXY_HEADER", "")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1)
TRUSTED_PROXY_ADDRESSES = env_list("TRUSTED_PROXY_ADDRESSES", [])  # empty: any REMOTE_ADDR is the proxy

TASKS_BACKEND = env_str("TASKS_BACKEND", "rq" if REDIS_URL else "db")
TASK_BACKENDS = {
    "db": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND={TASKS_BACKEND!r}: use one of {', '.join(TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 300}}
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 5)
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 30)
OUTBOX_SWEEP_SECONDS = env_int("OUTBOX_SWEEP_SECONDS", 15)
# A commit's task claims this many milliseconds after the commit: the rows of the commits that come meanwhile join it
# (a steady flow of reports is a few tasks a second, each taking many rows, not a task per report).
OUTBOX_GATHER_MS = env_int("OUTBOX_GATHER_MS", 250)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 120)
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
# A task that failed because the database connection broke is run again after this many seconds, up to
# WORKER_DB_RETRIES times (the outbox sweeper still re-runs its rows after that).
WORKER_DB_RETRIES = env_int("WORKER_DB_RETRIES", 3)
WORKER_DB_RETRY_SECONDS = env_int("WORKER_DB_RETRY_SECONDS", 5)
# /readyz: a worker whose last task failed and whose recent tasks (in the window) failed at least this share is
# "failing"; the oldest due outbox row must not wait longer than OUTBOX_MAX_PENDING_SECONDS.
WORKER_FAILURE_WINDOW_SECONDS = env_int("WORKER_FAILURE_WINDOW_SECONDS", 300)
WORKER_MAX_FAILURE_PERCENT = env_int("WORKER_MAX_FAILURE_PERCENT", 50)
OUTBOX_MAX_PENDING_SECONDS = env_int("OUTBOX_MAX_PENDING_SECONDS", 300)
# Answer given in Retry-After when the database or Redis is unreachable (503).
OUTAGE_RETRY_AFTER_SECONDS = env_int("OUTAGE_RETRY_AFTER_SECONDS", 30)

# --- Identity -------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "congdanso.accounts.backends.AccountBackend",  # ModelBackend, under the name sessions carry
]
LOGIN_URL = "accounts:staff_login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Residents: any OpenID Connect provider (VNeID in production, devidp on a laptop).
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = env_str("OIDC_SCOPES", "openid profile")
OIDC_CLAIMS_PROFILE = env_str("OIDC_CLAIMS_PROFILE", "vneid")
OIDC_TOKEN_AUTH_METHOD = env_str("OIDC_TOKEN_AUTH_METHOD", "client_secret_basic")
OIDC_AUTHORIZATION_ENDPOINT = env_str("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_TOKEN_ENDPOINT = env_str("OIDC_TOKEN_ENDPOINT", "")
OIDC_USERINFO_ENDPOINT = env_str("OIDC_USERINFO_ENDPOINT", "")
OIDC_JWKS_URI = env_str("OIDC_JWKS_URI", "")
OIDC_END_SESSION_ENDPOINT = env_str("OIDC_END_SESSION_ENDPOINT", "")
OIDC_ACR_VALUES = env_str("OIDC_ACR_VALUES", "")
OIDC_LEVEL2_ACR = env_list("OIDC_LEVEL2_ACR", ["2", "LoA2", "level2", "muc2"])
OIDC_HTTP_TIMEOUT = env_int("OIDC_HTTP_TIMEOUT", 10)
OIDC_REDIRECT_URI = env_str("OIDC_REDIRECT_URI", "")  # default: built from the request

# The development identity provider (imitates VNeID). Never enable it in production.
DEVIDP_ENABLED = env_bool("DEVIDP_ENABLED", False)
DEVIDP_CLIENT_ID = env_str("DEVIDP_CLIENT_ID", "congdanso-dev")
DEVIDP_CLIENT_SECRET = env_str("DEVIDP_CLIENT_SECRET", "congdanso-dev-secret")
DEVIDP_REDIRECT_URIS = env_list("DEVIDP_REDIRECT_URIS", [])
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": "",  # filled by devidp.keys at start-up from DATA_DIR
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "profile": _("Họ tên, số định danh")},
    "OAUTH2_VALIDATOR_CLASS": "congdanso.devidp.validators.DevIdpValidator",
    "ACCESS_TOKEN_EXPIRE_SECONDS": 1800,
    "ID_TOKEN_EXPIRE_SECONDS": 1800,
}

# Staff: password + TOTP, lockout, idle expiry.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Công Dân Số")
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "congdanso.core.audit.client_ip"  # the trusted-proxy rule (TRUSTED_PROXY_HEADER)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "congdanso.accounts.views_staff.locked_out"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 30 * 60)
STAFF_SESSION_MAX_SECONDS = env_int("STAFF_SESSION_MAX_SECONDS", 10 * 3600)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Language and time ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "congdanso" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
DOSSIER_FILES_DIR = Path(env_str("DOSSIER_FILES_DIR") or DATA_DIR / "private" / "dossiers").resolve()
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
    # Documents of dossiers (online submissions, supplements): outside MEDIA_ROOT, no URL of their own, served only
    # to the applicant and the agency's staff by a view (dossiers/files.py).
    "dossier_files": {
        "BACKEND": "congdanso.core.storage.PrivateFileStorage",
        "OPTIONS": {"location": str(DOSSIER_FILES_DIR)},
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Công Dân Số <no-reply@congdanso.local>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A line per task started and finished (several per report) costs the worker CPU and hides what matters;
        # failures are still logged, and every outcome is counted for /readyz (core/worker.py).
        **{name: {"level": env_str("TASK_LOG_LEVEL", "WARNING")} for name in ("rq.worker", "django_tasks")},
    },
}

CITY_NAME = env_str("CITY_NAME", "Thành phố Hồ Chí Minh")
CITY_PROVINCE_CODE = env_str("CITY_PROVINCE_CODE", "79")

# --- Notifications (congdanso/notifications) ------------------------------------------------------------------
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY", "")  # PEM or base64url raw key; empty: generated in DATA_DIR
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")  # base64url application server key; derived when empty
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:no-reply@congdanso.local")
VAPID_TOKEN_HOURS = min(24, env_int("VAPID_TOKEN_HOURS", 12))
PUSH_TIMEOUT_SECONDS = env_int("PUSH_TIMEOUT_SECONDS", 10)
PUSH_CONCURRENCY = env_int("PUSH_CONCURRENCY", 32)
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 500)  # deliveries per outbox row and worker task
NOTIFY_COMMIT_EVERY = env_int("NOTIFY_COMMIT_EVERY", 250)  # results recorded after this many sends
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 10)  # first retry delay; then x3 per attempt (max 1 h)
NOTIFY_GROUP_SECONDS = env_int("NOTIFY_GROUP_SECONDS", 120)  # updates of one case within this window: one notification
SMS_BACKEND = env_str("SMS_BACKEND", "console")  # console | http
SMS_URL = env_str("SMS_URL", "")
SMS_TOKEN = env_str("SMS_TOKEN", "")
SMS_SENDER = env_str("SMS_SENDER", "CONGDANSO")
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10)
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
ANNOUNCE_LOOKUPS_PER_HOUR = env_int("ANNOUNCE_LOOKUPS_PER_HOUR", 20)  # residents one staff member may look up; 0: off
# Outgoing HTTP (core/outgoing.py) refuses non-public addresses; hosts listed here skip that check (development
# receivers, the tests' local services). Never a host residents can choose.
OUTGOING_ALLOWED_HOSTS = env_list("OUTGOING_ALLOWED_HOSTS", [])
OUTGOING_MAX_RESPONSE_BYTES = env_int("OUTGOING_MAX_RESPONSE_BYTES", 65536)  # answers read up to this size

# --- Incident reports (phản ánh) ------------------------------------------------------------------------------
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")  # empty: no base map
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
REPORTS_CITY_BBOX = env_str("REPORTS_CITY_BBOX", "106.35,8.55,107.65,11.60")  # used until boundaries are imported
REPORTS_MAX_PHOTOS = env_int("REPORTS_MAX_PHOTOS", 5)
REPORTS_MAX_PHOTO_MB = env_int("REPORTS_MAX_PHOTO_MB", 10)
REPORTS_MAX_PHOTO_PIXELS = env_int("REPORTS_MAX_PHOTO_PIXELS", 50_000_000)
# All photos of one request together (header sizes, summed before any is decoded), and the time their processing may
# take: one client cannot make a process decode and re-encode without bound.
REPORTS_MAX_REQUEST_PIXELS = env_int("REPORTS_MAX_REQUEST_PIXELS", 60_000_000)
REPORTS_PHOTO_SECONDS = env_int("REPORTS_PHOTO_SECONDS", 10)
REPORTS_CONFIRM_DAYS = env_int("REPORTS_CONFIRM_DAYS", 7)
REPORTS_URGENT_RESOLVE_HOURS = env_int("REPORTS_URGENT_RESOLVE_HOURS", 24)
REPORTS_TRANSFER_FLAG = env_int("REPORTS_TRANSFER_FLAG", 3)
REPORTS_RATE_PER_USER_HOUR = env_int("REPORTS_RATE_PER_USER_HOUR", 20)
REPORTS_RATE_PER_IP_HOUR = env_int("REPORTS_RATE_PER_IP_HOUR", 60)
REPORTS_IDENTITY_GRANT_DAYS = env_int("REPORTS_IDENTITY_GRANT_DAYS", 30)
REPORTS_MODERATION_DAYS = env_int("REPORTS_MODERATION_DAYS", 14)  # days a new report waits in the moderation queue
REPORTS_MAP_REFRESH_SECONDS = env_int("REPORTS_MAP_REFRESH_SECONDS", 60)
REPORTS_MAP_CACHE_SECONDS = env_int("REPORTS_MAP_CACHE_SECONDS", 60)
REPORTS_DUPLICATE_RADIUS_M = env_int("REPORTS_DUPLICATE_RADIUS_M", 150)  # default "is it one of these?" radius

# --- Dossiers (hồ sơ thủ tục hành chính) ----------------------------------------------------------------------
# Online submission: each document (PDF, JPEG, PNG, HEIC) up to this size, this many files per dossier (the
# submission and its supplements together), PDFs up to this many pages; uploads per resident per hour; drafts
# nobody touched for this many days are deleted with their files (manage.py purge_dossier_files).
DOSSIER_MAX_FILE_MB = env_int("DOSSIER_MAX_FILE_MB", 10)
DOSSIER_MAX_FILES = env_int("DOSSIER_MAX_FILES", 20)
DOSSIER_MAX_PDF_PAGES = env_int("DOSSIER_MAX_PDF_PAGES", 300)
DOSSIER_UPLOADS_PER_HOUR = env_int("DOSSIER_UPLOADS_PER_HOUR", 60)
DOSSIER_DRAFT_DAYS = env_int("DOSSIER_DRAFT_DAYS", 30)
DOSSIER_PURGE_SECONDS = env_int("DOSSIER_PURGE_SECONDS", 3600)

# --- Security headers -----------------------------------------------------------------------------------------
# Django's SecurityMiddleware sends X-Content-Type-Options: nosniff, Referrer-Policy, Cross-Origin-Opener-Policy and,
# over HTTPS, HSTS (above); XFrameOptionsMiddleware sends X-Frame-Options: DENY. django-csp sends the CSP and
# django-permissions-policy the Permissions-Policy. Templates carry no inline script, style block or style
# attribute, so the policy needs neither 'unsafe-inline' nor nonces.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Map tiles are <img> elements from MAP_TILE_URL's host ("{s}." becomes "*.").
CSP_TILE_SOURCES = sources_of([MAP_TILE_URL])
# Forms may post (and be redirected after posting) only to this site and to the OpenID provider: the logout form's
# redirect goes on to the provider's end-session endpoint. CSP_FORM_ACTION_EXTRA adds more origins.
CSP_FORM_ACTION_SOURCES = sources_of(
    [OIDC_ISSUER, OIDC_AUTHORIZATION_ENDPOINT, OIDC_END_SESSION_ENDPOINT, *env_list("CSP_FORM_ACTION_EXTRA", [])]
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *CSP_TILE_SOURCES],
        "font-src": [SELF],
        # fetch/XHR/htmx/WebSocket: this site only. Web Push subscriptions are made by the browser itself (not
        # subject to connect-src) and tiles load as images, so nothing else is needed.
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *CSP_FORM_ACTION_SOURCES],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": HTTPS,
    },
}
# Powerful browser features: only location (the report map's "use my position") for this site; the rest off.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "geolocation": ["self"],
    "camera": [],
    "microphone": [],
    "payment": [],
    "usb": [],
    "serial": [],
    "bluetooth": [],
    "midi": [],
    "magnetometer": [],
    "gyroscope": [],
    "accelerometer": [],
    "display-capture": [],
    "browsing-topics": [],
    "interest-cohort": [],
}

# Request input guard (core.inputguard): JSON bodies are refused above this size or nesting depth before any parser.
INPUT_MAX_JSON_BYTES = env_int("INPUT_MAX_JSON_BYTES", 256 * 1024)
INPUT_MAX_JSON_DEPTH = env_int("INPUT_MAX_JSON_DEPTH", 32)

# --- Dossiers: the public lookup and one-stop-shop imports ----------------------------------------------------
# Lookups by code (/ho-so/tra-cuu) per client per 10 minutes: holds back enumeration of codes (benches raise it).
DOSSIER_LOOKUPS_PER_CLIENT = env_int("DOSSIER_LOOKUPS_PER_CLIENT", 30)
# POST /api/v1/dossiers/import: at most this many lines and megabytes per request (413 above; manage.py
# import_dossiers has no limit); rows written per transaction by the import (API and command).
DOSSIER_IMPORT_MAX_ROWS = env_int("DOSSIER_IMPORT_MAX_ROWS", 10_000)
DOSSIER_IMPORT_MAX_MB = env_int("DOSSIER_IMPORT_MAX_MB", 10)
DOSSIER_IMPORT_BATCH = env_int("DOSSIER_IMPORT_BATCH", 1000)
