"""Production: every secret must come from the environment, or start-up fails loudly."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
COFFER_KDF_PROFILE = env.str("COFFER_KDF_PROFILE", default="moderate")

# Persistent database connections: each gunicorn thread (and Celery process) keeps its
# connection for this many seconds instead of opening one per request, and checks it
# with a `SELECT 1` before its first use in a request, so a connection PostgreSQL has
# dropped (restart, failover, idle timeout) is replaced, not handed to a view. Every
# thread holds one: workers x threads per web server, plus Celery's concurrency, must
# stay below PostgreSQL's max_connections (docs/deploy.md, "Database connections").
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

if not (COFFER_SERVER_KEYS or COFFER_SERVER_KEYS_FILE):  # noqa: F405
    raise ImproperlyConfigured(
        "COFFER_SERVER_KEYS (or COFFER_SERVER_KEYS_FILE) must be set in production: "
        "without the server keyring no vault can be opened."
    )

# Sign-up and notification mails (notify/mails.py) go out by SMTP; an unset EMAIL_URL
# means a relay on the host. Set it as smtp+tls://user:password@mail.example:587.
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))

SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
COFFER_UNLOCK_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
