"""Push bytes into a pull-style `BlobStore.put`: the put runs on a thread and reads
from a small bounded queue, so an upload handler can hand over ciphertext as it
arrives while memory stays bounded (queue depth x batch size, plus the store's own
part buffers), whatever the size of the blob.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator, Sequence

from storage.base import BlobStore

logger = logging.getLogger(__name__)

_END = object()
_ABORT = object()
_POLL_SECONDS = 0.5


class BlobWriteAborted(Exception):
    """Raised inside the put's chunk iterator, so the store cleans up its partial write."""


class BlobWriteFailed(Exception):
    """The store refused or failed the write; the cause is chained, never shown to clients."""


class BlobWriter:
    """One blob being written by `store.put(key, ...)` on a background thread.

    `write` blocks while the queue is full (back-pressure on the request body),
    `close` waits for the put to finish and returns the blob's size, `abort` makes
    the put fail so the store leaves nothing behind. Not thread-safe: one producer.
    """

    def __init__(self, store: BlobStore, key: str, *, depth: int = 4) -> None:
        self.store = store
        self.key = key
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._size: int | None = None
        self._done = False
        self._thread = threading.Thread(target=self._run, name="coffer-blob-put", daemon=True)
        self._thread.start()

    def write(self, pieces: Sequence[bytes]) -> None:
        """Queue a batch of pieces (kept as they are: no joining, no copy)."""
        if self._done:
            raise ValueError("blob writer already closed")
        self._put(list(pieces))

    def close(self) -> int:
        """Finish the blob; return its size, or raise BlobWriteFailed."""
        if self._done:
            raise ValueError("blob writer already closed")
        self._put(_END)
        self._done = True
        self._thread.join()
        if self._error is not None:
            raise BlobWriteFailed() from self._error
        assert self._size is not None
        return self._size

    def abort(self) -> None:
        """Make the put fail and wait for the store to clean up. Idempotent."""
        if self._done:
            return
        self._done = True
        # Only this producer fills the queue: once drained, the marker always fits.
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(_ABORT)
        self._thread.join()

    @property
    def failed(self) -> bool:
        return self._error is not None

    def _put(self, item: object) -> None:
        while True:
            if self._error is not None or not self._thread.is_alive():
                self._done = True
                self._thread.join()
                raise BlobWriteFailed() from self._error
            try:
                self._queue.put(item, timeout=_POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _chunks(self) -> Iterator[bytes]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if item is _ABORT:
                raise BlobWriteAborted()
            yield from item  # type: ignore[misc]

    def _run(self) -> None:
        try:
            self._size = self.store.put(self.key, self._chunks())
        except BlobWriteAborted as aborted:
            self._error = aborted
        except BaseException as error:  # reported to the producer, never lost
            logger.warning("blob write failed: %s", type(error).__name__, exc_info=True)
            self._error = error
