"""What an export worker needs, sealed to the job under the server keyring: the age
file key and the vault keys (encoded as for rotation jobs, vault/rotation/material.py)."""

from __future__ import annotations

from exports.age.scrypt import FILE_KEY_SIZE
from vault.crypto.errors import IntegrityError
from vault.keyring import get_key_provider
from vault.rotation.material import decode_keys, encode_keys

PURPOSE = "export-job"
DIGEST_PURPOSE = "export-digest"


def seal_job_material(job_id: str, file_key: bytes, vault_keys: dict[int, bytes]) -> tuple[int, bytes]:
    if len(file_key) != FILE_KEY_SIZE:
        raise ValueError("the age file key is 16 bytes")
    return get_key_provider().wrap(file_key + encode_keys(vault_keys), purpose=PURPOSE, subject=job_id)


def open_job_material(job_id: str, server_version: int, sealed: bytes) -> tuple[bytes, dict[int, bytes]]:
    if not sealed:
        raise IntegrityError()
    raw = get_key_provider().unwrap(server_version, sealed, purpose=PURPOSE, subject=job_id)
    return raw[:FILE_KEY_SIZE], decode_keys(raw[FILE_KEY_SIZE:])


def seal_digest(job_id: str, file_id: str, digest: bytes) -> tuple[int, bytes]:
    return get_key_provider().wrap(digest, purpose=DIGEST_PURPOSE, subject=f"{job_id}:{file_id}")


def open_digest(job_id: str, file_id: str, server_version: int, sealed: bytes) -> bytes:
    return get_key_provider().unwrap(server_version, sealed, purpose=DIGEST_PURPOSE, subject=f"{job_id}:{file_id}")
