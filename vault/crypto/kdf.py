"""Argon2id PIN stretching with named cost profiles.

Parallelism is always 1 so browsers and phones using libsodium's
crypto_pwhash(ALG_ARGON2ID13) derive the very same bytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass

from argon2.low_level import Type, hash_secret_raw

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
        params = cls(
            memory_kib=int(data["memory_kib"]),
            iterations=int(data["iterations"]),
            parallelism=int(data.get("parallelism", 1)),
            algorithm=str(data.get("algorithm", "argon2id13")),
        )
        if params.algorithm != "argon2id13" or params.parallelism != 1:
            raise ValueError("unsupported KDF parameters")
        return params


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
