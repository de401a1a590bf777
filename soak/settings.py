"""The soak stack's settings: production's, with the changes a loopback run needs.

Everything else is production's: gunicorn, HTTPS-only cookies and redirects (clients
send X-Forwarded-Proto: https, as nginx would), JSON Celery with late acks.
"""

from coffer.settings.production import *  # noqa: F403
from coffer.settings.production import CACHES, env

# Cheap Argon2id: the soak measures races, not key derivation. Production uses "moderate".
COFFER_KDF_PROFILE = "test"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]

# Each soak run has its own cache prefix (and its own Redis database, queue and PostgreSQL
# database), so it never mixes with tests or another run on the same servers.
CACHES = {"default": {**CACHES["default"], "KEY_PREFIX": env.str("COFFER_CACHE_PREFIX")}}

# No static manifest is built for a soak; the API serves no static files.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Sign-up sends mail; a soak has no SMTP server. Kept in memory, never printed.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# A soak has no mailbox to click a link in: addresses need no verification here. The
# verification flow itself is tested in tests/accounts/test_register.py.
ACCOUNT_EMAIL_VERIFICATION = "optional"
