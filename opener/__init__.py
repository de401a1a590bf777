"""Coffer's offline opener: reads a vault from a database dump (or a live database), the
bucket (or a local copy of it), the server keyring and the owner's PIN or recovery code,
and writes every record and file to a folder.

It is written from docs/format.md and docs/format-stream.md alone, on PyNaCl and
argon2-cffi, and imports nothing of Coffer: not Django, not the `coffer` package (whose
`__init__` starts Celery), not `vault.crypto`. So it still runs on the day Coffer's own
code no longer does. psycopg is imported only for a live database URL, and boto3 only
for an S3 bucket URL. Run it as `python -m opener` (docs/export.md).
"""

INTEGRITY_ERROR_TEXT = "integrity check failed"


class IntegrityError(Exception):
    """The one error (docs/format.md §1): nothing says which check failed."""

    def __init__(self) -> None:
        super().__init__(INTEGRITY_ERROR_TEXT)


class OpenerError(Exception):
    """An input the opener cannot use (a missing table, an unknown user, a bad keyring):
    said plainly, as it holds no secret."""
