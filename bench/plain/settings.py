"""The test settings (PostgreSQL, Redis, cheap Argon2), with bench/plain/urls.py as the URLconf,
and PostgreSQL connections kept as coffer/settings/production.py keeps them."""

from coffer.settings.test import *  # noqa: F403
from coffer.settings.test import DATABASES, env

ROOT_URLCONF = "bench.plain.urls"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# bench/records.py sets the production default ("moderate") to compare an unlock with raw Argon2id.
COFFER_KDF_PROFILE = env.str("COFFER_KDF_PROFILE", default="test")
