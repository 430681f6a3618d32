"""Settings for every environment; production differs only through environment variables.

Zero-setup default: SQLite, the in-process channel layer and a SQLite Celery broker,
so `make run` needs no other service. Set DATABASE_URL (postgres:// or mysql://),
REDIS_URL (channel layer, cache and, unless CELERY_BROKER_URL says otherwise, the broker)
to run several processes on real services.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # A missing secret must never silently fall back to a public one in production.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "dev-insecure-only-for-local-use"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # After rest_framework: the first app's translation of a message wins, and these ship
    # their own (worse) Chinese for Django's generic form messages.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "captcha",
    "core",
    "audit",
    "accounts",
    "market",
    "bidding",
    "credit",
    "ratings",
    "supervision",
    "portal",
    "demo",
    "operations",
    "docking",
]

MIDDLEWARE = [
    # First: every later middleware and the view log under the request's id.
    "operations.requestid.RequestIdMiddleware",
    "config.middleware.HeadAsGetMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLimitsMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "docking.rest.ApiErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "accounts.context_processors.platform",
            ],
            # The one Chinese format (money, zh_datetime, zh_date …) in every template.
            "builtins": ["core.templatetags.yc_format"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
_engine = DATABASES["default"]["ENGINE"]
if _engine.endswith("sqlite3"):
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
    # half-way with "database is locked"; select_for_update is a no-op on SQLite.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
elif _engine.endswith("mysql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"charset": "utf8mb4", "isolation_level": "read committed", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
    )
    DATABASES["default"].setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "market:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"

# Bureau staff, organisation administrators and back-office staff need 12 characters,
# everybody else 8 (accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "accounts.passwords.RoleAwareMinimumLengthValidator",
     "OPTIONS": {"min_length": 8, "privileged_min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Daphne serves /static/ itself for `make run` and browser tests; nginx does in production.
SERVE_STATIC = env_bool("SERVE_STATIC", DEBUG)
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Uploads are served only through permission-checked views, never as MEDIA_URL.
MEDIA_URL = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

# --- Sessions and transport security -------------------------------------------------
# A login lasts at most SESSION_MAX_AGE_SECONDS and ends after SESSION_IDLE_SECONDS without
# a request (accounts.middleware.SessionLimitsMiddleware; sockets re-check the same).
SESSION_MAX_AGE_SECONDS = int(os.environ.get("SESSION_MAX_AGE_SECONDS", str(12 * 3600)))
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(2 * 3600)))
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# With DEBUG off, cookies are sent over HTTPS only and browsers are told (HSTS) to use
# nothing else; DJANGO_SECURE_COOKIES=0 / DJANGO_HSTS_SECONDS=0 turn that off for a plain
# HTTP trial.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
# nginx redirects plain HTTP in the production layout; set DJANGO_SSL_REDIRECT=1 to have
# Django do it too (without a proxy). /healthz and /metrics stay reachable over plain HTTP.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
# Proxies we run in front of Django: the client address is read from X-Forwarded-For only
# when this is > 0 (accounts/net.py); DJANGO_BEHIND_PROXY=1 means one (nginx).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1" if BEHIND_PROXY else "0"))
SILENCED_SYSTEM_CHECKS = []
if not SECURE_HSTS_PRELOAD:
    # Preloading is a decision for the owner of the whole domain, not for this platform
    # (it runs on the e-government intranet); HSTS itself is on.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
if BEHIND_PROXY and not SECURE_SSL_REDIRECT:
    # Behind the proxy nginx redirects plain HTTP (deploy/nginx/zjcs.conf); Django must not,
    # so monitors can still read /healthz and /metrics from Daphne directly.
    SILENCED_SYSTEM_CHECKS.append("security.W008")
# Content-Security-Policy (config/csp.py): scripts, styles, images, sockets from this
# site only; no inline script anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI's page (drf-spectacular's split view: its scripts are files) carries one inline
# <style> block; scripts stay 'self' only.
CONTENT_SECURITY_POLICY_BY_PATH = {
    "/api/v1/docs/": CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
}
X_FRAME_OPTIONS = "DENY"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8: a pool holds at most 100 connections and raises (not waits) beyond
            # it — every socket's group_add/send borrows one, so a busy auction needs more —
            # and reads time out after 5 s by default, which kills the layer's blocking
            # BZPOPMIN receive and with it every idle socket (django/channels_redis#422).
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None,
                           "max_connections": int(os.environ.get("REDIS_MAX_CONNECTIONS", "2000"))}],
                "capacity": 1000, "expiry": 30,
            },
        }
    }
    # Live auctions fan one event out to hundreds of sockets: Redis pub/sub sends it once
    # per process, which hands it to its own sockets (the default layer would push one
    # copy per socket through Redis). Losses are covered by the protocol's version + sync.
    CHANNEL_LAYERS["auctions"] = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
        "auctions": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: without Redis, a SQLite file is the broker (`config/broker.py`: kombu's SQLAlchemy
# transport with leases, shared by every process of the machine); Redis (or any URL in
# CELERY_BROKER_URL) for production.
CELERY_BROKER_URL = os.environ.get(
    "CELERY_BROKER_URL", REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
if CELERY_BROKER_URL.startswith("sqla+sqlite:"):
    # kombu would pick its own transport from the "sqla+" prefix: ours takes the bare URL.
    CELERY_BROKER_URL = CELERY_BROKER_URL.removeprefix("sqla+")
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "polling_interval": 0.5, "busy_timeout": 30,
        # Above the task time limit: a message is handed out again only when its worker is gone.
        "visibility_timeout": 360,
    }
    # SQL tables have no fan-out: no remote control (`celery inspect`), gossip or mingle.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
    VAR_DIR.mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
SWEEP_INTERVAL_SECONDS = int(os.environ.get("SWEEP_INTERVAL_SECONDS", "30"))
CELERY_BEAT_SCHEDULE = {
    "deadline-sweep": {"task": "market.tasks.sweep_deadlines", "schedule": float(SWEEP_INTERVAL_SECONDS)},
    "auction-sweep": {"task": "bidding.tasks.auctions_sweep",
                      "schedule": float(os.environ.get("AUCTION_SWEEP_SECONDS", "2"))},
    "ratings-sweep": {"task": "ratings.tasks.ratings_sweep", "schedule": float(SWEEP_INTERVAL_SECONDS)},
    "credit-sweep": {"task": "credit.tasks.credit_sweep", "schedule": float(SWEEP_INTERVAL_SECONDS)},
    # Publishes the previous day's audit chain heads once; hourly so a missed run catches up.
    "audit-heads": {"task": "audit.tasks.heads_publish_task", "schedule": crontab(minute=20)},
    "webhooks-sweep": {"task": "docking.tasks.webhooks_sweep", "schedule": 60.0},
    # Anti-avoidance signals: detection over the whole history, nightly (idempotent upserts).
    "signals-detect": {"task": "supervision.tasks.signals_detect_task", "schedule": crontab(hour=2, minute=40)},
    # Statistics facts a lost refresh left stale (supervision.services_stats), nightly.
    "supervision-stats-repair": {"task": "supervision.tasks_stats.request_stats_rebuild_task",
                                 "schedule": crontab(hour=2, minute=10)},
    # Each bureau officer's digest of the day at 08:00 Beijing time, once per officer and day
    # (a duplicate beat or a retry sends nothing twice: supervision.services_digest).
    "supervision-digest": {"task": "supervision.tasks_digest.daily_digest_task",
                           "schedule": crontab(hour=8, minute=0)},
}
# Task modules not named tasks.py, which autodiscovery would miss.
# Autodiscovery loads each app's tasks.py only; these modules hold tasks too.
CELERY_IMPORTS = ["supervision.tasks_digest", "supervision.tasks_stats"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
# The platform's public address, for links in emails (password setting, reset).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "宜春市网上中介服务超市 <noreply@zjcs.yichun.gov.cn>")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "docking.schema_ext.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "docking.rest.Cursor",
    "PAGE_SIZE": 50,
    # Machines use keys (`Authorization: Bearer <key>`, docking.keys); no session, so no CSRF
    # on the API and no browser session acting through it.
    "DEFAULT_AUTHENTICATION_CLASSES": ["docking.rest.BearerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["docking.rest.KeyScope"],
    "DEFAULT_THROTTLE_CLASSES": ["docking.rest.KeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "docking.rest.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "宜春市网上中介服务超市 API",
    "DESCRIPTION": (
        "Open data and docking API of the Yichun online intermediary-service marketplace. "
        "公开数据无需密钥；写入和本机构数据需行政审批局签发的接口密钥（Authorization: Bearer <密钥>）。"
        "所有 4xx/5xx 应答为 {\"error\": {\"code\", \"message\", \"fields\"}}；429 带 Retry-After。"
        "对接说明见 docs/docking.md。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN on the intranet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "docking.serializers.REQUEST_STATUSES",
        "DeliveryStatusEnum": "docking.serializers.DELIVERY_STATUSES",
        "AuctionResultStatusEnum": "docking.serializers.LADDER_STATUSES",
        "SubscriptionStatusEnum": "docking.serializers.SUBSCRIPTION_STATUSES",
    },
}
# API rate limits (requests per minute): per key (a key's own limit overrides) and per
# address without a key.
API_RATE_PER_MINUTE = int(os.environ.get("API_RATE_PER_MINUTE", "600"))
API_ANON_RATE_PER_MINUTE = int(os.environ.get("API_ANON_RATE_PER_MINUTE", "120"))
# Webhooks: a delivery's timeout, its retries (doubling from the base, at most the max
# apart, for the window), and how long a subscriber may fail before it is paused.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", "3600"))
WEBHOOK_RETRY_WINDOW_SECONDS = float(os.environ.get("WEBHOOK_RETRY_WINDOW_SECONDS", str(24 * 3600)))
WEBHOOK_PAUSE_AFTER_SECONDS = float(os.environ.get("WEBHOOK_PAUSE_AFTER_SECONDS", str(24 * 3600)))

# OCDS: the ocid prefix (register one with the Open Contracting Partnership for production)
# and the publisher named in every release package.
OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX", "ocds-yczjcs")
OCDS_PUBLISHER_NAME = os.environ.get("OCDS_PUBLISHER_NAME", "宜春市行政审批局（宜春市网上中介服务超市）")
OCDS_PUBLICATION_POLICY = os.environ.get("OCDS_PUBLICATION_POLICY", "")

# Comparison selection (询比): sealed quotes and response documents are encrypted (Fernet)
# until the opening. The key is derived from COMPARISON_SEAL_KEY, or from SECRET_KEY when it
# is empty; changing it makes the sealed submissions of unopened rounds unreadable.
COMPARISON_SEAL_KEY = os.environ.get("COMPARISON_SEAL_KEY", "")
# The signature on the printed notices (中选通知书, 结果公告): PEM certificate and key issued
# to the platform; unset, a self-signed test certificate is made at first use under
# VAR_DIR/pdf-signing/ (portal.signing).
PDF_SIGNING_CERT = os.environ.get("PDF_SIGNING_CERT", "")
PDF_SIGNING_KEY = os.environ.get("PDF_SIGNING_KEY", "")
PDF_SIGNING_KEY_PASSPHRASE = os.environ.get("PDF_SIGNING_KEY_PASSPHRASE", "")

# Uploaded files: allowed kinds and size limit (bytes); the bureau's limit is a rule.
UPLOAD_ALLOWED_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "ofd"]

# Login throttling (accounts.services.login_needs_captcha): after LOGIN_MAX_FAILURES failed
# logins of one username from one client address inside the window, that pair must solve
# a CAPTCHA (django-simple-captcha, drawn locally). Never a lock of the account.
LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "3"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
# Self-registrations (intermediaries, project owners) per client address and hour before
# a CAPTCHA is asked.
REGISTRATIONS_PER_HOUR = int(os.environ.get("REGISTRATIONS_PER_HOUR", "10"))
CAPTCHA_FONT_SIZE = 30
CAPTCHA_IMAGE_SIZE = (120, 44)
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 10  # minutes

# Second factor (TOTP, django-otp) for bureau staff, organisation administrators and
# back-office staff. Off for local trials; the production layout sets it to 1.
REQUIRE_2FA_FOR_STAFF = env_bool("REQUIRE_2FA_FOR_STAFF", False)
OTP_TOTP_ISSUER = "宜春市网上中介服务超市"

# --- OIDC: login through the province's unified identity system (accounts/oidc.py) ----
# Off unless OIDC_RP_CLIENT_ID is set; then the provider's endpoints are required.
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile")
# Which claims carry the unified social credit code and the resident ID number.
OIDC_CLAIM_USCC = os.environ.get("OIDC_CLAIM_USCC", "uscc")
OIDC_CLAIM_ID_NUMBER = os.environ.get("OIDC_CLAIM_ID_NUMBER", "id_number")
OIDC_LOGIN_LABEL = os.environ.get("OIDC_LOGIN_LABEL", "江西省统一身份认证登录")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if OIDC_ENABLED:
    _missing = [name for name in ("OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT",
                                  "OIDC_OP_USER_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT") if not globals()[name]]
    if _missing:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so these are required too: {', '.join(_missing)}")
    AUTHENTICATION_BACKENDS.append("accounts.oidc.ProvinceOIDCBackend")

# Open sockets re-check their session and user this often (at most 60 s), besides the
# immediate re-check on logout, deactivation or a password change.
SOCKET_AUTH_RECHECK_SECONDS = min(float(os.environ.get("SOCKET_AUTH_RECHECK_SECONDS", "30")), 60.0)

# Auction sockets: every this many seconds while an auction is open, each process re-reads
# it and tells its sockets the status changes and result they missed. Needed without Redis
# (the in-process layer does not carry the Celery worker's changes to Daphne); off (0) with
# Redis, where the broadcast reaches every process (the re-read at due times stays).
AUCTION_POLL_SECONDS = float(os.environ.get("AUCTION_POLL_SECONDS", "0" if REDIS_URL else "2"))
# Bids of this process waiting for the database at once; past it a bid is refused at once
# with `rate_limited` (服务器繁忙) instead of waiting in a queue that only grows.
AUCTION_MAX_BIDS_IN_FLIGHT = int(os.environ.get("AUCTION_MAX_BIDS_IN_FLIGHT", "24"))
# Threads (each with its own database connection) that place this process's bids: a bid
# waiting on one auction's row lock or on the database no longer holds up the bids of every
# other auction behind it in the one thread Channels gives a process. 0: that one thread
# (SQLite, which takes one writer at a time anyway).
AUCTION_BID_THREADS = int(os.environ.get(
    "AUCTION_BID_THREADS", "0" if DATABASES["default"]["ENGINE"].endswith("sqlite3") else "4"))

# Notification sockets re-read the inbox this often, so a push from another process is
# never lost even on the in-process channel layer.
NOTIFICATION_POLL_SECONDS = float(os.environ.get("NOTIFICATION_POLL_SECONDS", "5"))

# Logs: one line per record on stderr, each with the request id of the request, socket or
# Celery task it belongs to (operations.requestid). LOG_FORMAT=json writes one JSON object
# per line for a log collector; the default is text.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "operations.requestid.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "operations.requestid.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": "json" if LOG_FORMAT == "json" else "text"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# GET /metrics (Prometheus, operations.metrics): open only to these client addresses or
# networks (comma-separated, e.g. "10.0.0.5,10.0.1.0/24"), or to a request with
# "Authorization: Bearer <METRICS_TOKEN>". Both empty: closed to everyone (404).
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
