"""Settings read from the environment.

DATABASE_URL, SECRET_KEY, DEBUG and ALLOWED_HOSTS are the knobs an operator
sets; everything else is fixed here. Without DATABASE_URL the project runs on
a local SQLite file, tuned for a web server and a job worker writing at once.
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
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
    "posventa.engine",
    "posventa.cases",
    "posventa.procedures",
    "posventa.api",
    "posventa.web",
    "posventa.demo",
]

MIDDLEWARE = [
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
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
# django-q2 on the ORM broker: the queue lives in the same database, so
# enqueuing a job commits or rolls back with the change that asked for it.
Q_CLUSTER = {
    "name": "posventa",
    "orm": "default",
    "workers": 2,
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "label": "Trabajos",
}

# --- Security -------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

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

# --- Indicators (docs/indicators.md) -------------------------------------------
# Whether the 24 hours of timeliness leave out the time a case waited for the
# customer (default: no, as the manual's formula reads).
POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT = env_bool("POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT")
# The 24-hour watch warns the owner and the team lead this many hours after reception.
POSVENTA_ATTENTION_WARNING_HOURS = float(os.environ.get("POSVENTA_ATTENTION_WARNING_HOURS", "18"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Posventa Empresas <posventa@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # SpiffWorkflow logs every task state change at INFO.
    "loggers": {
        "spiff": {"level": "WARNING"},
        # WeasyPrint narrates every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
