"""The crypto calls for records, one small function each, so rotation can reuse them.

    wrapped_dek = wrap_key(VK[vault_key_version], DEK,
                           Context("dek/record", user_id, record_id, vault_key_version))
    ciphertext  = seal_record(DEK, payload,
                              record_context(user_id, record_id, dek_version, kind, schema_version))
    payload     = UTF-8 JSON {"data": {...}, "label": "..."}, compact, keys sorted

Every failure to open raises vault.crypto.IntegrityError and nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import new_key
from vault.crypto.record import open_record, record_context, seal_record
from vault.crypto.session import VaultKeys
from vault.crypto.wrap import unwrap_key, wrap_key

DEK_PURPOSE = "dek/record"


@dataclass(frozen=True)
class Payload:
    label: str
    data: dict[str, Any]

    def __repr__(self) -> str:  # never print plaintext
        return "Payload(...)"


def encode_payload(payload: Payload) -> bytes:
    document = {"label": payload.label, "data": payload.data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def decode_payload(raw: bytes) -> Payload:
    """A payload that authenticated but does not parse is treated as damaged."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IntegrityError() from None
    if (
        not isinstance(document, dict)
        or set(document) != {"label", "data"}
        or not isinstance(document["label"], str)
        or not isinstance(document["data"], dict)
    ):
        raise IntegrityError()
    return Payload(label=document["label"], data=document["data"])


def dek_context(*, user_id: int, record_id: str, vault_key_version: int) -> Context:
    return Context(DEK_PURPOSE, str(user_id), str(record_id), vault_key_version)


def new_dek() -> bytes:
    return new_key()


def wrap_dek(*, vault_key: bytes, dek: bytes, user_id: int, record_id: str, vault_key_version: int) -> bytes:
    context = dek_context(user_id=user_id, record_id=record_id, vault_key_version=vault_key_version)
    return wrap_key(vault_key, dek, context)


def unwrap_dek(*, keys: VaultKeys, wrapped_dek: bytes, user_id: int, record_id: str, vault_key_version: int) -> bytes:
    """Old vault key versions stay readable until rotation finishes."""
    context = dek_context(user_id=user_id, record_id=record_id, vault_key_version=vault_key_version)
    return unwrap_key(keys.key(vault_key_version), bytes(wrapped_dek), context)


def seal_payload(
    *, dek: bytes, payload: bytes, user_id: int, record_id: str, dek_version: int, kind: str, schema_version: int
) -> bytes:
    context = record_context(
        user_id=str(user_id), record_id=str(record_id), dek_version=dek_version, kind=kind,
        schema_version=schema_version,
    )
    return seal_record(dek, payload, context)


def open_payload(
    *, dek: bytes, ciphertext: bytes, user_id: int, record_id: str, dek_version: int, kind: str, schema_version: int
) -> Payload:
    context = record_context(
        user_id=str(user_id), record_id=str(record_id), dek_version=dek_version, kind=kind,
        schema_version=schema_version,
    )
    return decode_payload(open_record(dek, bytes(ciphertext), context))
