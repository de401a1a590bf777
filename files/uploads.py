"""One file on its way in: plaintext pieces are sniffed, counted, encrypted and
handed to the blob store as they arrive. Nothing but ciphertext leaves this object,
and no plaintext is kept beyond the first SNIFF_BYTES and the chunk being sealed.

    upload.write(piece) ... upload.finish()   -> the blob is stored; then a row is made
    upload.discard()                          -> on any failure: no blob is left behind
"""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass

from storage.base import BlobStore
from vault.crypto.stream import StreamEncryptor, ciphertext_size

from . import sniffing
from .errors import FileTooLarge, QuotaExceeded, StorageUnavailable
from .writer import BlobWriteFailed, BlobWriter

logger = logging.getLogger(__name__)

# Ciphertext goes to the writer thread in batches of about this many bytes, at most
# WRITER_DEPTH batches ahead (1 MiB in all): enough to keep the writer busy while the
# request body is read. What waits here is held on top of the store's parts, and a
# deeper queue measured no faster, only bigger (docs/performance.md, "Worker memory
# during an upload").
BATCH_BYTES = 256 * 1024
WRITER_DEPTH = 4


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int  # the largest file accepted
    quota: int  # the owner's quota ...
    used: int  # ... and how much of it their files held when the upload began

    @property
    def room(self) -> int:
        return max(0, self.quota - self.used)

    def check(self, size: int) -> None:
        """FileTooLarge or QuotaExceeded for a file of `size` plaintext bytes."""
        if size > self.max_bytes:
            raise FileTooLarge(limit=self.max_bytes)
        if size > self.room:
            raise QuotaExceeded(quota=self.quota, used=self.used)


class State(enum.Enum):
    RECEIVING = "receiving"
    STORED = "stored"  # the blob is complete; no row refers to it yet
    COMMITTED = "committed"  # a row refers to the blob: it is no longer ours to delete
    DISCARDED = "discarded"


@dataclass(frozen=True)
class NewFileKeys:
    """The crypto an upload starts with (files.sealing makes them)."""

    file_id: uuid.UUID
    dek: bytes
    wrapped_dek: bytes
    vault_key_version: int
    dek_version: int
    stream_context: bytes


class FileUpload:
    def __init__(
        self,
        *,
        store: BlobStore,
        owner_id: int,
        keys: NewFileKeys,
        filename: str,
        declared_type: str | None,
        limits: UploadLimits,
    ) -> None:
        self.store = store
        self.owner_id = owner_id
        self.keys = keys
        self.filename = filename
        self.declared_type = declared_type
        self.limits = limits
        self.blob_key = store.new_key()
        self.content_type: str | None = None  # known once the first bytes are sniffed
        self.plaintext_size = 0
        self.ciphertext_size = 0
        self.state = State.RECEIVING
        self._head = bytearray()
        self._encryptor = StreamEncryptor(keys.dek, keys.stream_context)
        self._writer: BlobWriter | None = None
        self._batch: list[bytes] = []
        self._batch_bytes = 0

    @property
    def file_id(self) -> uuid.UUID:
        return self.keys.file_id

    def write(self, data: bytes) -> None:
        """Take the next plaintext piece. Raises FileTooLarge, QuotaExceeded,
        UnsupportedContent or StorageUnavailable; the caller then discards."""
        self._check_state(State.RECEIVING)
        if not data:
            return
        self.plaintext_size += len(data)
        self.limits.check(self.plaintext_size)
        if self.content_type is None:
            self._head += data
            if len(self._head) < sniffing.SNIFF_BYTES:
                return
            self.content_type = sniffing.check_type(
                bytes(self._head[: sniffing.SNIFF_BYTES]), declared=self.declared_type, whole_file=False
            )
            data, self._head = bytes(self._head), bytearray()
        self._encrypt(data)

    def finish(self) -> None:
        """Seal the last chunk and wait until the store holds the whole blob."""
        self._check_state(State.RECEIVING)
        if self.content_type is None:
            head, self._head = bytes(self._head), bytearray()
            self.content_type = sniffing.check_type(head, declared=self.declared_type, whole_file=True)
            self._encrypt(head)
        self._queue(self._encryptor.finalize())
        self._flush()
        try:
            stored_size = self._writer_started().close()
        except BlobWriteFailed:
            self.state = State.DISCARDED
            raise StorageUnavailable() from None
        expected = ciphertext_size(self.plaintext_size)
        if stored_size != expected or self.ciphertext_size != expected:
            self._delete_blob()
            self.state = State.DISCARDED
            raise StorageUnavailable()
        self.state = State.STORED

    def committed(self) -> None:
        """A row now refers to the blob: discard() must leave it alone."""
        self._check_state(State.STORED)
        self.state = State.COMMITTED

    def discard(self) -> None:
        """Leave nothing behind: abort a write in progress, or delete a stored blob
        that no row refers to. Safe to call in any state, more than once."""
        if self.state is State.RECEIVING:
            if self._writer is not None:
                self._writer.abort()
            self._batch.clear()
            self._head.clear()
        elif self.state is State.STORED:
            self._delete_blob()
        if self.state is not State.COMMITTED:
            self.state = State.DISCARDED

    def close(self) -> None:
        """Django closes every uploaded file when its request ends: a last chance
        to leave nothing behind, should a view have missed a failure."""
        self.discard()

    def _encrypt(self, data: bytes) -> None:
        for sealed in self._encryptor.chunks(data):
            self._queue(sealed)

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
            raise StorageUnavailable() from None

    def _writer_started(self) -> BlobWriter:
        # Started on the first ciphertext, so a refusal before it costs no thread.
        if self._writer is None:
            self._writer = BlobWriter(self.store, self.blob_key, depth=WRITER_DEPTH)
        return self._writer

    def _delete_blob(self) -> None:
        try:
            self.store.delete(self.blob_key)
        except Exception:
            # The blob holds only ciphertext under a key no row names; the orphan
            # collector removes it later. The caller's own error matters more.
            logger.warning("could not delete an uncommitted blob", exc_info=True)

    def _check_state(self, expected: State) -> None:
        if self.state is not expected:
            raise ValueError(f"upload is {self.state.value}, not {expected.value}")
