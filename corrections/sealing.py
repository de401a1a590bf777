"""Sealing an app's correction message to the user (docs/format.md §13, "Correction messages").

Pure: PyNaCl and vault.crypto only, no Django. crypto_box_seal has no associated data, so
a digest of the context (`binding`) rides inside the box, as with the recovery wrap
(docs/format.md §5): a sealed message copied onto another correction, or another user's
row, fails to open.
"""

from __future__ import annotations

import nacl.exceptions
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox

from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import constant_time_equal

VERSION = 0x01
PURPOSE = "correction/message"
BINDING_SIZE = 32
# version (1) || ephemeral public key (32) || MAC (16) || binding (32) || message (1 or more)
MIN_SEALED_SIZE = 1 + 32 + 16 + BINDING_SIZE + 1


def message_context(*, user_id: int, correction_id: str) -> Context:
    return Context(purpose=PURPOSE, user_id=str(user_id), item_id=correction_id)


def _binding(context: Context) -> bytes:
    return blake2b(bytes([VERSION]) + context.encode(), digest_size=BINDING_SIZE, encoder=RawEncoder)


def seal_message(*, box_public_key: bytes, message: str, context: Context) -> bytes:
    """0x01 || crypto_box_seal(binding || UTF-8 message, the user's X25519 public key)."""
    if not message:
        raise ValueError("a correction message is never empty")
    sealed = SealedBox(PublicKey(box_public_key)).encrypt(_binding(context) + message.encode("utf-8"))
    return bytes([VERSION]) + sealed


def open_message(*, box_private_key: PrivateKey, sealed: bytes, context: Context) -> str:
    """The message, or IntegrityError for anything wrong: version, length, key, binding, UTF-8."""
    if len(sealed) < MIN_SEALED_SIZE or sealed[0] != VERSION:
        raise IntegrityError()
    try:
        opened = SealedBox(box_private_key).decrypt(bytes(sealed[1:]))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise IntegrityError() from None
    if not constant_time_equal(opened[:BINDING_SIZE], _binding(context)):
        raise IntegrityError()
    try:
        return opened[BINDING_SIZE:].decode("utf-8")
    except UnicodeDecodeError:
        raise IntegrityError() from None
