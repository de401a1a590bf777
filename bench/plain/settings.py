"""The test settings (PostgreSQL, Redis, cheap Argon2), with bench/plain/urls.py as the URLconf."""

from coffer.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.plain.urls"
