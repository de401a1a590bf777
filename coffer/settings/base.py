"""Settings shared by every environment. Read the environment through strict helpers."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "accounts",
    "vault",
    "records",
    "web",
    "sharing",
    "corrections",
    "files",
    "uploads",
    "consistency",
    "erasure",
    "notify",
    "access",
    "exports",
    "imports",
    "reminders",
    # Accounts (docs/accounts.md): allauth's sign-up, sign-in, email, password and sessions,
    # its second factors, and its headless API for apps that sign in without a browser.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.headless",
]

MIDDLEWARE = [
    # First: everything after it (throttles, the audit log) sees the client's address in REMOTE_ADDR.
    "coffer.proxies.ClientAddressMiddleware",
    "coffer.health.HealthCheckMiddleware",
    # Before anything reads the body: Django's own int() of a bad Content-Length is a 500.
    "coffer.inputs.ContentLengthMiddleware",
    # allauth's headless API parses bodies without a depth guard: refuse what it would choke on.
    "accounts.middleware.HeadlessBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # After both: staff without a second factor are sent to set one up before the admin.
    "accounts.middleware.AdminSecondFactorMiddleware",
    # Inside the security headers, so its page gets the CSP like every page.
    "coffer.middleware.SecurityHeadersMiddleware",
    "web.middleware.MethodNotAllowedPageMiddleware",
]

ROOT_URLCONF = "coffer.urls"
WSGI_APPLICATION = "coffer.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'coffer.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first: new and upgraded passwords are hashed with Argon2id.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Accounts through django-allauth (docs/accounts.md). People sign up with an address and a
# password; the username is made from the address and works for signing in too.
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
# "mandatory" in production: no sign-in, so no vault, before the address is verified.
# `make run` sets "optional" (the link still prints to the console).
ACCOUNT_EMAIL_VERIFICATION = env.str("COFFER_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Coffer: "
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_FORMS = {"login": "accounts.forms.LoginForm"}
# Per address and per account (key): failed sign-ins, sign-ups, resets and mails.
ACCOUNT_RATE_LIMITS = {
    "login": env.str("COFFER_RATE_LOGIN", default="30/m/ip"),
    "login_failed": env.str("COFFER_RATE_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": env.str("COFFER_RATE_SIGNUP", default="20/m/ip"),
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
MFA_ADAPTER = "accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Coffer"
# One 30-second step either way (RFC 6238 §5.2): a code typed as its period ends still works
# when it arrives. allauth marks a used code for the whole window, so none is taken twice.
MFA_TOTP_TOLERANCE = 1
MFA_RECOVERY_CODE_COUNT = 10
# Shown once; web/views/accounts.py adds one download while they are shown.
MFA_RECOVERY_CODES_SHOW_ONCE = True
# WebAuthn needs https except on localhost; `make run` and the tests serve plain http there.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("COFFER_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=False)
USERSESSIONS_TRACK_ACTIVITY = True
# The API: allauth's headless flows for browsers and apps, beside the web pages.
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("browser", "app")
HEADLESS_SERVE_SPECIFICATION = False

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploads: never let Django spool a body to disk (DESIGN §1). Files have their own
# encrypting upload handler; everything else is small and stays in memory.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("COFFER_MAX_FORM_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("COFFER_MAX_REQUEST_BYTES", default=2 * 1024 * 1024)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("REDIS_URL", default="redis://127.0.0.1:6379/0"),
        "KEY_PREFIX": "coffer",
        # JSON, never pickle: see coffer/cache.py.
        "OPTIONS": {"serializer": "coffer.cache.JSONSerializer"},
    }
}

# Mail (sign-up and notification mails, notify/mails.py): printed to the console unless
# EMAIL_URL names an SMTP server, e.g. smtp+tls://user:password@mail.example:587.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("COFFER_FROM_EMAIL", default="Coffer <coffer@localhost>")
# Seconds a dead or slow SMTP server may hold the request whose mail it is.
EMAIL_TIMEOUT = env.int("COFFER_EMAIL_TIMEOUT", default=10)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Strict"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.HasScope",
    ],
    "DEFAULT_PARSER_CLASSES": ["coffer.limits.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "coffer.api.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("COFFER_THROTTLE_LOGIN", default="20/min"),
        "token": env.str("COFFER_THROTTLE_TOKEN", default="20/min"),
        "unlock": env.str("COFFER_THROTTLE_UNLOCK", default="30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles key anonymous clients by REMOTE_ADDR, which coffer.proxies.ClientAddressMiddleware
    # has already set by the COFFER_TRUSTED_PROXIES rule: DRF must not read X-Forwarded-For itself.
    "NUM_PROXIES": 0,
}

# Reverse proxies whose X-Forwarded-For is believed (CIDRs or addresses, comma-separated; docs/deploy.md).
# Empty: nobody's, and every client is known by its TCP peer address.
COFFER_TRUSTED_PROXIES = env.list("COFFER_TRUSTED_PROXIES", default=[])
if "COFFER_NUM_PROXIES" in env.ENVIRON:
    raise ImproperlyConfigured("COFFER_NUM_PROXIES is gone: list your proxies in COFFER_TRUSTED_PROXIES (docs/deploy.md).")

SPECTACULAR_SETTINGS = {
    "TITLE": "Coffer API",
    "DESCRIPTION": "An encrypted personal-data vault. Every error body is {code, detail}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Deep links put an <a> inside each operation's <button> (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "defaultModelsExpandDepth": 0, "tryItOutEnabled": False},
    "ENUM_NAME_OVERRIDES": {
        "RecordKindEnum": "records.schemas.KIND_NAMES",
        # One name for the scan roles, whether a field is called `role` or `scan_role`.
        "RoleEnum": "records.schemas.base.SCAN_ROLES",
        "CorrectionStateEnum": ["open", "resolved"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "coffer.api.schema_docs.group_and_summarise",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("COFFER_LOG_LEVEL", default="INFO")},
}

# Celery: JSON only, late acks, one message at a time, hard limits (DESIGN §5).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/1")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = env.str("COFFER_CELERY_QUEUE", default="coffer")
CELERY_BEAT_SCHEDULE = {
    "rotation-redrive": {"task": "vault.tasks.rotation_redrive", "schedule": 60.0},
    "gc-blobs": {"task": "vault.tasks.gc_blobs", "schedule": 6 * 3600.0},
}

# ---- Coffer ----
# The server keyring: "version:base64key,version:base64key". Never stored in the database.
COFFER_SERVER_KEYS = env.str("COFFER_SERVER_KEYS", default="")
COFFER_SERVER_KEYS_FILE = env.str("COFFER_SERVER_KEYS_FILE", default="")
COFFER_KDF_PROFILE = env.str("COFFER_KDF_PROFILE", default="moderate")
COFFER_UNLOCK_IDLE_TTL = timedelta(seconds=env.int("COFFER_UNLOCK_IDLE_SECONDS", default=300))
COFFER_UNLOCK_ABSOLUTE_TTL = timedelta(seconds=env.int("COFFER_UNLOCK_ABSOLUTE_SECONDS", default=1800))
COFFER_PIN_BACKOFF_AFTER = 5
COFFER_PIN_LOCKOUT_AFTER = 10
COFFER_PIN_BACKOFF_BASE_SECONDS = env.int("COFFER_PIN_BACKOFF_BASE_SECONDS", default=30)
COFFER_UNLOCK_CONCURRENCY = env.int("COFFER_UNLOCK_CONCURRENCY", default=4)
COFFER_UNLOCK_COOKIE = "coffer_unlock"
COFFER_UNLOCK_HEADER = "HTTP_X_VAULT_UNLOCK"
COFFER_UNLOCK_COOKIE_SECURE = True

COFFER_STORAGE = env.str("COFFER_STORAGE", default="fs")
COFFER_BLOB_ROOT = Path(env.str("COFFER_BLOB_ROOT", default=str(VAR_DIR / "blobs")))
COFFER_S3_ENDPOINT_URL = env.str("COFFER_S3_ENDPOINT_URL", default="")
COFFER_S3_REGION = env.str("COFFER_S3_REGION", default="us-east-1")
COFFER_S3_BUCKET = env.str("COFFER_S3_BUCKET", default="coffer")
COFFER_S3_ACCESS_KEY = env.str("COFFER_S3_ACCESS_KEY", default="")
COFFER_S3_SECRET_KEY = env.str("COFFER_S3_SECRET_KEY", default="")
# Uploads go to S3 in parts of this size (at least 5 MiB), this many at once; with the
# part being filled, an upload holds (concurrency + 1) x part size of ciphertext, 15 MiB
# with the defaults. A high-latency store fills its pipe faster with more parts in flight,
# at that cost in memory per upload (docs/deploy.md). An object has at most 10,000 parts,
# so the part size also bounds the largest export: 5 MiB parts hold 48 GiB.
COFFER_S3_PART_SIZE = env.int("COFFER_S3_PART_SIZE", default=5 * 1024 * 1024)
COFFER_S3_UPLOAD_CONCURRENCY = env.int("COFFER_S3_UPLOAD_CONCURRENCY", default=2)
# The checksum each PUT carries for the server to check: md5 (every server checks it),
# or crc32 (cheaper; only where the server checks it: AWS S3, MinIO, not rclone).
COFFER_S3_CHECKSUM = env.str("COFFER_S3_CHECKSUM", default="md5")

# Files (docs/files.md): the largest file, and how many bytes of files one user may keep.
COFFER_FILE_MAX_BYTES = env.int("COFFER_FILE_MAX_BYTES", default=2 * 1024**3)
COFFER_USER_QUOTA_BYTES = env.int("COFFER_USER_QUOTA_BYTES", default=10 * 1024**3)
# Downloads read ahead this many ranges of up to 8 MiB at once, then decrypt chunk by chunk.
COFFER_FILE_READ_AHEAD = env.int("COFFER_FILE_READ_AHEAD", default=4)

# Resumable uploads (docs/files.md): a segment holds whole parts of this many plaintext
# bytes (a multiple of 64 KiB; at least 5 MiB on S3), and a session lives this long from
# its start. It must end before the blob GC's grace, which would abort its multipart upload.
COFFER_UPLOAD_PART_SIZE = env.int("COFFER_UPLOAD_PART_SIZE", default=8 * 1024 * 1024)
COFFER_UPLOAD_SESSION_SECONDS = env.int("COFFER_UPLOAD_SESSION_SECONDS", default=12 * 3600)
CELERY_BEAT_SCHEDULE["uploads-expire"] = {"task": "uploads.tasks.uploads_expire", "schedule": 900.0}

# Records: the most bytes a record request body, or its sealed label and data, may hold.
COFFER_RECORD_MAX_BYTES = env.int("COFFER_RECORD_MAX_BYTES", default=64 * 1024)

# Rotation jobs: how long a worker holds an item, how long a step works before it
# re-enqueues itself (far below the broker's visibility timeout), and when a job
# without progress counts as stuck.
COFFER_ROTATION_LEASE_SECONDS = env.int("COFFER_ROTATION_LEASE_SECONDS", default=120)
COFFER_ROTATION_STEP_SECONDS = env.int("COFFER_ROTATION_STEP_SECONDS", default=20)
COFFER_ROTATION_STALE_SECONDS = env.int("COFFER_ROTATION_STALE_SECONDS", default=300)
COFFER_ROTATION_HANDLERS = ["records.rotation.RecordRotationHandler", "files.rotation.FileRotationHandler",
                            "uploads.rotation.UploadSessionRotationHandler"]
# Items a `rewrap` (and a record's `reencrypt`) moves per transaction, under the vault
# lock; 1 moves them one at a time with a lease each, as before batches.
COFFER_ROTATION_BATCH_SIZE = env.int("COFFER_ROTATION_BATCH_SIZE", default=500)
# Items moved one by one (a file's `reencrypt`) that a step works on at once, one thread
# each: one file's copy overlaps another's verification. Each holds its read-ahead
# (COFFER_FILE_READ_AHEAD x 4 MiB) and its upload's parts (COFFER_S3_UPLOAD_CONCURRENCY
# + 1 of COFFER_S3_PART_SIZE): about 31 MiB with the defaults. 1 moves them one at a time.
COFFER_ROTATION_FILE_CONCURRENCY = env.int("COFFER_ROTATION_FILE_CONCURRENCY", default=3)
# Transient faults (storage or database away) are retried after base·2^(n-1) seconds,
# capped, with jitter, up to this many attempts: about ten minutes with the defaults.
COFFER_ROTATION_RETRY_BASE_SECONDS = env.float("COFFER_ROTATION_RETRY_BASE_SECONDS", default=1.0)
COFFER_ROTATION_RETRY_MAX_SECONDS = env.float("COFFER_ROTATION_RETRY_MAX_SECONDS", default=60.0)
COFFER_ROTATION_MAX_ATTEMPTS = env.int("COFFER_ROTATION_MAX_ATTEMPTS", default=16)
# Test-only seams (coffer/seams.py) that race tests hold with an advisory lock; empty in production.
COFFER_TEST_SEAMS: list[str] = []
# The blob GC leaves objects younger than this alone (uploads still in flight).
COFFER_GC_GRACE_SECONDS = env.int("COFFER_GC_GRACE_SECONDS", default=24 * 3600)
# ... and keeps an object no row refers to this long after it first found it so, so a
# database restored from a backup inside the window finds every object (docs/operations.md).
# Match it to your database backups' retention. 0: deleted at once.
COFFER_BLOB_RETENTION = env.int("COFFER_BLOB_RETENTION", default=30 * 86400)

# Audit chain (docs/audit.md): sign a checkpoint every few minutes, walk the whole chain daily.
COFFER_AUDIT_CHECKPOINT_SECONDS = env.int("COFFER_AUDIT_CHECKPOINT_SECONDS", default=300)
COFFER_AUDIT_VERIFY_SECONDS = env.int("COFFER_AUDIT_VERIFY_SECONDS", default=86400)
# The admin's chain status walks at most this many events after the last checkpoint.
COFFER_AUDIT_STATUS_MAX_EVENTS = env.int("COFFER_AUDIT_STATUS_MAX_EVENTS", default=20000)
CELERY_BEAT_SCHEDULE["audit-checkpoint"] = {
    "task": "audit.tasks.checkpoint_create", "schedule": float(COFFER_AUDIT_CHECKPOINT_SECONDS),
}
CELERY_BEAT_SCHEDULE["audit-verify"] = {
    "task": "audit.tasks.audit_verify_recorded", "schedule": float(COFFER_AUDIT_VERIFY_SECONDS),
}
# Blob garbage collection, started from the admin: the dotted path of its Celery task
# (empty until the storage GC exists).
COFFER_BLOB_GC_TASK = env.str("COFFER_BLOB_GC_TASK", default="vault.tasks.gc_blobs")
# Tasks outside a tasks.py module, for the worker to register.
CELERY_IMPORTS = ["vault.rotation_server"]

# Sharing with apps (docs/sharing.md) and attestations (docs/attestations.md).
# Development only: approve every app as it registers (a deploy check warns if on).
COFFER_APPS_AUTO_APPROVE = env.bool("COFFER_APPS_AUTO_APPROVE", default=False)
# A grant's expiry: at least this many seconds ahead, at most this many days.
COFFER_GRANT_MIN_SECONDS = env.int("COFFER_GRANT_MIN_SECONDS", default=60)
COFFER_GRANT_MAX_DAYS = env.int("COFFER_GRANT_MAX_DAYS", default=365)
COFFER_GRANT_MAX_RECORDS = env.int("COFFER_GRANT_MAX_RECORDS", default=50)
# Scans one grant may carry, each a copy under its own key (sharing.scans).
COFFER_GRANT_MAX_SCANS = env.int("COFFER_GRANT_MAX_SCANS", default=20)
# The largest signed grant document, and the largest attestation payload, in canonical bytes.
COFFER_GRANT_MAX_BYTES = env.int("COFFER_GRANT_MAX_BYTES", default=512 * 1024)
COFFER_ATTESTATION_MAX_BYTES = env.int("COFFER_ATTESTATION_MAX_BYTES", default=16 * 1024)
# Per-IP limits on the unauthenticated endpoints: app registration and published user keys.
COFFER_SHARING_THROTTLE_RATES = {
    "app_register": env.str("COFFER_THROTTLE_APP_REGISTER", default="20/hour"),
    "user_keys": env.str("COFFER_THROTTLE_USER_KEYS", default="120/min"),
    # Per app, not per IP: corrections an app may report (docs/sharing.md, "Corrections").
    "app_corrections": env.str("COFFER_THROTTLE_APP_CORRECTIONS", default="60/hour"),
}
# Open corrections one grant may have at once; more answer 409 until the user deals with them.
COFFER_CORRECTIONS_MAX_OPEN = env.int("COFFER_CORRECTIONS_MAX_OPEN", default=20)
CELERY_BEAT_SCHEDULE["sharing-purge-expired-grants"] = {
    "task": "sharing.tasks.grants_purge_expired", "schedule": 3600.0,
}

# The consistency check (docs/operations.md): how often beat runs it, rows per database
# batch, object headers read at once, and its time limit (below the broker's visibility timeout).
COFFER_CONSISTENCY_CHECK_SECONDS = env.int("COFFER_CONSISTENCY_CHECK_SECONDS", default=24 * 3600)
COFFER_CONSISTENCY_BATCH = env.int("COFFER_CONSISTENCY_BATCH", default=2000)
COFFER_CONSISTENCY_WORKERS = env.int("COFFER_CONSISTENCY_WORKERS", default=8)
COFFER_CONSISTENCY_TIME_LIMIT_SECONDS = env.int("COFFER_CONSISTENCY_TIME_LIMIT_SECONDS", default=3000)
CELERY_BEAT_SCHEDULE["consistency-check"] = {
    "task": "consistency.tasks.consistency_check_run", "schedule": float(COFFER_CONSISTENCY_CHECK_SECONDS),
}

# Account deletion (docs/security.md): the erasure task retries a storage fault with
# backoff up to this many seconds apart, without end; beat re-drives a pending job
# that has not moved for this long.
COFFER_ERASURE_RETRY_MAX_SECONDS = env.int("COFFER_ERASURE_RETRY_MAX_SECONDS", default=600)
COFFER_ERASURE_STALE_SECONDS = env.int("COFFER_ERASURE_STALE_SECONDS", default=1800)
CELERY_BEAT_SCHEDULE["erasure-redrive"] = {"task": "erasure.tasks.erasure_redrive", "schedule": 600.0}

# Exports (docs/export.md): the age scrypt work factor (log2 N; age's default), how long a
# finished export stays downloadable, the builder's lease and when a build counts as stuck,
# how often a build may start over (vault changed, worker died), and the build's time limit
# (below the broker's visibility timeout).
COFFER_EXPORT_WORK_FACTOR = env.int("COFFER_EXPORT_WORK_FACTOR", default=18)
COFFER_EXPORT_TTL_SECONDS = env.int("COFFER_EXPORT_TTL_SECONDS", default=24 * 3600)
COFFER_EXPORT_LEASE_SECONDS = env.int("COFFER_EXPORT_LEASE_SECONDS", default=60)
COFFER_EXPORT_STALE_SECONDS = env.int("COFFER_EXPORT_STALE_SECONDS", default=120)
COFFER_EXPORT_MAX_RESTARTS = env.int("COFFER_EXPORT_MAX_RESTARTS", default=5)
COFFER_EXPORT_MAX_BUILDS = env.int("COFFER_EXPORT_MAX_BUILDS", default=20)
COFFER_EXPORT_RETRY_MAX_SECONDS = env.int("COFFER_EXPORT_RETRY_MAX_SECONDS", default=300)
COFFER_EXPORT_TIME_LIMIT_SECONDS = env.int("COFFER_EXPORT_TIME_LIMIT_SECONDS", default=3000)
# Files read at once for their digests (each with its read-ahead, COFFER_FILE_READ_AHEAD x 8 MiB).
COFFER_EXPORT_HASH_THREADS = env.int("COFFER_EXPORT_HASH_THREADS", default=2)
CELERY_BEAT_SCHEDULE["exports-redrive"] = {"task": "exports.tasks.export_redrive", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["exports-expire"] = {"task": "exports.tasks.export_expire", "schedule": 600.0}

# Imports (docs/export.md, "Importing"): the largest source, the largest JSON document in
# it, how many records and files one import may create, and how long a step works.
COFFER_IMPORT_MAX_SOURCE_BYTES = env.int("COFFER_IMPORT_MAX_SOURCE_BYTES", default=4 * 1024**3)
COFFER_IMPORT_MAX_JSON_BYTES = env.int("COFFER_IMPORT_MAX_JSON_BYTES", default=32 * 1024**2)
COFFER_IMPORT_MAX_ITEMS = env.int("COFFER_IMPORT_MAX_ITEMS", default=5000)
COFFER_IMPORT_STEP_SECONDS = env.int("COFFER_IMPORT_STEP_SECONDS", default=20)
COFFER_IMPORT_STALE_SECONDS = env.int("COFFER_IMPORT_STALE_SECONDS", default=300)
COFFER_IMPORT_PREVIEW_SECONDS = env.int("COFFER_IMPORT_PREVIEW_SECONDS", default=24 * 3600)
# The highest age scrypt work factor an imported export may ask for (at least COFFER_EXPORT_WORK_FACTOR).
COFFER_IMPORT_MAX_WORK_FACTOR = env.int("COFFER_IMPORT_MAX_WORK_FACTOR", default=18)
# Expiry reminders (docs/reminders.md): beat mails the due ones.
CELERY_BEAT_SCHEDULE["reminders-send"] = {"task": "reminders.tasks.reminders_send", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["imports-redrive"] = {"task": "imports.tasks.import_redrive", "schedule": 120.0}
