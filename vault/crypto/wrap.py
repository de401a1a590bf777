"""Key wraps: a 32-byte key sealed under another key, or sealed to a recovery public key."""

from __future__ import annotations

import nacl.exceptions
import nacl.utils
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox

from . import aead
from .aead import KEY_SIZE, Rng
from .context import Context
from .errors import IntegrityError
from .keys import constant_time_equal

RECOVERY_VERSION = 0x01
WRAPPED_SIZE = aead.OVERHEAD + KEY_SIZE
# version || ephemeral public key (32) || MAC (16) || binding (32) || key (32)
RECOVERY_WRAPPED_SIZE = 1 + 32 + 16 + 32 + KEY_SIZE


def wrap_key(kek: bytes, key: bytes, context: Context, *, rng: Rng = nacl.utils.random) -> bytes:
    if len(key) != KEY_SIZE:
        raise ValueError("key must be 32 bytes")
    return aead.seal(kek, key, context, rng=rng)


def unwrap_key(kek: bytes, wrapped: bytes, context: Context) -> bytes:
    if len(wrapped) != WRAPPED_SIZE:
        raise IntegrityError()
    return aead.open_(kek, wrapped, context)


def _binding(context: Context) -> bytes:
    return blake2b(bytes([RECOVERY_VERSION]) + context.encode(), digest_size=32, encoder=RawEncoder)


def wrap_to_recovery(public_key: bytes, key: bytes, context: Context) -> bytes:
    """crypto_box_seal has no associated data, so the context digest rides inside the box."""
    if len(key) != KEY_SIZE:
        raise ValueError("key must be 32 bytes")
    sealed = SealedBox(PublicKey(public_key)).encrypt(_binding(context) + key)
    return bytes([RECOVERY_VERSION]) + sealed


def unwrap_with_recovery(private_key: PrivateKey, wrapped: bytes, context: Context) -> bytes:
    if len(wrapped) != RECOVERY_WRAPPED_SIZE or wrapped[0] != RECOVERY_VERSION:
        raise IntegrityError()
    try:
        opened = SealedBox(private_key).decrypt(wrapped[1:])
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise IntegrityError() from None
    if not constant_time_equal(opened[:32], _binding(context)):
        raise IntegrityError()
    return opened[32:]
