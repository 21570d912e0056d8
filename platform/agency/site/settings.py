"""Django settings: one module, every value from the environment.

APP_ENV is ``development`` (default), ``test`` or ``production``. With no
DATABASE_URL the embedded PostgreSQL started by ``infra/run.sh`` / the test
runner is used (they export DATABASE_URL); with no CELERY_BROKER_URL a
filesystem broker under ``.local/`` serves a real worker.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[3]
STATE_DIR = Path(os.environ.get("APP_STATE_DIR", BASE_DIR / ".local"))

APP_ENV = os.environ.get("APP_ENV", "development")
if APP_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"APP_ENV must be development, test or production, not {APP_ENV!r}")
PRODUCTION = APP_ENV == "production"
# Off everywhere unless asked for (DJANGO_DEBUG=1, development only): the debug pages show settings and tracebacks
# to whoever made the request. Errors get the Russian pages of agency.site.views instead.
DEBUG = not PRODUCTION and os.environ.get("DJANGO_DEBUG", "0") == "1"

# Production takes the key from the environment; any other installation makes its own random key on first start and
# keeps it in its state directory (agency.site.secret_key). There is no fixed fallback.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required in production")
    from agency.site.secret_key import installation_secret_key

    SECRET_KEY = installation_secret_key(STATE_DIR)

# The public host (agent back office, resident cabinet); principals answer on subdomains of it.
PUBLIC_HOST = os.environ.get("PUBLIC_HOST", "localhost")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", f"{PUBLIC_HOST},.{PUBLIC_HOST}").split(",") if h]
if APP_ENV == "test":
    ALLOWED_HOSTS.append("testserver")

# --- tenancy -------------------------------------------------------------------------------

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "graphene_django",
    # the shared data principals' apps point at (public schema), in the tenants layer
    "tenants.registry",
    "tenants.regulations",
    "tenants.residents",
    "tenants.ledger",
    # the agent's apps
    "agency.identity",
    "agency.documents",
    "agency.payments",
    "agency.appeals",
    "agency.reports",
    "agency.principals",
    "agency.collection",
    "agency.demo",
    "agency.site",
]
TENANT_APPS = [
    "tenants.workspace",
    "tenants.billing",
    "tenants.receipts",
    "tenants.collection",
    # in both lists: the agent's ledger in public, each principal's own in its schema
    "tenants.ledger",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Principal"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New principals are cloned from this schema, kept migrated by `migrate_platform`.
TENANT_BASE_SCHEMA = "principal_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_MIGRATION_EXECUTOR = os.environ.get("TENANT_MIGRATION_EXECUTOR", "fastpath")
# Issue `SET search_path` once per schema change, not on every cursor.
TENANT_LIMIT_SET_CALLS = True
GET_EXECUTOR_FUNCTION = "tenants.migration.get_executor"
# What a charge run does to a draft period after its lines and benefits, in the run's transaction: the steps of the
# tenant apps above billing (``tenants.billing.charge_run``), each called with the period.
BILLING_DRAFT_STEPS = ["tenants.penalties.accrual.penalties_accrue"]
TENANT_MULTIPROCESSING_MAX_PROCESSES = int(os.environ.get("TENANT_MIGRATION_PROCESSES", "2"))
PUBLIC_SCHEMA_URLCONF = "agency.site.urls"
ROOT_URLCONF = "agency.site.urls"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

# --- database ------------------------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Start the product with `bash infra/run.sh` (it starts an embedded "
        "PostgreSQL) or point DATABASE_URL at a PostgreSQL server."
    )
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ---------------------------------------------------------------------------------

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Every key carries the schema it was written from: no principal reads another's entry.
CACHES["default"]["KEY_FUNCTION"] = "django_tenants.cache.make_key"
CACHES["default"]["REVERSE_KEY_FUNCTION"] = "django_tenants.cache.reverse_key"

# --- web -----------------------------------------------------------------------------------

MIDDLEWARE = [
    "agency.site.middleware.PrincipalRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
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
            ]
        },
    }
]
WSGI_APPLICATION = "agency.site.wsgi.application"

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if APP_ENV == "test":
    # Hashing dominates test time otherwise; production keeps PBKDF2.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Sessions are per host: a principal's portal cookie is never sent to another principal's host.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
# the Russian page, without the reason (which Django logs)
CSRF_FAILURE_VIEW = "agency.site.views.csrf_failure"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None

# Login throttling: failures per (login, client address) within the window.
LOGIN_THROTTLE_MAX_FAILURES = int(os.environ.get("LOGIN_THROTTLE_MAX_FAILURES", "5"))
LOGIN_THROTTLE_WINDOW_SECONDS = int(os.environ.get("LOGIN_THROTTLE_WINDOW_SECONDS", "900"))

# The code printed on the ЕПД that proves a resident holds the document (cabinet.link_code): an HMAC of the
# ЕЛС under this secret. Changing it changes every printed code; by default it is derived from SECRET_KEY.
CABINET_LINK_SECRET = os.environ.get("CABINET_LINK_SECRET", "") or f"cabinet-link:{SECRET_KEY}"
# Wrong codes a resident may enter within the window before linking is refused for the rest of it.
CABINET_LINK_MAX_FAILURES = int(os.environ.get("CABINET_LINK_MAX_FAILURES", "5"))
CABINET_LINK_WINDOW_SECONDS = int(os.environ.get("CABINET_LINK_WINDOW_SECONDS", "900"))

# Links sent by e-mail (identity.invitations, identity.recovery, cabinet sign-up): how long each is valid.
STAFF_INVITATION_DAYS = int(os.environ.get("STAFF_INVITATION_DAYS", "7"))
SIGNUP_CONFIRM_HOURS = int(os.environ.get("SIGNUP_CONFIRM_HOURS", "48"))
PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))
# Sign-ups and password-reset requests per client address (and per e-mail address: a mailbox is not flooded) within
# the window, counted in identity.throttle's global counters.
ACCOUNT_MAIL_MAX_PER_ADDRESS = int(os.environ.get("ACCOUNT_MAIL_MAX_PER_ADDRESS", "10"))
ACCOUNT_MAIL_MAX_PER_EMAIL = int(os.environ.get("ACCOUNT_MAIL_MAX_PER_EMAIL", "3"))
ACCOUNT_MAIL_WINDOW_SECONDS = int(os.environ.get("ACCOUNT_MAIL_WINDOW_SECONDS", "3600"))

# Days past a rule table's last entry (the last key-rate decision, the end of a penalty cap) after which a penalty
# calculation is marked stale and the back office asks staff to update the table (billing_core.rules).
RULES_STALE_DAYS = int(os.environ.get("RULES_STALE_DAYS", "60"))
# A payout not exported by this time (HH:MM, TIME_ZONE) on its legal deadline day (ПП 253 п.6: the working day after
# the money arrived) is flagged at risk: the bank may not execute an order sent later the same day (payments.deadlines).
PAYOUT_EXPORT_CUTOFF = os.environ.get("PAYOUT_EXPORT_CUTOFF", "15:00")
# The back office warns this many days (or fewer) before the loaded production calendar ends (regulations.selectors).
CALENDAR_WARN_DAYS = int(os.environ.get("CALENDAR_WARN_DAYS", "60"))

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "platform" / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = STATE_DIR / "static"
# The web front end (portal_frontend/, built by Vite into dist/) is served under /static/app/ by
# WhiteNoise: straight from dist/ in development, from STATIC_ROOT after collectstatic in production.
FRONTEND_DIST = Path(os.environ.get("FRONTEND_DIST", BASE_DIR / "portal_frontend" / "dist"))
STATICFILES_DIRS = [("app", FRONTEND_DIST)] if FRONTEND_DIST.is_dir() else []
# Outside production WhiteNoise finds dist/ through the static finders when each process starts (no collectstatic
# needed), and re-reads it on every request only with DEBUG (a rebuilt front end otherwise needs a restart).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if not PRODUCTION:
    # STATIC_ROOT exists only after collectstatic, which development and tests do not need
    warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", STATE_DIR / "media"))

# --- object storage ------------------------------------------------------------------------

# ЕПД PDFs and other generated files go through documents.storage: boto3 against S3-compatible
# storage when S3_BUCKET is set, else local disk under MEDIA_ROOT served by signed, expiring links.
# Credentials and region come the way boto3 reads them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
# AWS_DEFAULT_REGION, or an instance role); S3_REGION overrides the region for this bucket only.
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
S3_BUCKET = os.environ.get("S3_BUCKET", "")
S3_REGION = os.environ.get("S3_REGION", "")
# Most S3-compatible servers (MinIO, Ceph) are addressed by path; AWS itself by virtual host.
S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "path" if S3_ENDPOINT_URL else "auto")
# One client per process, shared by threads: its pool bounds parallel uploads.
S3_MAX_POOL_CONNECTIONS = int(os.environ.get("S3_MAX_POOL_CONNECTIONS", "32"))
# Default lifetime of a download link (a presigned URL, or a signed local link), seconds.
S3_LINK_SECONDS = int(os.environ.get("S3_LINK_SECONDS", "300"))
if S3_BUCKET:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": S3_ENDPOINT_URL or None,
                "region_name": S3_REGION or None,
                "addressing_style": S3_ADDRESSING_STYLE if S3_ADDRESSING_STYLE != "auto" else None,
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": S3_LINK_SECONDS,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

# --- e-mail --------------------------------------------------------------------------------

# SMTP when EMAIL_HOST is set (a local sink in tests); the console otherwise.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# EMAIL_FILE_PATH (without EMAIL_HOST): each message as a file in that folder (the browser tests read links there).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend" if EMAIL_FILE_PATH
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "epd@localhost")

# --- online card payments ------------------------------------------------------------------

# The gateway new card payments go through (payments.gateways registry); a domestic acquirer registers
# under its own name. Stripe: STRIPE_API_BASE empty means Stripe itself, or a local fake Stripe
# (localstripe, e.g. http://127.0.0.1:8420) in development and tests.
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "stripe")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# For the card form in the browser (Stripe.js Elements): the publishable key and where Stripe.js is
# loaded from (localstripe serves a stand-in under the same path as js.stripe.com).
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_local" if STRIPE_API_BASE else "")
STRIPE_JS_URL = os.environ.get(
    "STRIPE_JS_URL", f"{STRIPE_API_BASE.rstrip('/')}/js.stripe.com/v3/" if STRIPE_API_BASE else "https://js.stripe.com/v3/"
)
STRIPE_WEBHOOK_TOLERANCE_SECONDS = int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE_SECONDS", "300"))
STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "20"))
STRIPE_MAX_NETWORK_RETRIES = int(os.environ.get("STRIPE_MAX_NETWORK_RETRIES", "2"))
# The most a resident may pay online at once, roubles (a string: money is never a float).
ONLINE_PAYMENT_MAX_AMOUNT = os.environ.get("ONLINE_PAYMENT_MAX_AMOUNT", "500000.00")

# --- GraphQL -------------------------------------------------------------------------------

GRAPHENE = {"SCHEMA": "graphql_api.api.schema", "ATOMIC_MUTATIONS": True}
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "10"))
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "30"))
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "5000"))
GRAPHQL_MAX_BODY_BYTES = int(os.environ.get("GRAPHQL_MAX_BODY_BYTES", str(256 * 1024)))
GRAPHQL_MAX_BATCH = int(os.environ.get("GRAPHQL_MAX_BATCH", "10"))
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", "20000"))
GRAPHQL_INTROSPECTION = os.environ.get("GRAPHQL_INTROSPECTION", "0" if PRODUCTION else "1") == "1"
GRAPHQL_GRAPHIQL = os.environ.get("GRAPHQL_GRAPHIQL", "0" if PRODUCTION else "1") == "1"

# --- Celery --------------------------------------------------------------------------------

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_fs_broker = STATE_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_fs_broker / "queue"),
        "data_folder_out": str(_fs_broker / "queue"),
        "processed_folder": str(_fs_broker / "processed"),
        # broadcasts (worker control, pings) land here, not in the worker's working directory
        "control_folder": str(_fs_broker / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_RESULT_BACKEND = os.environ.get(
    "CELERY_RESULT_BACKEND",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else f"file://{STATE_DIR / 'results'}",
)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(STATE_DIR / "celerybeat-schedule")
from celery.schedules import crontab  # noqa: E402 — used by the schedule only

CELERY_BEAT_SCHEDULE = {
    "platform-heartbeat": {"task": "agentsite.tasks.heartbeat", "schedule": 60.0},
    # the daily payouts (ПП 253 п.6): every day at 07:00 Moscow; the task itself skips days off
    "payments-payouts-build": {"task": "payments.payouts_build", "schedule": crontab(hour=7, minute=0)},
    # uploaded files never imported, deleted once their key has expired (UPLOAD_KEY_SECONDS)
    "imports-staged-uploads-purge": {"task": "imports.staged_uploads_purge", "schedule": 15 * 60.0},
    # debt collection: every principal's register, agreements, restrictions and amnesties, then the monthly
    # campaigns due today (agency.collection.tasks), at 06:00 Moscow, before the payouts
    "collection-daily": {"task": "agentcollection.collection_daily", "schedule": crontab(hour=6, minute=0)},
}
# collection reminders (agency.collection.messaging): the providers by dotted path, and the cabinet's address the
# texts name; the SMS default is the local outbox file (MEDIA_ROOT/outbox/sms.jsonl), the stand-in for a gateway
COLLECTION_SMS_PROVIDER = os.environ.get("COLLECTION_SMS_PROVIDER", "agency.collection.messaging.OutboxSmsProvider")
COLLECTION_EMAIL_PROVIDER = os.environ.get("COLLECTION_EMAIL_PROVIDER",
                                           "agency.collection.messaging.DjangoMailProvider")
COLLECTION_CABINET_URL = os.environ.get("COLLECTION_CABINET_URL", f"https://{PUBLIC_HOST}/")
# task modules not named tasks.py, which autodiscovery does not find
# task modules below an app's own tasks.py, which autodiscovery does not find
# and the API's own (by name: the layers below never import graphql_api)
CELERY_IMPORTS = ("agency.payments.intake.tasks", "agency.payments.payouts.tasks", "graphql_api.imports.tasks")

# --- logging -------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
