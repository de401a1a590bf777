"""The versioned AEAD blob: one format for key wraps and records.

    blob = version (1 byte, 0x01) || nonce (24 bytes) || XChaCha20-Poly1305(ciphertext || tag)
    associated data = version || context.encode()
"""

from __future__ import annotations

from collections.abc import Callable

import nacl.exceptions
import nacl.utils
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)

from .context import Context
from .errors import IntegrityError

VERSION = 0x01
NONCE_SIZE = 24
TAG_SIZE = 16
KEY_SIZE = 32
OVERHEAD = 1 + NONCE_SIZE + TAG_SIZE

Rng = Callable[[int], bytes]


def seal(key: bytes, plaintext: bytes, context: Context, *, rng: Rng = nacl.utils.random) -> bytes:
    if len(key) != KEY_SIZE:
        raise ValueError("key must be 32 bytes")
    header = bytes([VERSION])
    nonce = rng(NONCE_SIZE)
    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, header + context.encode(), nonce, key)
    return header + nonce + sealed


def open_(key: bytes, blob: bytes, context: Context) -> bytes:
    if len(key) != KEY_SIZE or len(blob) < OVERHEAD or blob[0] != VERSION:
        raise IntegrityError()
    nonce, sealed = blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :]
    try:
        return crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, blob[:1] + context.encode(), nonce, key)
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise IntegrityError() from None
