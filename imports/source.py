"""The uploaded import source, kept only encrypted (docs/format-stream.md) under the
job's source key, and read back as a stream (an age file, JSON) or seekably (a zip).
No plaintext byte of it touches disk; memory holds a batch of ciphertext, or a chunk."""

from __future__ import annotations

import io
import logging

from django.conf import settings

from coffer.errors import DomainError
from files.writer import BlobWriteFailed, BlobWriter
from storage.base import BlobStore
from vault.crypto.stream import CHUNK_SIZE, StreamEncryptor, ciphertext_size, decrypt_range, decrypt_stream

logger = logging.getLogger(__name__)

BATCH_BYTES = 1024 * 1024


class SourceTooLarge(DomainError):
    def __init__(self, limit: int):
        super().__init__("import_too_large", f"An import source may hold at most {limit} bytes.", status=413,
                         extra={"limit": limit})


class SourceStorageUnavailable(DomainError):
    def __init__(self):
        super().__init__("storage_unavailable", "The import could not be stored; try again later.", status=503)


class SourceWriter:
    """Plaintext pieces in, an encrypted blob out. discard() leaves nothing behind."""

    def __init__(self, store: BlobStore, *, key: bytes, context: bytes, max_bytes: int | None = None):
        self.store = store
        self.blob_key = store.new_key()
        self.max_bytes = settings.COFFER_IMPORT_MAX_SOURCE_BYTES if max_bytes is None else max_bytes
        self.plaintext_size = 0
        self.ciphertext_size = 0
        self.head = b""  # the first bytes, to tell the format
        self._encryptor = StreamEncryptor(key, context)
        self._writer: BlobWriter | None = None
        self._batch: list[bytes] = []
        self._batch_bytes = 0
        self.stored = False

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.plaintext_size += len(data)
        if self.plaintext_size > self.max_bytes:
            raise SourceTooLarge(self.max_bytes)
        if len(self.head) < 64:
            self.head += data[: 64 - len(self.head)]
        for sealed in self._encryptor.chunks(data):
            self._queue(sealed)

    def finish(self) -> None:
        self._queue(self._encryptor.finalize())
        self._flush()
        try:
            stored = self._writer_started().close()
        except BlobWriteFailed:
            raise SourceStorageUnavailable() from None
        if stored != ciphertext_size(self.plaintext_size) or stored != self.ciphertext_size:
            self.discard()
            raise SourceStorageUnavailable()
        self.stored = True

    def discard(self) -> None:
        if self._writer is not None and not self.stored:
            self._writer.abort()
        self._batch.clear()
        source_delete(self.store, self.blob_key)
        self.stored = False

    def _queue(self, sealed: bytes) -> None:
        self._batch.append(sealed)
        self._batch_bytes += len(sealed)
        self.ciphertext_size += len(sealed)
        if self._batch_bytes >= BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        try:
            self._writer_started().write(batch)
        except BlobWriteFailed:
            raise SourceStorageUnavailable() from None

    def _writer_started(self) -> BlobWriter:
        if self._writer is None:
            self._writer = BlobWriter(self.store, self.blob_key, depth=8)
        return self._writer


def source_delete(store: BlobStore, blob_key: str) -> None:
    if not blob_key:
        return
    try:
        store.delete(blob_key)
    except Exception:
        # Only ciphertext under a key no row names: the blob GC removes it later.
        logger.warning("could not delete an import source", exc_info=True)


def source_stream(store: BlobStore, blob_key: str, *, key: bytes, context: bytes, size: int):
    """The whole plaintext, chunk by chunk; IntegrityError when a chunk fails, at the latest at the end."""
    return decrypt_stream(key, context, store.iter_range(blob_key, 0, size))


WINDOW_CHUNKS = 16  # chunks opened per read of the store: 1 MiB of plaintext


class SeekableSource(io.RawIOBase):
    """A read-only, seekable view of the stored plaintext, for zipfile. Opens only the
    chunks a read covers (the stream format's random access), a window of
    WINDOW_CHUNKS at a time, and keeps the last window."""

    def __init__(self, store: BlobStore, blob_key: str, *, key: bytes, context: bytes,
                 ciphertext_size: int, plaintext_size: int):
        self.store, self.blob_key, self.key, self.context = store, blob_key, key, context
        self.ciphertext_size, self.length = ciphertext_size, plaintext_size
        self.position = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def _window(self, window: int) -> bytes:
        if self._cached is None or self._cached[0] != window:
            start = window * WINDOW_CHUNKS * CHUNK_SIZE
            end = min(start + WINDOW_CHUNKS * CHUNK_SIZE, self.length) - 1
            plain = b"".join(decrypt_range(self.key, self.context, self._read_at, self.ciphertext_size, start, end))
            self._cached = (window, plain)
        return self._cached[1]

    def _read_at(self, start: int, length: int) -> bytes:
        return self.store.read_range(self.blob_key, start, length)

    def readinto(self, buffer) -> int:
        if self.position >= self.length:
            return 0
        window, offset = divmod(self.position, WINDOW_CHUNKS * CHUNK_SIZE)
        piece = self._window(window)[offset : offset + len(buffer)]
        buffer[: len(piece)] = piece
        self.position += len(piece)
        return len(piece)
