"""What an import job's worker needs, sealed to the job under the server keyring.

    material = 0x01 || source key (32) || passphrase length (u16) || passphrase (UTF-8)
               || vault keys (vault.rotation.material.encode_keys; absent until confirmed)

The source key encrypts the stored source and the preview; the passphrase opens a
Coffer export; the vault key wraps every new record's and file's DEK. It never
enters a Celery message, and is erased when the job ends (docs/format.md, "Imports").
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass, field

from vault.crypto import aead
from vault.crypto.aead import KEY_SIZE
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.keyring import get_key_provider
from vault.rotation.material import decode_keys, encode_keys

PURPOSE = "import-job"
VERSION = 0x01
SOURCE_PURPOSE = "import/source"
PREVIEW_PURPOSE = "import/preview"


@dataclass
class JobMaterial:
    source_key: bytes
    passphrase: str = ""
    vault_keys: dict[int, bytes] = field(default_factory=dict)

    def __repr__(self) -> str:  # never print keys
        return f"JobMaterial(vault_key_versions={sorted(self.vault_keys)})"


def new_material(passphrase: str = "") -> JobMaterial:
    return JobMaterial(source_key=secrets.token_bytes(KEY_SIZE), passphrase=passphrase)


def encode_material(material: JobMaterial) -> bytes:
    phrase = material.passphrase.encode("utf-8")
    out = bytes([VERSION]) + material.source_key + struct.pack(">H", len(phrase)) + phrase
    return out + (encode_keys(material.vault_keys) if material.vault_keys else b"")


def decode_material(raw: bytes) -> JobMaterial:
    """Strict: the version, every length, and nothing left over; else the one error."""
    if len(raw) < 1 + KEY_SIZE + 2 or raw[0] != VERSION:
        raise IntegrityError()
    source_key = raw[1 : 1 + KEY_SIZE]
    (length,) = struct.unpack(">H", raw[1 + KEY_SIZE : 3 + KEY_SIZE])
    end = 3 + KEY_SIZE + length
    if len(raw) < end:
        raise IntegrityError()
    try:
        passphrase = raw[3 + KEY_SIZE : end].decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError() from None
    rest = raw[end:]
    return JobMaterial(source_key=source_key, passphrase=passphrase, vault_keys=decode_keys(rest) if rest else {})


def seal_material(job_id: str, material: JobMaterial) -> tuple[int, bytes]:
    return get_key_provider().wrap(encode_material(material), purpose=PURPOSE, subject=job_id)


def open_material(job_id: str, server_version: int, sealed: bytes) -> JobMaterial:
    if not sealed:
        raise IntegrityError()
    return decode_material(get_key_provider().unwrap(server_version, sealed, purpose=PURPOSE, subject=job_id))


def source_context(*, user_id: int, job_id: str) -> bytes:
    """The stored source's stream context (docs/format-stream.md)."""
    return Context(SOURCE_PURPOSE, str(user_id), job_id).encode()


def seal_preview(material: JobMaterial, preview: bytes, *, user_id: int, job_id: str) -> bytes:
    return aead.seal(material.source_key, preview, Context(PREVIEW_PURPOSE, str(user_id), job_id))


def open_preview(material: JobMaterial, sealed: bytes, *, user_id: int, job_id: str) -> bytes:
    return aead.open_(material.source_key, sealed, Context(PREVIEW_PURPOSE, str(user_id), job_id))
