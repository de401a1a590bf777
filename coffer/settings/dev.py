"""The embedded default for `make run`: SQLite, local memory cache, eager Celery, files on disk."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-not-secret-" + "x" * 40)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"

# Development may generate its own keyring under var/ (with a loud warning).
COFFER_DEV_KEYRING_FILE = VAR_DIR / "dev-server-keys"
COFFER_KDF_PROFILE = env.str("COFFER_KDF_PROFILE", default="moderate")
COFFER_UNLOCK_COOKIE_SECURE = False
# A newcomer signs up and adds a passport at once; the verification link still prints below.
ACCOUNT_EMAIL_VERIFICATION = env.str("COFFER_EMAIL_VERIFICATION", default="optional")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # passkeys on http://localhost

VAR_DIR.mkdir(exist_ok=True)

WHITENOISE_USE_FINDERS = True

# SQLite serialises writers: wait for the lock instead of failing two uploads at once.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})  # noqa: F405
