"""Decrypting Coffer's stream format (docs/format-stream.md), for scans shared with apps.

Written from the spec with PyNaCl's primitives alone: keyed BLAKE2b with a
personalisation for the subkeys and the key commitment, XChaCha20-Poly1305 for the
chunks. Push ciphertext in pieces of any size; plaintext comes out chunk by chunk,
and is authentic only once `finalize()` returns (a truncated stream fails there).
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

import nacl.encoding
import nacl.exceptions
import nacl.hash
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt

from .errors import VerificationError

VERSION = 0x01
KEY_SIZE = 32
PREFIX_SIZE = 16
COMMITMENT_SIZE = 32
HEADER_SIZE = 1 + PREFIX_SIZE + COMMITMENT_SIZE
CHUNK_SIZE = 65536
TAG_SIZE = 16
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
COUNTER_SIZE = 7

CHUNK_KEY_PERSON = b"coffer.stream.ck"
COMMITMENT_KEY_PERSON = b"coffer.stream.mk"
COMMITMENT_PERSON = b"coffer.stream.hc"


def ciphertext_size(plaintext_size: int) -> int:
    """The stream's length for a plaintext of this many bytes (docs/format-stream.md)."""
    chunks = max(1, -(-plaintext_size // CHUNK_SIZE))
    return HEADER_SIZE + chunks * TAG_SIZE + plaintext_size


def _blake2b(data: bytes, *, key: bytes, person: bytes) -> bytes:
    digest: bytes = nacl.hash.blake2b(data, digest_size=32, key=key, person=person, encoder=nacl.encoding.RawEncoder)
    return digest


def _failed() -> VerificationError:
    return VerificationError("the stream failed its integrity check")


class StreamDecryptor:
    """One stream, opened with its key and context. Any failure raises VerificationError,
    and so does every later call."""

    def __init__(self, key: bytes, context: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise ValueError("a stream key is 32 bytes")
        self._key, self._context = key, context
        self._chunk_key = b""
        self._associated = b""
        self._prefix = b""
        self._pending = bytearray()
        self._index = 0
        self._broken = False
        self._done = False
        self.plaintext_size = 0

    def chunks(self, data: bytes) -> Iterator[bytes]:
        """The plaintext of every chunk `data` completes that is known not to be the last."""
        self._check()
        self._pending += data
        try:
            if not self._prefix:
                if len(self._pending) < HEADER_SIZE:
                    return
                self._open_header(bytes(self._pending[:HEADER_SIZE]))
                del self._pending[:HEADER_SIZE]
            # Keep one whole chunk back: only the end of input says which chunk is last.
            while len(self._pending) > SEALED_CHUNK_SIZE:
                sealed = bytes(self._pending[:SEALED_CHUNK_SIZE])
                del self._pending[:SEALED_CHUNK_SIZE]
                yield self._open(sealed, last=False)
        except VerificationError:
            self._broken = True
            raise

    def finalize(self) -> bytes:
        """Opens the last chunk; raises VerificationError for a truncated or damaged stream."""
        self._check()
        self._done = True
        try:
            if not self._prefix:
                raise _failed()
            return self._open(bytes(self._pending), last=True)
        except VerificationError:
            self._broken = True
            raise
        finally:
            self._pending.clear()

    def _open_header(self, header: bytes) -> None:
        if header[0] != VERSION:
            raise _failed()
        commitment_key = _blake2b(b"", key=self._key, person=COMMITMENT_KEY_PERSON)
        expected = _blake2b(header[: 1 + PREFIX_SIZE] + self._context, key=commitment_key, person=COMMITMENT_PERSON)
        if not hmac.compare_digest(expected, header[1 + PREFIX_SIZE :]):
            raise _failed()
        self._chunk_key = _blake2b(b"", key=self._key, person=CHUNK_KEY_PERSON)
        self._prefix = header[1 : 1 + PREFIX_SIZE]
        self._associated = header + self._context

    def _open(self, sealed: bytes, *, last: bool) -> bytes:
        length = len(sealed) - TAG_SIZE
        canonical = length == CHUNK_SIZE if not last else (0 < length <= CHUNK_SIZE or (length == 0 and self._index == 0))
        if not canonical or self._index >= 1 << (8 * COUNTER_SIZE):
            raise _failed()
        nonce = self._prefix + self._index.to_bytes(COUNTER_SIZE, "big") + (b"\x01" if last else b"\x00")
        try:
            plaintext: bytes = crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, self._associated, nonce, self._chunk_key)
        except nacl.exceptions.CryptoError:
            raise _failed() from None
        self._index += 1
        self.plaintext_size += len(plaintext)
        return plaintext

    def _check(self) -> None:
        if self._broken:
            raise _failed()
        if self._done:
            raise ValueError("the stream is already finalized")
