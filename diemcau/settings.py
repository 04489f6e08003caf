"""Settings of Điểm Cầu, read only from environment variables (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor as _whitenoise_compressor

import diemcau
from diemcau.env import env_bool, env_float, env_int, env_list, env_required, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
# A server names its environment file (the systemd unit's EnvironmentFile) for
# the commands an administrator runs; a checkout uses .env. Real variables win.
if env_str("DIEMCAU_ENV_FILE"):
    load_env_file(env_str("DIEMCAU_ENV_FILE"), required=True)
else:
    load_env_file(PROJECT_DIR / ".env")
DATA_DIR = Path(env_str("DIEMCAU_DATA_DIR", str(PROJECT_DIR / "var")))
try:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
except OSError as error:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"DIEMCAU_DATA_DIR={str(DATA_DIR)!r} cannot be created: {error}")

DEBUG = env_bool("DEBUG", False)
if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "") or "insecure-development-key-set-SECRET_KEY-in-production"
else:
    SECRET_KEY = env_required("SECRET_KEY", "SECRET_KEY must be set (or DEBUG=1 for development)")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    # Serves the API docs' Swagger UI from its own static files (no CDN on a closed network).
    "ninja",
    "huey.contrib.djhuey",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "diemcau.core",
    "diemcau.accounts",
    "diemcau.inventory",
    "diemcau.standards",
    "diemcau.incidents",
    "diemcau.reviews",
    "diemcau.monitoring",
    "diemcau.meetings",
    "diemcau.reports",
    "diemcau.audit",
]

MIDDLEWARE = [
    # First: whatever any layer answers under /api/ with an error is JSON (diemcau/core/api_support.py).
    "diemcau.core.middleware.ApiErrorsAsJson",
    # A NUL character in an API query or JSON body is a 422 (PostgreSQL text cannot hold it).
    "diemcau.core.middleware.ApiRefusesNul",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "diemcau.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # With a read replica: a client that just wrote reads from the primary for a few seconds.
    "diemcau.core.replica.ReadYourWritesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "diemcau.accounts.middleware.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock page.
    "axes.middleware.AxesMiddleware",
]

# Form widgets render through the project's templates, so one override gives every
# drop-down the same placeholder ("— chọn —", templates/django/forms/widgets/select_option.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

ROOT_URLCONF = "diemcau.urls"
WSGI_APPLICATION = "diemcau.wsgi.application"

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
                "django.template.context_processors.i18n",
                "diemcau.core.context_processors.navigation",
                "diemcau.accounts.context_processors.session_timing",
            ],
        },
    },
]

# Database: SQLite in WAL mode by default, PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "diemcau.sqlite3")}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Whichever way SQLite is named (the default file or DATABASE_URL=sqlite:///…): WAL so readers never
    # wait for the writer, BEGIN IMMEDIATE so two workers queue for the write lock instead of failing
    # with "database is locked" when a read turns into a write, and a busy timeout to queue in.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    })
# A streaming replica of the primary for the heavy reads (docs/deploy.md, "Nhiều máy chủ"): reports,
# exports, the SLA report, the quality board's history and the API's lists read from it through
# diemcau.core.replica; everything else, every write and every worker job use the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    # A replica that does not answer within 2 s is taken as down: reads go to the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests read the replica through the same test database (tests that need the real replica point it there).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["diemcau.core.replica.ReplicaRouter"]
# Past this lag (seconds) the replica is not read; checked at most every REPLICA_CHECK_SECONDS per process.
REPLICA_MAX_LAG_SECONDS = env_float("REPLICA_MAX_LAG_SECONDS", 30.0)
REPLICA_CHECK_SECONDS = env_float("REPLICA_CHECK_SECONDS", 5.0)
# After a request that may write, the same browser (or signed-in user) reads from the primary this long.
READ_YOUR_WRITES_SECONDS = env_int("READ_YOUR_WRITES_SECONDS", 10)
if env_str("DATABASE_TEST_NAME"):
    # Lets several test runs share one PostgreSQL server without colliding.
    DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "diemcau.accounts.hashers.ProvinceArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Passwords (OWASP ASVS 4 §2.1; docs/security.md compares with the Vietnamese level-2 rules):
# a length floor that is lower for accounts with two-step verification, a list of
# common and breached passwords, similarity to the account's own data; no composition
# rules and no forced rotation unless PASSWORD_POLICY=strict asks for the stricter variant.
PASSWORD_MIN_LENGTH_MFA = env_int("PASSWORD_MIN_LENGTH_MFA", 8)
PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 14)
PASSWORD_POLICY = env_str("PASSWORD_POLICY", "asvs")
if PASSWORD_POLICY not in {"asvs", "strict"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"PASSWORD_POLICY must be asvs or strict, got {PASSWORD_POLICY!r}")
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90 if PASSWORD_POLICY == "strict" else 0)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email", "phone")}},
    {"NAME": "diemcau.accounts.passwords.LengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "diemcau.accounts.passwords.LocalCommonPasswordValidator"},
    *([{"NAME": "diemcau.accounts.passwords.CompositionValidator"}] if PASSWORD_POLICY == "strict" else []),
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Brute force (docs/security.md): django-axes locks an account after LOGIN_FAILURE_LIMIT
# failed sign-ins for LOGIN_LOCK_MINUTES (0: until an administrator lifts it), counted in
# the database so every web process sees the same count. Per address, the sign-in page
# and the API's bearer tokens refuse (429) after *_IP_LIMIT failures within the window.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCK_MINUTES", 30)) or None
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # the audit log records every sign-in
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_CLIENT_IP_CALLABLE = "diemcau.lib.net.client_ip"
AXES_LOCKOUT_CALLABLE = "diemcau.accounts.views.locked_out"
AXES_VERBOSE = False
# axes.W006 wants the address in the lock key; the address is throttled separately (below),
# with its own limit, so one office behind one address is not locked out by one user.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
LOGIN_IP_LIMIT = env_int("LOGIN_IP_LIMIT", 20)
LOGIN_IP_WINDOW_MINUTES = env_int("LOGIN_IP_WINDOW_MINUTES", 15)
API_TOKEN_IP_LIMIT = env_int("API_TOKEN_IP_LIMIT", 20)
API_TOKEN_IP_WINDOW_MINUTES = env_int("API_TOKEN_IP_WINDOW_MINUTES", 15)

# Two-step verification (django-otp: TOTP and recovery codes). Required for these roles;
# anyone may turn it on. Creating an API token needs a verification within MFA_RECENT_MINUTES.
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", ["dost_admin"])
MFA_RECENT_MINUTES = env_int("MFA_RECENT_MINUTES", 10)
MFA_ISSUER = env_str("MFA_ISSUER", "Điểm Cầu")
OTP_TOTP_ISSUER = MFA_ISSUER

# Sessions: ended after SESSION_IDLE_MINUTES without activity (SESSION_IDLE_ADMIN_MINUTES
# for the roles in SESSION_ADMIN_ROLES) and after SESSION_MAX_HOURS in any case; a wall
# display account (User.is_wall_display) is exempt. Accounts with no activity for
# ACCOUNT_IDLE_DAYS are disabled by a nightly job (0 turns it off).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 15)
SESSION_IDLE_ADMIN_MINUTES = env_int("SESSION_IDLE_ADMIN_MINUTES", 5)
SESSION_ADMIN_ROLES = env_list("SESSION_ADMIN_ROLES", ["dost_admin"])
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 60)
ACCOUNT_IDLE_DAYS = env_int("ACCOUNT_IDLE_DAYS", 45)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "inventory:overview"
LOGOUT_REDIRECT_URL = "accounts:login"
# The cookie outlives no session rule: the middleware ends sessions first (see above).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", SESSION_MAX_HOURS * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", BEHIND_TLS_PROXY)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", BEHIND_TLS_PROXY)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
# How many reverse proxies append to X-Forwarded-For in front of the app (nginx: 1).
# The client address (audit log, throttles) is read that many entries from the end.
PROXY_COUNT = env_int("PROXY_COUNT", 1 if BEHIND_TLS_PROXY else 0)

# Security headers (docs/security.md lists what the app sends; nginx adds nothing that
# contradicts them). Content-Security-Policy: scripts, styles, fonts and images from this
# server only — no inline script anywhere (behaviour sits in static files, data in
# data-* attributes or json_script). Style *attributes* stay allowed: server-computed bar
# widths use them, and an attribute cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS is sent only on requests that arrived over TLS (Django checks request.is_secure()),
# so a plain-HTTP demo never pins the browser. Production: BEHIND_TLS_PROXY=1 (docs/deploy.md).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind the TLS proxy, plain HTTP is redirected (nginx does it first; this is the second line)
# and cookies are sent over TLS only. /healthz stays reachable over HTTP for local probes.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", BEHIND_TLS_PROXY)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Vietnamese first, English available; stored in UTC, shown in Hanoi time.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = diemcau.TIME_ZONE
USE_TZ = True
FORMAT_MODULE_PATH = ["diemcau.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024)
# What an uploaded workbook may hold, checked before it is parsed (diemcau/lib/spreadsheet.py).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 100_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 64)
IMPORT_MAX_UNPACKED_BYTES = env_int("IMPORT_MAX_UNPACKED_BYTES", 256 * 1024 * 1024)
IMPORT_MAX_PART_BYTES = env_int("IMPORT_MAX_PART_BYTES", 32 * 1024 * 1024)
# Files above this size are checked and imported by the worker, with progress on the page.
IMPORT_BACKGROUND_BYTES = env_int("IMPORT_BACKGROUND_BYTES", 512 * 1024)

# Static files: compressed (gzip, brotli) with hashed names and cached for a year by
# whitenoise, as collected by `collectstatic` (make run does it). With DEBUG the files
# are served straight from the source folders instead, so edits show at once.
# Source maps (5 MB of the API docs' 9) are for developers' tools only: not worth compressing at every start.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*_whitenoise_compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Background jobs: huey with SQLite storage by default, Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL", "")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        # huey's own class, except that each periodic job is queued once per period by one of the
        # workers however many run (diemcau/core/hueys.py).
        "huey_class": "diemcau.core.hueys.PriorityRedisHuey",
        "name": env_str("HUEY_NAME", "diemcau"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("WORKER_THREADS", 4), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "diemcau",
        "filename": str(DATA_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("WORKER_THREADS", 4), "worker_type": "thread"},
    }

CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)

# E-mail (SMTP).
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "diemcau@localhost")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
# Where the file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend,
# what `make run` uses) writes each message.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))

# The outbox (core.outbox): e-mail and webhook attempts (1, 2, 4 … minutes apart, at most an
# hour) before a delivery is given up; the webhook receiver's time to answer. The INCIDENT_*
# names of earlier versions are still read.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", env_int("INCIDENT_DELIVERY_MAX_ATTEMPTS", 8))
OUTBOX_WEBHOOK_TIMEOUT = env_int("OUTBOX_WEBHOOK_TIMEOUT", env_int("INCIDENT_WEBHOOK_TIMEOUT", 10))

# Stability verdict (standards app): how many failed / warned requirements,
# unknowns, drifted settings and degraded core devices make a site unstable
# or unfit. The rule itself is diemcau.standards.verdict.decide.
VERDICT_UNFIT_FAILS = env_int("VERDICT_UNFIT_FAILS", 3)
VERDICT_UNSTABLE_FAILS = env_int("VERDICT_UNSTABLE_FAILS", 1)
VERDICT_UNSTABLE_WARNS = env_int("VERDICT_UNSTABLE_WARNS", 3)
VERDICT_UNKNOWN_LIMIT = env_int("VERDICT_UNKNOWN_LIMIT", 4)
VERDICT_DRIFT_FIELDS = env_int("VERDICT_DRIFT_FIELDS", 3)
VERDICT_DEGRADED_DEVICES = env_int("VERDICT_DEGRADED_DEVICES", 1)

# Incidents: the province's working hours (SLA clocks outside 24/7 cases),
# repeat detection (R10), findings for the verdict, notification delivery.
INCIDENT_WORK_HOURS = env_str("INCIDENT_WORK_HOURS", "07:00-11:30,13:30-17:00")
INCIDENT_REPEAT_COUNT = env_int("INCIDENT_REPEAT_COUNT", 3)
INCIDENT_REPEAT_DAYS = env_int("INCIDENT_REPEAT_DAYS", 30)
INCIDENT_REPEAT_GAP_MINUTES = env_int("INCIDENT_REPEAT_GAP_MINUTES", 60)
INCIDENT_LIVE_REFRESH_SECONDS = env_int("INCIDENT_LIVE_REFRESH_SECONDS", 60)
INCIDENT_UNSTABLE_COUNT = env_int("INCIDENT_UNSTABLE_COUNT", 3)
INCIDENT_UNSTABLE_DAYS = env_int("INCIDENT_UNSTABLE_DAYS", 30)

# Monitoring: retention, alert patterns, the agents' targets, device polling.
MONITORING_RAW_DAYS = env_int("MONITORING_RAW_DAYS", 7)
MONITORING_MAX_AGE_DAYS = env_int("MONITORING_MAX_AGE_DAYS", 30)
# Of one agent result, only the fields the contract names are stored, and at most this many bytes of them.
MONITORING_MAX_RESULT_BYTES = env_int("MONITORING_MAX_RESULT_BYTES", 4096)
MONITORING_MINUTE_ROLLUP_DAYS = env_int("MONITORING_MINUTE_ROLLUP_DAYS", 35)
MONITORING_HOUR_ROLLUP_DAYS = env_int("MONITORING_HOUR_ROLLUP_DAYS", 400)
MONITORING_DAY_ROLLUP_DAYS = env_int("MONITORING_DAY_ROLLUP_DAYS", 3650)
MONITORING_RAISE_K = env_int("MONITORING_RAISE_K", 3)
MONITORING_RAISE_N = env_int("MONITORING_RAISE_N", 5)
MONITORING_CLEAR_ROUNDS = env_int("MONITORING_CLEAR_ROUNDS", 5)
MONITORING_DEVICE_RAISE_K = env_int("MONITORING_DEVICE_RAISE_K", 2)
MONITORING_DEVICE_RAISE_N = env_int("MONITORING_DEVICE_RAISE_N", 3)
MONITORING_DEVICE_CLEAR_ROUNDS = env_int("MONITORING_DEVICE_CLEAR_ROUNDS", 2)
MONITORING_SILENCE_MINUTES = env_int("MONITORING_SILENCE_MINUTES", 10)
MONITORING_TREND_CLEAR_HOURS = env_int("MONITORING_TREND_CLEAR_HOURS", 6)
MONITORING_CALL_RAISE_WINDOWS = env_int("MONITORING_CALL_RAISE_WINDOWS", 3)
MONITORING_CALL_CLEAR_WINDOWS = env_int("MONITORING_CALL_CLEAR_WINDOWS", 6)
MONITORING_MOS_WARN = env_float("MONITORING_MOS_WARN", 3.6)
MONITORING_MOS_FAIL = env_float("MONITORING_MOS_FAIL", 3.1)
MONITORING_METRICS_TOKEN = env_str("MONITORING_METRICS_TOKEN", "")
MONITORING_REFLECTOR = env_str("MONITORING_REFLECTOR", "")
MONITORING_PLATFORM_HOST = env_str("MONITORING_PLATFORM_HOST", "")
MONITORING_AGENT_INTERVAL_S = env_int("MONITORING_AGENT_INTERVAL_S", 0) or None
MONITORING_POLL_CONCURRENCY = env_int("MONITORING_POLL_CONCURRENCY", 2000)
MONITORING_SIP_TIMEOUT_S = env_float("MONITORING_SIP_TIMEOUT_S", 8.0)
MONITORING_IF_ERRORS_FAULT = env_int("MONITORING_IF_ERRORS_FAULT", 1000)
MONITORING_STABILITY_DAYS = env_int("MONITORING_STABILITY_DAYS", 14)
MONITORING_UNSTABLE_BAD_PCT = env_float("MONITORING_UNSTABLE_BAD_PCT", 5.0)
MONITORING_UNFIT_BAD_PCT = env_float("MONITORING_UNFIT_BAD_PCT", 25.0)

# Meetings: the agents' fast window, how fresh measured check items must be, chasing, the verdict, training.
MEETINGS_AGENT_LEAD_MINUTES = env_int("MEETINGS_AGENT_LEAD_MINUTES", 120)
MEETINGS_EVIDENCE_MINUTES = env_int("MEETINGS_EVIDENCE_MINUTES", 10)
MEETINGS_CHASE_HEAD_MINUTES = env_int("MEETINGS_CHASE_HEAD_MINUTES", 15)
MEETINGS_UNSTABLE_DAYS = env_int("MEETINGS_UNSTABLE_DAYS", 60)
MEETINGS_UNSTABLE_COUNT = env_int("MEETINGS_UNSTABLE_COUNT", 3)
MEETINGS_TRAINING_DAYS = env_int("MEETINGS_TRAINING_DAYS", 180)
MEETINGS_TRAINING_OPERATION_COUNT = env_int("MEETINGS_TRAINING_OPERATION_COUNT", 2)

# Photos people attach (incident reports, review evidence): one limit for all.
UPLOAD_PHOTO_MAX_BYTES = env_int("UPLOAD_PHOTO_MAX_BYTES", env_int("REVIEW_PHOTO_MAX_BYTES", 8 * 1024 * 1024))

# Reports (see docs/reports.md): the province named in documents, LibreOffice for PDFs.
PROVINCE_NAME = env_str("PROVINCE_NAME", "Cao Bằng")
SOFFICE_PATH = env_str("SOFFICE_PATH", "")
PDF_TIMEOUT_SECONDS = env_int("PDF_TIMEOUT_SECONDS", 120)
REPORTS_CHASE_DAYS = env_int("REPORTS_CHASE_DAYS", 7)

# Backups (diemcau backup): where, how long, what else, and the off-server copy.
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(DATA_DIR / "backups")))
BACKUP_KEEP_DAYS = env_int("BACKUP_KEEP_DAYS", 30)
BACKUP_INCLUDE = env_list("BACKUP_INCLUDE", [])
BACKUP_COPY_COMMAND = env_str("BACKUP_COPY_COMMAND", "")

# Lists.
PAGE_SIZE = env_int("PAGE_SIZE", 50)
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 200_000)

# Audit log: how long rows are kept (the prune runs daily) and an optional
# syslog destination ("udp:HOST:PORT", "tcp:HOST:PORT" or a socket path such as /dev/log).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 92)
AUDIT_SYSLOG_ADDRESS = env_str("AUDIT_SYSLOG_ADDRESS", "")


def _syslog_handler(address: str) -> dict:
    import socket

    from django.core.exceptions import ImproperlyConfigured

    if address.startswith(("udp:", "tcp:")):
        proto, host, port = address.split(":", 2) if address.count(":") >= 2 else (address, "", "")
        if not host or not port.isdigit():
            raise ImproperlyConfigured(f"AUDIT_SYSLOG_ADDRESS must be udp:HOST:PORT, tcp:HOST:PORT or a path, got {address!r}")
        kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
        return {"class": "logging.handlers.SysLogHandler", "address": (host, int(port)), "socktype": kind,
                "facility": "auth", "formatter": "audit"}
    return {"class": "logging.handlers.SysLogHandler", "address": address, "facility": "auth", "formatter": "audit"}


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s", "datefmt": "%Y-%m-%dT%H:%M:%S%z"},
        "audit": {"format": "diemcau-audit: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        **({"audit_syslog": _syslog_handler(AUDIT_SYSLOG_ADDRESS)} if AUDIT_SYSLOG_ADDRESS else {}),
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Every sign-in is in the audit log already; axes' own lines would repeat them.
        "axes": {"level": "WARNING"},
        # With a handler of its own configured here, huey's consumer adds none (no duplicate lines).
        # `diemcau run` (make run) sets HUEY_LOG_LEVEL=WARNING: no line per periodic job.
        "huey": {"handlers": ["console"], "level": env_str("HUEY_LOG_LEVEL", env_str("LOG_LEVEL", "INFO")),
                 "propagate": False},
        # One JSON line per audit event, on the console and, when configured, to the log server.
        "diemcau.audit": {
            "handlers": ["console", *(["audit_syslog"] if AUDIT_SYSLOG_ADDRESS else [])],
            "level": "INFO", "propagate": False,
        },
    },
}
