"""Writing a rotation batch's rows: one statement per row, sent together.

Django's `bulk_update` builds one CASE expression per field over the whole batch, and
compiling it cost more than the batch's cryptography (about 6 of 8 seconds for 10,000
records). psycopg sends `executemany` in pipeline mode: one round trip per batch,
plain UPDATEs by primary key.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def rows_update(rows: Sequence[Model], fields: Sequence[str]) -> None:
    """Saves `fields` of each row (all of one model) by primary key, inside the caller's transaction."""
    if not rows:
        return
    meta = rows[0]._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in columns]
        + [meta.pk.get_db_prep_value(row.pk, connection)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
