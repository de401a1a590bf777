"""The scrypt recipient stanza (C2SP age.md, "The scrypt recipient type").

    -> scrypt <base64 salt, 16 bytes> <log2 N, decimal, no leading zero>
    <base64 of ChaCha20-Poly1305(wrap key, nonce 0, file key)>

wrap key = scrypt(N = 2^log2N, r = 8, p = 1, dkLen = 32) of the passphrase with the
salt "age-encryption.org/v1/scrypt" || salt. An scrypt stanza must be the only one.
"""

from __future__ import annotations

import hashlib
import re
import secrets

import nacl.exceptions
from nacl.bindings import crypto_aead_chacha20poly1305_ietf_decrypt, crypto_aead_chacha20poly1305_ietf_encrypt

from .errors import AgeError
from .format import Stanza, b64_decode, b64_encode

TYPE = "scrypt"
SALT_LABEL = b"age-encryption.org/v1/scrypt"
SALT_SIZE = 16
FILE_KEY_SIZE = 16
DEFAULT_WORK_FACTOR = 18  # age's own default
# age's reader default: higher factors are refused before any work (2^22 costs 4 GiB).
MAX_WORK_FACTOR = 22
_DECIMAL = re.compile(r"[1-9][0-9]{0,1}")
_ZERO_NONCE = bytes(12)


def _wrap_key(passphrase: str, salt: bytes, work_factor: int) -> bytes:
    n = 1 << work_factor
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=SALT_LABEL + salt, n=n, r=8, p=1,
                          maxmem=128 * 8 * n + (1 << 20), dklen=32)


def scrypt_stanza(passphrase: str, file_key: bytes, *, work_factor: int = DEFAULT_WORK_FACTOR,
                  salt: bytes | None = None) -> Stanza:
    if not 1 <= work_factor <= MAX_WORK_FACTOR:
        raise ValueError("scrypt work factor out of range")
    if len(file_key) != FILE_KEY_SIZE:
        raise ValueError("the file key is 16 bytes")
    salt = secrets.token_bytes(SALT_SIZE) if salt is None else salt
    body = crypto_aead_chacha20poly1305_ietf_encrypt(file_key, None, _ZERO_NONCE, _wrap_key(passphrase, salt, work_factor))
    return Stanza(type=TYPE, args=(b64_encode(salt), str(work_factor)), body=body)


def scrypt_check(stanzas: tuple[Stanza, ...], *, max_work_factor: int = MAX_WORK_FACTOR) -> tuple[bytes, int, bytes] | None:
    """(salt, work factor, body) of the header's scrypt stanza; None if it has none.
    AgeError (a header failure) for a malformed one, or one that is not alone."""
    found = [s for s in stanzas if s.type == TYPE]
    if not found:
        return None
    if len(stanzas) != 1:
        raise AgeError()
    stanza = stanzas[0]
    if len(stanza.args) != 2 or not _DECIMAL.fullmatch(stanza.args[1]):
        raise AgeError()
    salt, work_factor = b64_decode(stanza.args[0]), int(stanza.args[1])
    if len(salt) != SALT_SIZE or not 1 <= work_factor <= max_work_factor:
        raise AgeError()
    if len(stanza.body) != FILE_KEY_SIZE + 16:
        raise AgeError()
    return salt, work_factor, stanza.body


def scrypt_unwrap(passphrase: str, salt: bytes, work_factor: int, body: bytes) -> bytes:
    """The file key; AgeError for a wrong passphrase (age calls it "no match")."""
    try:
        return crypto_aead_chacha20poly1305_ietf_decrypt(body, None, _ZERO_NONCE, _wrap_key(passphrase, salt, work_factor))
    except nacl.exceptions.CryptoError:
        raise AgeError() from None
