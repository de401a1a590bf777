"""The file stream reader of docs/format-stream.md ("Header", "Payload", "Sizes", "Reading
a stream"), for an object whose exact size the database row gives."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import BinaryIO

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt
from nacl.exceptions import CryptoError

from opener import IntegrityError

CHUNK_SIZE = 65536
SEALED_CHUNK_SIZE = CHUNK_SIZE + 16
HEADER_SIZE = 49
STREAM_VERSION = 1


def plaintext_size(ciphertext_size: int) -> int:
    """"Sizes": the plaintext size, or the one error for an impossible ciphertext size."""
    body = ciphertext_size - HEADER_SIZE
    if body < 16:
        raise IntegrityError()
    full_chunks, rest = divmod(body, SEALED_CHUNK_SIZE)
    if rest == 0:
        return full_chunks * CHUNK_SIZE
    if rest > 16 or (rest == 16 and full_chunks == 0):
        return full_chunks * CHUNK_SIZE + rest - 16
    raise IntegrityError()


def _blake2b(key: bytes, person: bytes, message: bytes = b"") -> bytes:
    return hashlib.blake2b(message, digest_size=32, key=key, salt=bytes(16), person=person).digest()


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        piece = source.read(size - len(data))
        if not piece:
            raise IntegrityError()
        data += piece
    return bytes(data)


def decrypt_stream(dek: bytes, ctx: bytes, source: BinaryIO, ciphertext_size: int) -> Iterator[bytes]:
    """Yields the plaintext chunk by chunk. `ciphertext_size` comes from the row, and the
    caller has checked that the object has exactly that size. Only a run that ends without
    an error has released an authentic, whole file."""
    size = plaintext_size(ciphertext_size)
    n_chunks = max(1, -(-size // CHUNK_SIZE))
    header = _read_exactly(source, HEADER_SIZE)
    if header[0] != STREAM_VERSION:
        raise IntegrityError()
    commitment_key = _blake2b(dek, b"coffer.stream.mk")
    expected = _blake2b(commitment_key, b"coffer.stream.hc", header[:17] + ctx)
    if not hmac.compare_digest(header[17:], expected):
        raise IntegrityError()
    chunk_key = _blake2b(dek, b"coffer.stream.ck")
    ad = header + ctx
    for index in range(n_chunks):
        last = index == n_chunks - 1
        sealed_size = (size - index * CHUNK_SIZE) + 16 if last else SEALED_CHUNK_SIZE
        sealed = _read_exactly(source, sealed_size)
        nonce = header[1:17] + index.to_bytes(7, "big") + (b"\x01" if last else b"\x00")
        try:
            yield crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, ad, nonce, chunk_key)
        except CryptoError:
            raise IntegrityError() from None
    if source.read(1):
        raise IntegrityError()
