"""Settings read from the environment.

DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG and ALLOWED_HOSTS are the knobs an
operator sets (docs/deploy.md lists them all); everything else is fixed here.
Without DATABASE_URL the project runs on a local SQLite file, tuned for a web
server and a job worker writing at once; without REDIS_URL the job queue lives
in the same database.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("POSVENTA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError as err:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from err


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_q",
    "posventa.common.third_party.AxesConfig",
    "auditlog",
    "posventa.common",
    "posventa.accounts",
    "posventa.customers",
    "posventa.catalog",
    "posventa.inventory",
    "posventa.billing",
    "posventa.workorders",
    "posventa.integrations",
    "posventa.outbox",
    "posventa.claims",
    "posventa.calls",
    "posventa.indicators",
    "posventa.campaigns",
    "posventa.collections",
    "posventa.reviews",
    "posventa.visits",
    "posventa.imports",
    "posventa.search",
    "posventa.channels",
    "posventa.engine",
    "posventa.cases",
    "posventa.procedures",
    "posventa.api",
    "posventa.events",
    "posventa.tmf",
    "posventa.web",
    "posventa.demo",
]

MIDDLEWARE = [
    # First: every request gets its id and its log line, whatever happens below.
    "posventa.common.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # A NUL byte in the path, query, form or cookies is a Spanish 400 before
    # anything (the session lookup included) hands it to PostgreSQL.
    "posventa.common.input_guard.NulByteMiddleware",
    # The database out of reach is a Spanish 503 (JSON under /api/), not a
    # 500: it wraps the session and authentication middleware, which read it first.
    "posventa.common.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "posventa.common.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # auditlog's, with the client's address as the lockouts see it and the request id.
    "posventa.common.audit.AuditMiddleware",
    # Last, as django-axes asks: it turns a lockout into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "posventa.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite: WAL lets the web server read while the worker writes; IMMEDIATE
# transactions take the write lock up front, so two writers queue on the busy
# timeout instead of failing half-way with "database is locked".
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Connections are kept a minute and checked before reuse: after a database
    # restart the first request of each process reconnects instead of failing.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "posventa.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: PostgreSQL compiles any query its planner costs high (a month's
    # indicators over a large history), which costs more than it saves on
    # queries of tens of milliseconds (docs/indicators.md, "Speed").
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
# OWASP ASVS level 2: at least 12 characters, not a common password, not only digits.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "America/La_Paz"
USE_TZ = True
FORMAT_MODULE_PATH = ["posventa.web.formats"]

# --- Static files ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns without it

# --- Jobs -----------------------------------------------------------------
# django-q2 on the ORM broker by default: the queue lives in the same
# database, nothing else to start. With REDIS_URL the queue moves to Redis
# (production, several workers); jobs are then enqueued once the transaction
# that asked for them commits (`transaction.on_commit`), so a rolled-back
# change never runs its job. Schedules live in the database either way and
# are written by `manage.py schedules` (posventa/common/schedules.py).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
Q_CLUSTER = {
    "name": "posventa",
    "workers": env_int("WORKER_CONCURRENCY", 2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "label": "Trabajos",
    # Successful jobs kept in the admin's "Trabajos" (django-q2: 0 keeps all).
    "save_limit": env_int("POSVENTA_Q_SAVE_LIMIT", 250),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# The readiness URL reports the worker missing when its heartbeat (a job every
# minute) is older than this.
POSVENTA_WORKER_HEARTBEAT_MAX_SECONDS = env_int("POSVENTA_WORKER_HEARTBEAT_MAX_SECONDS", 300)
# The month's proformas run as jobs of this many customers each, spread over
# the worker's processes (docs/operations.md).
POSVENTA_PROFORMA_CHUNK = env_int("POSVENTA_PROFORMA_CHUNK", 100)

# --- Cache -------------------------------------------------------------------
# What is kept a little while to spare a recount (the dashboard's ended
# months: indicators.selectors.TREND_CACHE_SECONDS): shared by every process
# through Redis when there is one, else in each process's memory (Django's
# default). A cache that does not answer is counted around, never a 500.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "posventa",
            # A stopped Redis refuses at once; an unreachable one is given up
            # after half a second per call (the trend makes two).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

# --- Backups (docs/operations.md, "Backup and restore") --------------------
# `manage.py backup` writes here; the nightly job keeps the newest N.
POSVENTA_BACKUP_DIR = Path(os.environ.get("POSVENTA_BACKUP_DIR", VAR_DIR / "backups"))
POSVENTA_BACKUP_KEEP = env_int("POSVENTA_BACKUP_KEEP", 7)

# --- Security (docs/deploy.md, "Hardening") -------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Served over HTTPS: on by default when DEBUG is off (production sits behind a
# TLS proxy). Cookies then travel only over HTTPS, browsers are told to use
# HTTPS for a year (HSTS) and a plain-HTTP request is redirected.
HTTPS = env_bool("POSVENTA_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
# The load balancer asks the health URLs over plain HTTP on the private side.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
SECURE_HSTS_SECONDS = env_int("POSVENTA_HSTS_SECONDS", 31_536_000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("POSVENTA_HSTS_PRELOAD", default=HTTPS)
# Trust the proxy's X-Forwarded-Proto only when told the app sits behind one:
# anywhere else a client could claim HTTPS by sending the header itself.
POSVENTA_BEHIND_TLS_PROXY = env_bool("POSVENTA_BEHIND_TLS_PROXY")
if POSVENTA_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# Sessions end after this much inactivity (SessionIdleTimeoutMiddleware keeps
# an active one alive); a password change ends the user's other sessions
# (Django checks the session's password hash on every request).
SESSION_COOKIE_AGE = env_int("POSVENTA_SESSION_IDLE_HOURS", 8) * 3600
PASSWORD_RESET_TIMEOUT = 3600

# Uploads: judged by their content (posventa/common/uploads.py), at most this size.
POSVENTA_UPLOAD_MAX_BYTES = env_int("POSVENTA_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640

# Content-Security-Policy (django-csp): scripts only from our own origin,
# never inline. Styles allow inline attributes: progress bars set their width
# and htmx and bpmn-js inject their own style rules at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Integrations ---------------------------------------------------------
# Network feasibility (procedure C): the built-in coverage table unless a real
# network integration is named here (a class with `check(*, address, zone, neighbourhood)`).
POSVENTA_FEASIBILITY_ADAPTER = os.environ.get(
    "POSVENTA_FEASIBILITY_ADAPTER", "posventa.integrations.feasibility.CoverageTable"
)
# Call records (procedure G): the stored call records unless a real switch /
# POYOLOG integration is named here (a class with `calls(*, service_number, source, month)`).
POSVENTA_CALL_RECORDS_ADAPTER = os.environ.get(
    "POSVENTA_CALL_RECORDS_ADAPTER", "posventa.calls.adapters.StoredCallRecords"
)
# Help Desk (procedure E): the built-in diagnosis record the technical analyst
# fills unless a real Help Desk is named here (a class with `readings(*, product)`
# and `record(*, product, work_order, readings, analyst)`).
POSVENTA_HELPDESK_ADAPTER = os.environ.get(
    "POSVENTA_HELPDESK_ADAPTER", "posventa.integrations.helpdesk.DiagnosisRecords"
)

# The commercial system (Smartflex), the record of the portfolio:
# - imports: files as it exports them (companies, products, invoices…); the
#   daily extracts it drops in this folder (a local path or a mounted share)
#   are taken once each by a scheduled job (docs/commercial-system.md);
# - hand back: every change a case makes that the manual has "digitado" in it
#   goes out through this adapter. "standalone": Posventa's own tables are the
#   record and each change is confirmed as it is made; "files": one Excel per
#   day and kind of change in the outbound folder, confirmed by the files the
#   commercial system leaves in the confirmations folder.
POSVENTA_IMPORT_SYNC_DIR = Path(
    os.environ.get("POSVENTA_IMPORT_SYNC_DIR", VAR_DIR / "commercial" / "extracts")
)
# Rows a file may have; larger files are refused before anything is read.
POSVENTA_IMPORT_MAX_ROWS = env_int("POSVENTA_IMPORT_MAX_ROWS", 3_000_000)
POSVENTA_IMPORT_MAX_BYTES = env_int("POSVENTA_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
POSVENTA_COMMERCIAL_ADAPTER = os.environ.get(
    "POSVENTA_COMMERCIAL_ADAPTER", "posventa.integrations.commercial.Standalone"
)
POSVENTA_COMMERCIAL_OUTBOUND_DIR = Path(
    os.environ.get("POSVENTA_COMMERCIAL_OUTBOUND_DIR", VAR_DIR / "commercial" / "outbound")
)
POSVENTA_COMMERCIAL_CONFIRMATIONS_DIR = Path(
    os.environ.get(
        "POSVENTA_COMMERCIAL_CONFIRMATIONS_DIR", VAR_DIR / "commercial" / "confirmations"
    )
)

# --- Process models ------------------------------------------------------------
# CPU time one expression of a BPMN/DMN model may take before its step stops
# with a clear error (docs/engine.md, "Bounds on expressions").
POSVENTA_EXPRESSION_BUDGET_MS = env_int("POSVENTA_EXPRESSION_BUDGET_MS", 50)

# --- Indicators (docs/indicators.md) -------------------------------------------
# Whether the 24 hours of timeliness leave out the time a case waited for the
# customer (default: no, as the manual's formula reads).
POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT = env_bool("POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT")
# The 24-hour watch warns the owner and the team lead this many hours after reception.
POSVENTA_ATTENTION_WARNING_HOURS = float(os.environ.get("POSVENTA_ATTENTION_WARNING_HOURS", "18"))

# --- Documents (PDF) -----------------------------------------------------------
# The letterhead of every PDF: the operator's name and, optionally, its logo
# (a PNG or SVG file on this machine). Paper: Letter, as used in Bolivia.
POSVENTA_OPERATOR_NAME = os.environ.get("POSVENTA_OPERATOR_NAME", "COMTECO R.L.")
POSVENTA_OPERATOR_LOGO = os.environ.get("POSVENTA_OPERATOR_LOGO", "")

# --- Webhooks (docs/tmf.md, "Events") -----------------------------------------
# A subscriber's callback on a private, loopback or link-local address is
# refused (SSRF) unless this is on: for a test receiver on this machine, or a
# listener inside the operator's own network.
POSVENTA_WEBHOOK_ALLOW_PRIVATE = env_bool("POSVENTA_WEBHOOK_ALLOW_PRIVATE")
# Where the telecom's systems reach Posventa (https://posventa.example): the
# links inside the webhooks' bodies, built without a request, are absolute on
# it; without it they are relative (/tmf-api/…).
POSVENTA_PUBLIC_URL = os.environ.get("POSVENTA_PUBLIC_URL", "").rstrip("/")

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Posventa Empresas <posventa@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The SMTP relay in production (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 30
if os.environ.get("EMAIL_FILE_PATH"):  # the file backend, for a smoke test
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]

# --- Channels (posventa/channels; docs/channels.md) ------------------------------
# The team's mailbox, read over IMAP (IDLE where the server offers it, else the
# every-minute job). Unset host: no mailbox is read, everything else works.
POSVENTA_IMAP_HOST = os.environ.get("POSVENTA_IMAP_HOST", "").strip()
POSVENTA_IMAP_PORT = env_int("POSVENTA_IMAP_PORT", 993)
POSVENTA_IMAP_SSL = env_bool("POSVENTA_IMAP_SSL", True)
POSVENTA_IMAP_USER = os.environ.get("POSVENTA_IMAP_USER", "")
POSVENTA_IMAP_PASSWORD = os.environ.get("POSVENTA_IMAP_PASSWORD", "")
POSVENTA_IMAP_FOLDER = os.environ.get("POSVENTA_IMAP_FOLDER", "INBOX")
# WhatsApp Business Cloud API. Unset phone number id: no WhatsApp, customers
# who prefer it are written to by e-mail.
WHATSAPP_PHONE_NUMBER_ID = os.environ.get("WHATSAPP_PHONE_NUMBER_ID", "").strip()
WHATSAPP_TOKEN = os.environ.get("WHATSAPP_TOKEN", "")
WHATSAPP_APP_SECRET = os.environ.get("WHATSAPP_APP_SECRET", "")
WHATSAPP_VERIFY_TOKEN = os.environ.get("WHATSAPP_VERIFY_TOKEN", "")
WHATSAPP_API_URL = os.environ.get("WHATSAPP_API_URL", "https://graph.facebook.com/v21.0").rstrip(
    "/"
)

# --- Audit trail (django-auditlog; posventa/common/audit.py says what is audited) ---
AUDITLOG_CID_GETTER = "posventa.common.audit.request_id"

# --- Login throttling (django-axes) ----------------------------------------------
# After this many failed logins of one username from one address, that pair is
# locked out until the cool-off ends or someone unlocks it in the admin
# ("Axes › Access attempts"). Failed API tokens are throttled the same way
# (posventa/api/throttle.py).
AXES_FAILURE_LIMIT = env_int("POSVENTA_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("POSVENTA_LOGIN_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address: X-Forwarded-For only behind the TLS proxy (posventa/accounts/lockout.py).
AXES_CLIENT_IP_CALLABLE = "posventa.accounts.lockout.client_ip_address"
# A locked-out login answers 429 with the site's page and a Spanish message.
AXES_LOCKOUT_CALLABLE = "posventa.accounts.lockout.lockout_response"

# --- Logs: one JSON line per request and per record, to stdout ---------------------
# LOG_FORMAT=text gives lines for a person's terminal (the default with DEBUG on).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "posventa.common.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "filters": {"request_id": {"()": "posventa.common.logs.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # SpiffWorkflow logs every task state change at INFO.
    "loggers": {
        "spiff": {"level": "WARNING"},
        # WeasyPrint narrates every PDF at INFO; its warnings (and those of
        # fontTools, which subsets the fonts where HarfBuzz's subsetter is
        # missing) are about fonts and CSS, not errors: on a laptop they go to
        # var/log/documents.log instead of the terminal (LOGGING below).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # RequestLogMiddleware writes the one line per request; Django's own
        # request logger keeps only the tracebacks of server errors.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
if LOG_FORMAT == "text":
    (VAR_DIR / "log").mkdir(parents=True, exist_ok=True)
    LOGGING["handlers"]["documents"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": VAR_DIR / "log" / "documents.log",
        "maxBytes": 1024 * 1024,
        "backupCount": 1,
        "formatter": "text",
        "delay": True,
    }
    for _name in ("weasyprint", "fontTools"):
        LOGGING["loggers"][_name].update(handlers=["documents"], propagate=False)
