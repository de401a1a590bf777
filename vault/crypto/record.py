"""Record blobs: one AEAD blob per record holding its JSON payload.

The record's kind and schema version travel in the associated data, so a blob
copied into another row, or read as another kind, fails to open.
"""

from __future__ import annotations

import nacl.utils

from . import aead
from .aead import Rng
from .context import Context

PURPOSE = "record"


def record_context(*, user_id: str, record_id: str, dek_version: int, kind: str, schema_version: int) -> Context:
    return Context(PURPOSE, user_id, record_id, dek_version, (kind, str(schema_version)))


def seal_record(dek: bytes, payload: bytes, context: Context, *, rng: Rng = nacl.utils.random) -> bytes:
    return aead.seal(dek, payload, context, rng=rng)


def open_record(dek: bytes, blob: bytes, context: Context) -> bytes:
    return aead.open_(dek, blob, context)
