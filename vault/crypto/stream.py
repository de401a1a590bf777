"""Seekable encrypted file streams: the STREAM construction, as in age and Tink.

A stream is a fixed 49-byte header followed by the plaintext in 64 KiB chunks, each
sealed with XChaCha20-Poly1305 under the nonce prefix || chunk index || last-chunk flag.
The header commits to the key and the caller's context. docs/format-stream.md is the
specification; this module implements it and nothing more.

Chunk i depends only on (key, header, context, i, last), so chunks can be sealed in
parallel (one S3 part at a time) and opened at random (HTTP Range requests).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import nacl.encoding
import nacl.exceptions
import nacl.hash
import nacl.utils
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)

from vault.crypto.errors import IntegrityError

VERSION = 0x01
KEY_SIZE = 32
PREFIX_SIZE = 16
COMMITMENT_SIZE = 32
HEADER_SIZE = 1 + PREFIX_SIZE + COMMITMENT_SIZE
CHUNK_SIZE = 65536
TAG_SIZE = 16
SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE
COUNTER_SIZE = 7
MAX_CHUNKS = 1 << (8 * COUNTER_SIZE)

# BLAKE2b personalisation strings, exactly 16 bytes each (docs/format-stream.md).
CHUNK_KEY_PERSON = b"coffer.stream.ck"
COMMITMENT_KEY_PERSON = b"coffer.stream.mk"
COMMITMENT_PERSON = b"coffer.stream.hc"

_LAST = b"\x01"
_NOT_LAST = b"\x00"
_RANGE_CHUNKS_PER_READ = 16

Rng = Callable[[int], bytes]
ReadAt = Callable[[int, int], bytes]


@dataclass(frozen=True, slots=True)
class _StreamKeys:
    """What sealing or opening the chunks of one verified header needs."""

    chunk_key: bytes
    prefix: bytes
    associated_data: bytes


# --- sizes -------------------------------------------------------------------------


def chunk_count(plaintext_size: int) -> int:
    """How many chunks a plaintext of this size is cut into (an empty one is one chunk)."""
    if plaintext_size < 0:
        raise ValueError("plaintext size must not be negative")
    return max(1, -(-plaintext_size // CHUNK_SIZE))


def ciphertext_size(plaintext_size: int) -> int:
    """The exact size of the stream that encrypts `plaintext_size` bytes."""
    count = chunk_count(plaintext_size)
    if count > MAX_CHUNKS:
        raise ValueError("plaintext too large for one stream")
    return HEADER_SIZE + plaintext_size + count * TAG_SIZE


def plaintext_size(ciphertext_size: int) -> int:
    """The plaintext size a stream of this size holds; IntegrityError if none could."""
    body = ciphertext_size - HEADER_SIZE
    if body < TAG_SIZE:
        raise IntegrityError()
    full_chunks, rest = divmod(body, SEALED_CHUNK_SIZE)
    if rest == 0:
        count, size = full_chunks, full_chunks * CHUNK_SIZE
    elif rest > TAG_SIZE or (rest == TAG_SIZE and full_chunks == 0):
        count, size = full_chunks + 1, full_chunks * CHUNK_SIZE + rest - TAG_SIZE
    else:
        raise IntegrityError()
    if count > MAX_CHUNKS:
        raise IntegrityError()
    return size


def sealed_chunk_offset(index: int) -> int:
    """Where sealed chunk `index` starts in the stream."""
    return HEADER_SIZE + index * SEALED_CHUNK_SIZE


# --- keys and header ---------------------------------------------------------------


def _check_key_and_context(dek: bytes, context: bytes) -> None:
    if not isinstance(dek, bytes) or not isinstance(context, bytes):
        raise TypeError("dek and context must be bytes")
    if len(dek) != KEY_SIZE:
        raise ValueError("dek must be 32 bytes")


def _blake2b(data: bytes, *, key: bytes, person: bytes) -> bytes:
    return nacl.hash.blake2b(
        data, digest_size=32, key=key, person=person, encoder=nacl.encoding.RawEncoder
    )


def _commitment(dek: bytes, version_and_prefix: bytes, context: bytes) -> bytes:
    commitment_key = _blake2b(b"", key=dek, person=COMMITMENT_KEY_PERSON)
    return _blake2b(version_and_prefix + context, key=commitment_key, person=COMMITMENT_PERSON)


def new_header(dek: bytes, context: bytes, *, rng: Rng = nacl.utils.random) -> bytes:
    """A fresh header: version, random nonce prefix, key commitment."""
    _check_key_and_context(dek, context)
    prefix = rng(PREFIX_SIZE)
    if len(prefix) != PREFIX_SIZE:
        raise ValueError("rng returned the wrong number of bytes")
    version_and_prefix = bytes([VERSION]) + prefix
    return version_and_prefix + _commitment(dek, version_and_prefix, context)


@dataclass(frozen=True, slots=True)
class StreamHeader:
    """A header's fields, checked as far as they can be without the key."""

    version: int
    nonce_prefix: bytes
    commitment: bytes


def parse_header(header: bytes) -> StreamHeader:
    """Split a header into its fields; IntegrityError unless it is 49 bytes of version 1.

    Needs no key, so a consistency check can run it over every stored object; the
    commitment itself is only checked by `open_header`.
    """
    header = bytes(header)
    if len(header) != HEADER_SIZE or header[0] != VERSION:
        raise IntegrityError()
    return StreamHeader(
        version=header[0],
        nonce_prefix=header[1 : 1 + PREFIX_SIZE],
        commitment=header[1 + PREFIX_SIZE :],
    )


def _open_header(dek: bytes, context: bytes, header: bytes) -> _StreamKeys:
    _check_key_and_context(dek, context)
    fields = parse_header(header)
    version_and_prefix = bytes([fields.version]) + fields.nonce_prefix
    expected = _commitment(dek, version_and_prefix, context)
    if not hmac.compare_digest(expected, fields.commitment):
        raise IntegrityError()
    return _StreamKeys(
        chunk_key=_blake2b(b"", key=dek, person=CHUNK_KEY_PERSON),
        prefix=fields.nonce_prefix,
        associated_data=bytes(header) + context,
    )


def open_header(dek: bytes, context: bytes, header: bytes) -> None:
    """Check the version and the key commitment; IntegrityError if either is wrong."""
    _open_header(dek, context, header)


# --- single chunks -----------------------------------------------------------------


def _is_canonical_length(plaintext_length: int, index: int, last: bool) -> bool:
    if not last:
        return plaintext_length == CHUNK_SIZE
    # Empty only when it is the whole (empty) file; full only when the size is a multiple.
    return 0 < plaintext_length <= CHUNK_SIZE or (plaintext_length == 0 and index == 0)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    if not 0 <= index < MAX_CHUNKS:
        raise ValueError("chunk index out of range")
    return prefix + index.to_bytes(COUNTER_SIZE, "big") + (_LAST if last else _NOT_LAST)


def _seal(keys: _StreamKeys, index: int, plaintext: bytes, last: bool) -> bytes:
    if not _is_canonical_length(len(plaintext), index, last):
        raise ValueError("a non-last chunk must be full; a last chunk non-empty unless alone")
    nonce = _nonce(keys.prefix, index, last)
    return crypto_aead_xchacha20poly1305_ietf_encrypt(
        plaintext, keys.associated_data, nonce, keys.chunk_key
    )


def _open(keys: _StreamKeys, index: int, sealed: bytes, last: bool) -> bytes:
    nonce = _nonce(keys.prefix, index, last)
    if not _is_canonical_length(len(sealed) - TAG_SIZE, index, last):
        raise IntegrityError()
    try:
        return crypto_aead_xchacha20poly1305_ietf_decrypt(
            sealed, keys.associated_data, nonce, keys.chunk_key
        )
    except nacl.exceptions.CryptoError:
        raise IntegrityError() from None


def encrypt_chunk(
    dek: bytes, header: bytes, context: bytes, index: int, plaintext: bytes, last: bool
) -> bytes:
    """Seal chunk `index` of the stream that `header` starts.

    The header is checked against dek and context first (IntegrityError if it does not
    match), so a worker handed the wrong key cannot write an unreadable part.
    """
    return _seal(_open_header(dek, context, header), index, bytes(plaintext), last)


def encrypt_chunks(
    dek: bytes, header: bytes, context: bytes, first_index: int, plaintext: bytes, *, last: bool
) -> bytes:
    """Seal a run of chunks starting at `first_index`, such as one S3 multipart part.

    Unless `last`, the plaintext must be a non-zero multiple of CHUNK_SIZE.
    """
    keys = _open_header(dek, context, header)
    view = memoryview(plaintext).cast("B")
    count = chunk_count(len(view))
    if not last and (len(view) == 0 or len(view) % CHUNK_SIZE):
        raise ValueError("a part other than the last must hold whole chunks")
    sealed = []
    for offset in range(count):
        piece = bytes(view[offset * CHUNK_SIZE : (offset + 1) * CHUNK_SIZE])
        sealed.append(_seal(keys, first_index + offset, piece, last and offset == count - 1))
    return b"".join(sealed)


def decrypt_chunk(
    dek: bytes, header: bytes, context: bytes, index: int, sealed: bytes, last: bool
) -> bytes:
    """Open chunk `index`; IntegrityError if the header, length, position or tag is wrong."""
    return _open(_open_header(dek, context, header), index, bytes(sealed), last)


# --- whole streams -----------------------------------------------------------------


def _byte_view(data: bytes) -> memoryview:
    return memoryview(data).cast("B")


def _blocks_followed_by_more(pending: bytearray, view: memoryview, size: int) -> Iterator[bytes]:
    """Yield `size`-byte blocks that more input is known to follow.

    The last block is sealed differently, so one block is held back until at least one
    more byte arrives. On return `pending` holds 0..size bytes.
    """
    if pending and view:
        fill = size - len(pending)
        pending += view[:fill]
        view = view[fill:]
        if view:
            block = bytes(pending)
            pending.clear()
            yield block
    while len(view) > size:
        yield bytes(view[:size])
        view = view[size:]
    pending += view


class StreamEncryptor:
    """Push-style encryption for an upload handler that receives arbitrary pieces.

    Buffers at most one chunk of plaintext: the one that might turn out to be last.
    """

    def __init__(self, dek: bytes, context: bytes, *, rng: Rng = nacl.utils.random) -> None:
        self.header = new_header(dek, context, rng=rng)
        self._keys = _open_header(dek, context, self.header)
        self._pending = bytearray()
        self._next_index = 0
        self._header_sent = False
        self._finished = False
        self.plaintext_size = 0

    def update(self, data: bytes) -> bytes:
        """Consume `data`; return the ciphertext ready so far (the header comes first)."""
        return b"".join(self.chunks(data))

    def chunks(self, data: bytes) -> Iterator[bytes]:
        """Like update(), one sealed chunk at a time. Exhaust it before the next call.

        Prefer it for large pieces: it never builds one big output buffer.
        """
        self._check_not_finished()
        view = _byte_view(data)
        self.plaintext_size += len(view)
        yield from self._take_header()
        for chunk in _blocks_followed_by_more(self._pending, view, CHUNK_SIZE):
            yield self._seal_next(chunk, last=False)

    def finalize(self) -> bytes:
        """Seal the buffered rest as the last chunk and return the remaining ciphertext."""
        self._check_not_finished()
        self._finished = True
        out = self._take_header()
        out.append(self._seal_next(bytes(self._pending), last=True))
        self._pending.clear()
        return b"".join(out)

    def _take_header(self) -> list[bytes]:
        if self._header_sent:
            return []
        self._header_sent = True
        return [self.header]

    def _seal_next(self, chunk: bytes, last: bool) -> bytes:
        sealed = _seal(self._keys, self._next_index, chunk, last)
        self._next_index += 1
        return sealed

    def _check_not_finished(self) -> None:
        if self._finished:
            raise ValueError("stream already finalized")


class StreamDecryptor:
    """Push-style decryption of arbitrary ciphertext pieces.

    Plaintext comes out before the end is authenticated: treat it as unverified until
    finalize() returns. After any IntegrityError every further call raises it too.
    """

    def __init__(self, dek: bytes, context: bytes) -> None:
        _check_key_and_context(dek, context)
        self._dek = dek
        self._context = context
        self._keys: _StreamKeys | None = None
        self._pending = bytearray()
        self._next_index = 0
        self._failed = False
        self._finished = False
        self.plaintext_size = 0

    def update(self, data: bytes) -> bytes:
        """Consume `data`; return the plaintext of every chunk known not to be last."""
        return b"".join(self.chunks(data))

    def chunks(self, data: bytes) -> Iterator[bytes]:
        """Like update(), one chunk of plaintext at a time. Exhaust it before the next call."""
        self._check_usable()
        try:
            view = self._consume_header(_byte_view(data))
            if self._keys is None:
                return
            for sealed in _blocks_followed_by_more(self._pending, view, SEALED_CHUNK_SIZE):
                yield self._open_next(sealed, last=False)
        except IntegrityError:
            self._failed = True
            raise

    def finalize(self) -> bytes:
        """Open the last chunk; IntegrityError if the stream is truncated or malformed."""
        self._check_usable()
        self._finished = True
        try:
            if self._keys is None:
                raise IntegrityError()
            plaintext = self._open_next(bytes(self._pending), last=True)
        except IntegrityError:
            self._failed = True
            raise
        finally:
            self._pending.clear()
        return plaintext

    def _consume_header(self, view: memoryview) -> memoryview:
        if self._keys is not None:
            return view
        needed = HEADER_SIZE - len(self._pending)
        self._pending += view[:needed]
        if len(self._pending) == HEADER_SIZE:
            self._keys = _open_header(self._dek, self._context, bytes(self._pending))
            self._pending.clear()
        return view[needed:]

    def _open_next(self, sealed: bytes, last: bool) -> bytes:
        assert self._keys is not None
        plaintext = _open(self._keys, self._next_index, sealed, last)
        self._next_index += 1
        self.plaintext_size += len(plaintext)
        return plaintext

    def _check_usable(self) -> None:
        if self._failed:
            raise IntegrityError()
        if self._finished:
            raise ValueError("stream already finalized")


def encrypt_stream(
    dek: bytes, context: bytes, chunks: Iterable[bytes], *, rng: Rng = nacl.utils.random
) -> Iterator[bytes]:
    """Encrypt plaintext pieces of any size; yields the header, then sealed chunks."""
    encryptor = StreamEncryptor(dek, context, rng=rng)
    for piece in chunks:
        yield from encryptor.chunks(piece)
    yield encryptor.finalize()


def decrypt_stream(
    dek: bytes, context: bytes, ciphertext_chunks: Iterable[bytes]
) -> Iterator[bytes]:
    """Decrypt ciphertext pieces of any size, yielding plaintext chunk by chunk.

    Raises IntegrityError, at the latest when the input ends, for any tampering or
    truncation: a clean end means the whole stream was authentic.
    """
    decryptor = StreamDecryptor(dek, context)
    for piece in ciphertext_chunks:
        yield from decryptor.chunks(piece)
    plaintext = decryptor.finalize()
    if plaintext:
        yield plaintext


# --- ranges ------------------------------------------------------------------------


def _read_exact(read_at: ReadAt, offset: int, length: int) -> bytes:
    data = bytes(read_at(offset, length))
    if len(data) != length:
        raise IntegrityError()
    return data


def decrypt_range(
    dek: bytes,
    context: bytes,
    read_at: ReadAt,
    ciphertext_size: int,
    start: int,
    end: int,
) -> Iterator[bytes]:
    """Plaintext bytes start..end (inclusive), reading only the header and covering chunks.

    The size, the range and the header are checked before this returns, so a caller can
    answer an error before it starts a response: ValueError for a range outside the
    plaintext, IntegrityError for a bad size or header. Chunks are read up to 16 per
    read_at call and yielded one at a time. The file's final chunk is opened as the last
    one, so a range that reaches the end also proves the file was not truncated.
    """
    size = plaintext_size(ciphertext_size)
    if not 0 <= start <= end < size:
        raise ValueError("range not satisfiable")
    keys = _open_header(dek, context, _read_exact(read_at, 0, HEADER_SIZE))
    return _range_chunks(keys, read_at, ciphertext_size, chunk_count(size) - 1, start, end)


def _range_chunks(
    keys: _StreamKeys, read_at: ReadAt, stream_size: int, last_index: int, start: int, end: int
) -> Iterator[bytes]:
    first, final = start // CHUNK_SIZE, end // CHUNK_SIZE
    for batch_first in range(first, final + 1, _RANGE_CHUNKS_PER_READ):
        batch_end = min(batch_first + _RANGE_CHUNKS_PER_READ, final + 1)
        offset = sealed_chunk_offset(batch_first)
        length = min(sealed_chunk_offset(batch_end), stream_size) - offset
        batch = memoryview(_read_exact(read_at, offset, length))
        for index in range(batch_first, batch_end):
            at = (index - batch_first) * SEALED_CHUNK_SIZE
            sealed = bytes(batch[at : at + SEALED_CHUNK_SIZE])
            plaintext = _open(keys, index, sealed, last=index == last_index)
            chunk_start = index * CHUNK_SIZE
            low = start - chunk_start if index == first else 0
            high = end - chunk_start + 1 if index == final else len(plaintext)
            yield plaintext[low:high]
