"""Decrypt a byte range of a stored file, chunk by chunk, reading ahead.

Only the sealed chunks that cover the range are read and opened (docs/format-stream.md,
"Random access"). The object's size is checked against the size recorded at upload
first, so a truncated or padded object fails before any plaintext is released.
"""

from __future__ import annotations

from collections.abc import Iterator

from storage.base import BlobStore
from vault.crypto.errors import IntegrityError
from vault.crypto.stream import CHUNK_SIZE, HEADER_SIZE, decrypt_range, decrypt_stream, sealed_chunk_offset

from .readahead import ReadAhead


def decrypted_range(
    *,
    store: BlobStore,
    blob_key: str,
    dek: bytes,
    context: bytes,
    ciphertext_size: int,
    plaintext_size: int,
    start: int,
    end: int,
    read_ahead: int,
) -> Iterator[bytes]:
    """Plaintext bytes start..end (inclusive). The object's size and the stream
    header are checked before this returns (IntegrityError, or BlobNotFound); a
    damaged chunk raises IntegrityError from the iterator when it is reached."""
    if store.size(blob_key) != ciphertext_size:
        raise IntegrityError()
    if plaintext_size == 0:
        # Nothing to serve, but the one empty chunk still proves the stream whole.
        blob = store.read_range(blob_key, 0, ciphertext_size)
        for _ in decrypt_stream(dek, context, [blob]):
            raise IntegrityError()
        return iter(())
    first, last = start // CHUNK_SIZE, end // CHUNK_SIZE
    # From 0 when the range starts in chunk 0, so the header comes with the first read.
    window_start = 0 if first == 0 else sealed_chunk_offset(first)
    window_end = min(sealed_chunk_offset(last + 1), ciphertext_size)
    reader = ReadAhead(store, blob_key, window_start, max(window_end, HEADER_SIZE), depth=read_ahead)
    try:
        pieces = decrypt_range(dek, context, reader.read_at, ciphertext_size, start, end)
    except BaseException:
        reader.close()
        raise
    return _closing(pieces, reader)


def _closing(pieces: Iterator[bytes], reader: ReadAhead) -> Iterator[bytes]:
    try:
        yield from pieces
    finally:
        reader.close()
