"""The vault keys a rotation worker needs, sealed to the job under the server keyring."""

from __future__ import annotations

import struct

from vault.crypto.aead import KEY_SIZE
from vault.crypto.errors import IntegrityError
from vault.keyring import get_key_provider

PURPOSE = "rotation-job"


def encode_keys(vault_keys: dict[int, bytes]) -> bytes:
    out = bytearray(struct.pack(">H", len(vault_keys)))
    for version, key in sorted(vault_keys.items()):
        out += struct.pack(">I", version) + key
    return bytes(out)


def decode_keys(raw: bytes) -> dict[int, bytes]:
    """The inverse of encode_keys, as strict as the unlock-session payload: at least one
    key, versions strictly ascending, nothing left over; anything else is the one error."""
    if len(raw) < 2:
        raise IntegrityError()
    (count,) = struct.unpack(">H", raw[:2])
    if count == 0 or len(raw) != 2 + count * (4 + KEY_SIZE):
        raise IntegrityError()
    keys, offset = {}, 2
    for _ in range(count):
        (version,) = struct.unpack(">I", raw[offset : offset + 4])
        if keys and version <= max(keys):
            raise IntegrityError()
        keys[version] = raw[offset + 4 : offset + 4 + KEY_SIZE]
        offset += 4 + KEY_SIZE
    return keys


def seal_job_keys(job_id: str, vault_keys: dict[int, bytes]) -> tuple[int, bytes]:
    return get_key_provider().wrap(encode_keys(vault_keys), purpose=PURPOSE, subject=job_id)


def open_job_keys(job_id: str, server_version: int, sealed: bytes) -> dict[int, bytes]:
    if not sealed:
        raise IntegrityError()
    return decode_keys(get_key_provider().unwrap(server_version, sealed, purpose=PURPOSE, subject=job_id))
