"""Read a window of a blob ahead of its consumer, a few ranges at once.

`decrypt_range` asks for the header, then for the sealed chunks in order, through a
`read_at(offset, length)` callback. One ranged GET per call would leave S3 idle
while a chunk is decrypted; ReadAhead instead keeps up to `depth` ranges in flight
on a small thread pool, growing from 1 MiB (a quick first byte) to 8 MiB, and serves
the in-order reads from them. Any other read goes straight to the store, so it is
correct for every access pattern and fast for the sequential one. Memory is bounded
by depth x 8 MiB, whatever the size of the blob.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from storage.base import BlobStore

FIRST_RANGE = 1024 * 1024
LARGEST_RANGE = 8 * 1024 * 1024


def plan_ranges(
    start: int, end: int, *, first: int = FIRST_RANGE, largest: int = LARGEST_RANGE
) -> list[tuple[int, int]]:
    """(offset, length) ranges covering start..end (exclusive), doubling in size."""
    ranges = []
    size, offset = first, start
    while offset < end:
        length = min(size, end - offset)
        ranges.append((offset, length))
        offset += length
        size = min(size * 2, largest)
    return ranges


class ReadAhead:
    def __init__(self, store: BlobStore, key: str, start: int, end: int, *, depth: int) -> None:
        self.store = store
        self.key = key
        self._position = start  # where the next in-order read starts
        self._pending = deque(plan_ranges(start, end))
        self._in_flight: deque[tuple[tuple[int, int], Future[bytes]]] = deque()
        self._current = memoryview(b"")
        self._current_start = start
        self._short = False  # a range came back short: the blob is shorter than planned
        # A single range needs no thread: read it when asked.
        self._depth = max(1, depth)
        self._pool = (
            ThreadPoolExecutor(self._depth, thread_name_prefix="coffer-read-ahead")
            if len(self._pending) > 1
            else None
        )
        self._fill()

    def read_at(self, offset: int, length: int) -> bytes:
        if offset != self._position or self._short:
            return self.store.read_range(self.key, offset, length)
        pieces = []
        while length > 0:
            at = offset - self._current_start
            if at >= len(self._current):
                if not self._advance():
                    break  # a short answer: decrypt_range treats it as truncation
                continue
            piece = self._current[at : at + length]
            pieces.append(bytes(piece))
            offset += len(piece)
            length -= len(piece)
        self._position = offset
        return b"".join(pieces)

    def close(self) -> None:
        """Cancel what has not started and wait for what has. Idempotent."""
        self._pending.clear()
        for _, future in self._in_flight:
            future.cancel()
        self._in_flight.clear()
        self._current = memoryview(b"")
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def _advance(self) -> bool:
        """Move to the next range; False at the end of the window or of the blob."""
        if self._short:
            return False
        self._fill()
        if not self._in_flight:
            return False
        (offset, length), future = self._in_flight.popleft()
        data = future.result()
        self._fill()
        self._current, self._current_start = memoryview(data), offset
        self._short = len(data) < length
        return len(data) > 0

    def _fill(self) -> None:
        while self._pending and len(self._in_flight) < self._depth:
            offset, length = self._pending.popleft()
            if self._pool is None:
                future: Future[bytes] = Future()
                future.set_result(self.store.read_range(self.key, offset, length))
            else:
                future = self._pool.submit(self.store.read_range, self.key, offset, length)
            self._in_flight.append(((offset, length), future))
