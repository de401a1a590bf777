"""Test-only seams: hold one side of a race at its dangerous point, deterministically.

A seam named in settings.COFFER_TEST_SEAMS waits on a PostgreSQL advisory lock of
that name. A test takes the lock first, sees the other side block on it
(`seam_waiters`), lets a competing operation run to its end, then releases it.
Outside test settings the list is empty and a seam costs one attribute lookup.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import connection


def seam_key(name: str) -> int:
    return zlib.crc32(f"coffer-seam:{name}".encode())


def seam(name: str) -> None:
    if name not in getattr(settings, "COFFER_TEST_SEAMS", ()):
        return
    # Seams sit outside the caller's transactions, so waiting here holds no row lock.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [seam_key(name)])
        cursor.execute("SELECT pg_advisory_unlock(%s)", [seam_key(name)])
