"""Tampering with audit rows as an attacker with database access would."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection


@contextmanager
def tampering():
    """Switch off the append-only triggers, as a database owner could, for the duration."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cursor.execute("ALTER TABLE audit_checkpoint DISABLE TRIGGER audit_checkpoint_append_only")
    try:
        yield connection.cursor()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")
            cursor.execute("ALTER TABLE audit_checkpoint ENABLE TRIGGER audit_checkpoint_append_only")
