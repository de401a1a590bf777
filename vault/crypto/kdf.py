"""Argon2id PIN stretching with named cost profiles.

Parallelism is always 1 so browsers and phones using libsodium's
crypto_pwhash(ALG_ARGON2ID13) derive the very same bytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from argon2.low_level import Type, hash_secret_raw

from .errors import IntegrityError
from .kdf_memory import MAX_MEMORY_KIB, MIN_MEMORY_KIB, argon2id_raw

SALT_SIZE = 16
KEY_SIZE = 32


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters, stored beside every key derived with them."""

    memory_kib: int
    iterations: int
    parallelism: int = 1
    algorithm: str = "argon2id13"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> KdfParams:
        """The stored parameters, or the one error for anything but Argon2id, p = 1 and
        integer t and m within Argon2's bounds (docs/format.md §4): never run Argon2id on them."""
        if not isinstance(data, dict):
            raise IntegrityError()
        memory, iterations = data.get("memory_kib"), data.get("iterations")
        parallelism, algorithm = data.get("parallelism", 1), data.get("algorithm", "argon2id13")
        if not all(type(value) is int for value in (memory, iterations, parallelism)):
            raise IntegrityError()
        if algorithm != "argon2id13" or parallelism != 1 or not (1 <= iterations < 2**32 and 8 <= memory < 2**32):
            raise IntegrityError()
        return cls(memory_kib=memory, iterations=iterations, parallelism=parallelism, algorithm=algorithm)


PROFILES: dict[str, KdfParams] = {
    # Cheap, same algorithm: for tests only.
    "test": KdfParams(memory_kib=64, iterations=1),
    # libsodium's INTERACTIVE limits.
    "interactive": KdfParams(memory_kib=64 * 1024, iterations=2),
    # The production default: at least 64 MiB and t=3 (DESIGN §2).
    "moderate": KdfParams(memory_kib=64 * 1024, iterations=3),
    "sensitive": KdfParams(memory_kib=256 * 1024, iterations=4),
}


def normalize_pin(pin: str) -> bytes:
    """NFKC, so the same PIN typed on any keyboard gives the same bytes."""
    return unicodedata.normalize("NFKC", pin).encode("utf-8")


def derive_pin_key(pin: str, salt: bytes, params: KdfParams) -> bytes:
    if len(salt) != SALT_SIZE:
        raise ValueError("salt must be 16 bytes")
    if argon2id_raw is not None and MIN_MEMORY_KIB <= params.memory_kib <= MAX_MEMORY_KIB and params.parallelism == 1:
        # The same Argon2id with its memory in huge pages: a quarter faster at 64 MiB (kdf_memory.py).
        return argon2id_raw(normalize_pin(pin), salt, params.iterations, params.memory_kib, KEY_SIZE)
    return hash_secret_raw(
        secret=normalize_pin(pin),
        salt=salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_SIZE,
        type=Type.ID,
        version=19,
    )
