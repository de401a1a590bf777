"""Tests: PostgreSQL and Redis, the real ones, with cheap Argon2 parameters."""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-" + "t" * 40
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/coffer")}
DATABASES["default"]["TEST"] = {"NAME": env.str("COFFER_TEST_DB_NAME", default=f"test_coffer_{os.getpid()}")}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("REDIS_URL", default="redis://127.0.0.1:6379/15"),
        "KEY_PREFIX": env.str("COFFER_CACHE_PREFIX", default=f"coffer-test-{os.getpid()}"),
        "OPTIONS": {"serializer": "coffer.cache.JSONSerializer"},
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
COFFER_KDF_PROFILE = "test"
COFFER_SERVER_KEYS = env.str(
    "COFFER_SERVER_KEYS",
    # Two versions: tests exercise rotation. Fixed test-only keys.
    default="1:gGvZWUV0+mjKpMMNrMcH39P4W9xXSuCtdvpa758MYbg=,2:YQZOBleC38OwUk1NjXACrqRlg86agHEzipScAesJcDQ=",
)
COFFER_PIN_BACKOFF_BASE_SECONDS = 2
COFFER_UNLOCK_COOKIE_SECURE = False
# Most tests make users directly; tests of verification set "mandatory", production's default.
ACCOUNT_EMAIL_VERIFICATION = "optional"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
ACCOUNT_RATE_LIMITS = False
COFFER_BLOB_ROOT = Path(env.str("COFFER_BLOB_ROOT", default=f"/tmp/coffer-test-blobs-{os.getpid()}"))  # noqa: F405
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/14")
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "token": "1000/min", "unlock": "1000/min"}}  # noqa: F405

WHITENOISE_USE_FINDERS = True

# Real Celery workers in tests listen on a queue of this run's own, so runs never mix.
CELERY_TASK_DEFAULT_QUEUE = env.str("COFFER_CELERY_QUEUE", default=f"coffer-test-{os.getpid()}")
# Short leases and steps, so crash tests resume quickly after a kill.
COFFER_ROTATION_LEASE_SECONDS = env.int("COFFER_ROTATION_LEASE_SECONDS", default=3)
COFFER_ROTATION_STEP_SECONDS = env.int("COFFER_ROTATION_STEP_SECONDS", default=2)
COFFER_ROTATION_STALE_SECONDS = env.int("COFFER_ROTATION_STALE_SECONDS", default=5)
# Crash tests set this ("file:written") in a worker's environment to hold it right after an item reaches a state.
COFFER_ROTATION_TEST_PAUSE_AFTER = env.str("COFFER_ROTATION_TEST_PAUSE_AFTER", default="")
COFFER_IMPORT_TEST_PAUSE_AFTER = env.str("COFFER_IMPORT_TEST_PAUSE_AFTER", default="")
# Backoff for transient rotation faults: shorter than production, still long enough
# to ride out the 30-second storage outage that tests/rotation/test_faults.py makes.
COFFER_ROTATION_RETRY_BASE_SECONDS = env.float("COFFER_ROTATION_RETRY_BASE_SECONDS", default=0.5)
COFFER_ROTATION_RETRY_MAX_SECONDS = env.float("COFFER_ROTATION_RETRY_MAX_SECONDS", default=5.0)
# Race tests list the seams they hold; a worker gets them through its environment.
COFFER_TEST_SEAMS = env.list("COFFER_TEST_SEAMS", default=[])
# Tests collect unreferenced objects at once unless they test the retention itself.
COFFER_BLOB_RETENTION = env.int("COFFER_BLOB_RETENTION", default=0)
# Exports: a cheap scrypt work factor (production: 18), short leases so crash tests resume quickly.
COFFER_EXPORT_WORK_FACTOR = env.int("COFFER_EXPORT_WORK_FACTOR", default=10)
COFFER_EXPORT_LEASE_SECONDS = env.int("COFFER_EXPORT_LEASE_SECONDS", default=3)
COFFER_EXPORT_STALE_SECONDS = env.int("COFFER_EXPORT_STALE_SECONDS", default=3)
