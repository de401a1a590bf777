"""Raw dumps of our own stores, to prove what is and is not in them."""

from __future__ import annotations

import base64
import shutil
import subprocess

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def postgres_dump(*, as_backup: bool = False) -> bytes:
    """A plain-SQL pg_dump of the test database: every committed row of every table, as
    INSERT lines; or, `as_backup`, as a plain `pg_dump` backup holds it (schema, COPY)."""
    settings = connection.settings_dict
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for this test"
    options = [] if as_backup else ["--data-only", "--inserts"]
    result = subprocess.run(
        [pg_dump, "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),
         "-U", settings["USER"] or "postgres", *options, settings["NAME"]],
        capture_output=True, check=True,
    )
    return result.stdout


def cache_keys(pattern: str = "*") -> list[bytes]:
    """This test run's raw Redis keys (other runs may share the Redis database)."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return cache._cache.get_client().keys(f"{prefix}:*{pattern}")


def cache_clear() -> None:
    keys = cache_keys()
    if keys:
        cache._cache.get_client().delete(*keys)


def redis_dump() -> bytes:
    """Every key and value of this test run in the cache's Redis database, raw."""
    client = cache._cache.get_client()
    out = bytearray()
    for key in cache_keys():
        out += key + b"\n"
        kind = client.type(key)
        if kind == b"string":
            out += client.get(key) + b"\n"
    return bytes(out)


def encodings(secret: bytes | str) -> list[bytes]:
    """The forms a secret could leak in: raw, hex, base64 and url-safe base64."""
    raw = secret.encode() if isinstance(secret, str) else secret
    forms = [raw, raw.hex().encode(), raw.hex().upper().encode()]
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.append(encode(raw).rstrip(b"="))
    return forms


def assert_absent(haystack: bytes, secret: bytes | str, what: str) -> None:
    for form in encodings(secret):
        assert form not in haystack, f"{what} found in the dump"
