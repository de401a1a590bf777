"""Key generation and derivation: KEK, recovery codes, unlock-session keys."""

from __future__ import annotations

import base64
import hmac

import nacl.utils
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey

from .aead import KEY_SIZE, Rng
from .context import Context
from .errors import IntegrityError
from .hkdf import hkdf_sha256

KEK_INFO = "kek"
RECOVERY_INFO = "recovery-key"
RECOVERY_CODE_BYTES = 20  # 160 bits
RECOVERY_GROUP = 4
# Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_IN = {c: i for i, c in enumerate(CROCKFORD)} | {"O": 0, "I": 1, "L": 1}


def new_key(rng: Rng = nacl.utils.random) -> bytes:
    return rng(KEY_SIZE)


def derive_kek(pin_key: bytes, server_share: bytes, user_id: str) -> bytes:
    """KEK_u = HKDF(pin_key || S_u): neither the PIN nor the server secret alone opens a vault."""
    if len(pin_key) != KEY_SIZE or len(server_share) != KEY_SIZE:
        raise ValueError("pin_key and server_share must be 32 bytes")
    return hkdf_sha256(pin_key + server_share, info=Context(KEK_INFO, user_id).encode())


# ---- recovery codes ----


def new_recovery_code(rng: Rng = nacl.utils.random) -> str:
    raw = rng(RECOVERY_CODE_BYTES)
    number = int.from_bytes(raw, "big")
    chars = [CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(RECOVERY_CODE_BYTES * 8 // 5))]
    text = "".join(chars)
    return "-".join(text[i : i + RECOVERY_GROUP] for i in range(0, len(text), RECOVERY_GROUP))


def parse_recovery_code(code: str) -> bytes:
    """Accepts any case, spaces and dashes; O/I/L read as 0/1. Anything else is invalid."""
    if not code.isascii():  # str.upper() would read "ı" as I and "ſ" as S
        raise IntegrityError()
    text = "".join(ch for ch in code.upper() if ch not in " -")
    if len(text) != RECOVERY_CODE_BYTES * 8 // 5 or any(ch not in _CROCKFORD_IN for ch in text):
        raise IntegrityError()
    number = 0
    for ch in text:
        number = (number << 5) | _CROCKFORD_IN[ch]
    return number.to_bytes(RECOVERY_CODE_BYTES, "big")


def recovery_private_key(code: str, server_share: bytes, user_id: str) -> PrivateKey:
    seed = hkdf_sha256(parse_recovery_code(code) + server_share, info=Context(RECOVERY_INFO, user_id).encode())
    return PrivateKey.from_seed(seed)


# ---- unlock sessions ----


def new_unlock_secret(rng: Rng = nacl.utils.random) -> str:
    return base64.urlsafe_b64encode(rng(32)).rstrip(b"=").decode("ascii")


def _unlock_secret_bytes(unlock_secret: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(unlock_secret + "=" * (-len(unlock_secret) % 4))
    except (ValueError, TypeError):
        raise IntegrityError() from None
    if len(raw) != 32 or new_unlock_secret(lambda n: raw) != unlock_secret:
        raise IntegrityError()
    return raw


def unlock_session_id(unlock_secret: str) -> str:
    """The cache key half: a one-way digest, so a cache dump does not reveal the secret."""
    return blake2b(_unlock_secret_bytes(unlock_secret), digest_size=32, person=b"coffer-sess-id", encoder=RawEncoder).hex()


def unlock_session_key(unlock_secret: str) -> bytes:
    return blake2b(
        _unlock_secret_bytes(unlock_secret), digest_size=32, person=b"coffer-sess-key", encoder=RawEncoder
    )


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)

