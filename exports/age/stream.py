"""The age payload (C2SP age.md, "Payload"): a 16-byte nonce, then STREAM.

payload key = HKDF-SHA256(ikm = file key, salt = nonce, info = "payload"). The
plaintext is cut into 64 KiB chunks, each sealed with ChaCha20-Poly1305 under the
nonce 11-byte big-endian counter || last flag (0x01 on the final chunk only). Only
the final chunk may be shorter than 64 KiB, and it is empty only if the whole
payload is. Chunks are released as they authenticate; a cut, a reordering or
trailing data is AgeError when reached.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator

import nacl.exceptions
from nacl.bindings import crypto_aead_chacha20poly1305_ietf_decrypt, crypto_aead_chacha20poly1305_ietf_encrypt

from vault.crypto.hkdf import hkdf_sha256

from .errors import AgeError
from .pieces import prepended

NONCE_SIZE = 16
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
_MAX_COUNTER = (1 << 88) - 1


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    return hkdf_sha256(file_key, salt=nonce, info=b"payload")


def _chunk_nonce(counter: int, last: bool) -> bytes:
    if counter > _MAX_COUNTER:
        raise AgeError()
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def payload_encrypt(file_key: bytes, chunks: Iterable[bytes], *, nonce: bytes | None = None) -> Iterator[bytes]:
    """The payload of `chunks` (pieces of any size): the nonce, then each sealed chunk.
    Holds one chunk of plaintext at a time. A fresh random nonce unless one is given
    (tests only: a nonce must never be used twice with one file key)."""
    nonce = secrets.token_bytes(NONCE_SIZE) if nonce is None else nonce
    key = payload_key(file_key, nonce)
    yield nonce
    pending, counter = bytearray(), 0
    for piece in chunks:
        pending += piece
        # Keep at least one byte back: the final chunk must be known as final when sealed.
        start = 0
        while len(pending) - start > CHUNK_SIZE:
            chunk = bytes(pending[start : start + CHUNK_SIZE])
            yield crypto_aead_chacha20poly1305_ietf_encrypt(chunk, None, _chunk_nonce(counter, False), key)
            start, counter = start + CHUNK_SIZE, counter + 1
        del pending[:start]
    yield crypto_aead_chacha20poly1305_ietf_encrypt(bytes(pending), None, _chunk_nonce(counter, True), key)


def nonce_split(data: Iterable[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The payload's nonce, and the sealed chunks after it. AgeError if it is cut short
    (the testkit counts a missing nonce as a header failure)."""
    source, buffered = iter(data), bytearray()
    for piece in source:
        buffered += piece
        if len(buffered) >= NONCE_SIZE:
            break
    if len(buffered) < NONCE_SIZE:
        raise AgeError()
    return bytes(buffered[:NONCE_SIZE]), prepended(bytes(buffered[NONCE_SIZE:]), source)


def payload_decrypt(file_key: bytes, data: Iterable[bytes]) -> Iterator[bytes]:
    """The plaintext of a payload given as pieces of any size (nonce first).

    As age's reader does, a full-size chunk is tried as a middle chunk, then as the
    final one; a final chunk followed by more bytes, or a payload ending without a
    final chunk, is AgeError after the chunks before it were released."""
    nonce, sealed = nonce_split(data)
    key = payload_key(file_key, nonce)
    pending, counter = bytearray(), 0
    for piece in sealed:
        pending += piece
        start = 0
        while len(pending) - start > SEALED_CHUNK_SIZE:
            plaintext, last = _open_full(key, bytes(pending[start : start + SEALED_CHUNK_SIZE]), counter)
            yield plaintext
            if last:
                raise AgeError()  # data after the final chunk
            start, counter = start + SEALED_CHUNK_SIZE, counter + 1
        del pending[:start]
    if len(pending) == SEALED_CHUNK_SIZE:
        plaintext, last = _open_full(key, bytes(pending), counter)
        yield plaintext
        if not last:
            raise AgeError()  # cut off after a full chunk
        return
    if len(pending) < TAG_SIZE or (len(pending) == TAG_SIZE and counter > 0):
        raise AgeError()  # no final chunk, or an empty one after data
    yield _open(key, bytes(pending), counter, last=True)


def _open_full(key: bytes, sealed: bytes, counter: int) -> tuple[bytes, bool]:
    try:
        return _open(key, sealed, counter, last=False), False
    except AgeError:
        return _open(key, sealed, counter, last=True), True


def _open(key: bytes, sealed: bytes, counter: int, *, last: bool) -> bytes:
    try:
        return crypto_aead_chacha20poly1305_ietf_decrypt(sealed, None, _chunk_nonce(counter, last), key)
    except nacl.exceptions.CryptoError:
        raise AgeError() from None
