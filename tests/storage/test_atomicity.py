"""A put either stores the whole blob or leaves nothing behind."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest

from storage.base import BlobStore
from tests.fixtures.s3server import TEST_PART_SIZE
from tests.storage.conftest import Leftovers, UploadInterrupted, chunked, failing_after

P = TEST_PART_SIZE


@pytest.mark.parametrize(
    ("size", "chunks_before_failure"),
    [
        (0, 0),  # fails before the first byte
        (P // 2, 1),  # fails inside what would have been a single PUT
        (8 * P, 1),  # fails inside the first part
        (8 * P, 10),  # fails with parts already uploaded
        (8 * P, 16),  # fails after the last chunk, before completing
    ],
)
def test_it_leaves_nothing_behind_when_the_stream_fails(
    store: BlobStore, leftovers: Leftovers, size: int, chunks_before_failure: int
) -> None:
    chunks = chunked(os.urandom(size), P // 2)
    key = store.new_key()

    with pytest.raises(UploadInterrupted):
        store.put(key, failing_after(chunks, chunks_before_failure))

    assert not store.exists(key)
    assert leftovers() == []


def test_it_keeps_other_blobs_when_a_put_fails(store: BlobStore, leftovers: Leftovers) -> None:
    kept = store.new_key()
    store.put(kept, [b"kept"])

    with pytest.raises(UploadInterrupted):
        store.put(store.new_key(), failing_after(chunked(os.urandom(4 * P), P), 3))

    assert leftovers() == [f"object {kept}"]
    assert store.read_range(kept, 0, 10) == b"kept"


def test_it_cleans_up_after_a_keyboard_interrupt_too(
    store: BlobStore, leftovers: Leftovers
) -> None:
    def interrupted() -> Iterator[bytes]:
        yield os.urandom(3 * P)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.put(store.new_key(), interrupted())

    assert leftovers() == []


def test_it_aborts_uploads_abandoned_by_a_crash(
    store: BlobStore, leftovers: Leftovers, abandon_upload: Callable[[], None]
) -> None:
    abandon_upload()
    assert leftovers() != []
    time.sleep(0.05)  # so the upload is strictly older than "now"

    assert store.abort_stale_uploads(older_than=timedelta(0)) == 1
    assert leftovers() == []


def test_it_keeps_uploads_younger_than_the_cutoff(
    store: BlobStore, leftovers: Leftovers, abandon_upload: Callable[[], None]
) -> None:
    abandon_upload()

    assert store.abort_stale_uploads(older_than=timedelta(hours=1)) == 0
    assert len(leftovers()) == 1


def test_it_finds_no_stale_uploads_in_a_clean_store(store: BlobStore) -> None:
    assert store.abort_stale_uploads(older_than=timedelta(0)) == 0
