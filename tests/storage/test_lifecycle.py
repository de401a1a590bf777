"""exists, delete and list_blobs: what the garbage collector relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage.base import BlobInfo, BlobNotFound, BlobStore
from tests.fixtures.s3server import TEST_PART_SIZE


def test_it_knows_which_keys_exist(store: BlobStore) -> None:
    key = store.new_key()
    assert not store.exists(key)

    store.put(key, [b"ciphertext"])

    assert store.exists(key)


def test_it_deletes_a_blob(store: BlobStore) -> None:
    key = store.new_key()
    store.put(key, [b"ciphertext"])

    store.delete(key)

    assert not store.exists(key)
    with pytest.raises(BlobNotFound):
        store.read_range(key, 0, 1)


def test_it_deletes_idempotently(store: BlobStore) -> None:
    key = store.new_key()
    store.put(key, [b"ciphertext"])

    store.delete(key)
    store.delete(key)
    store.delete(store.new_key())

    assert not store.exists(key)


def test_it_leaves_other_blobs_alone_when_deleting(store: BlobStore) -> None:
    kept, deleted = store.new_key(), store.new_key()
    store.put(kept, [b"kept"])
    store.put(deleted, [b"deleted"])

    store.delete(deleted)

    assert store.read_range(kept, 0, 10) == b"kept"


def test_it_lists_every_blob_with_its_size_and_time(store: BlobStore) -> None:
    sizes = {store.new_key(): size for size in (0, 1, TEST_PART_SIZE + 1)}
    for key, size in sizes.items():
        store.put(key, [b"\x00" * size])

    listed = {info.key: info for info in store.list_blobs()}

    assert {key: info.size for key, info in listed.items()} == sizes
    now = datetime.now(tz=UTC)
    for info in listed.values():
        assert isinstance(info, BlobInfo)
        assert info.modified.utcoffset() == timedelta(0)
        assert now - timedelta(minutes=5) < info.modified <= now + timedelta(seconds=5)


def test_it_stops_listing_a_deleted_blob(store: BlobStore) -> None:
    key = store.new_key()
    store.put(key, [b"ciphertext"])
    store.delete(key)

    assert [info.key for info in store.list_blobs()] == []


def test_it_lists_nothing_when_empty(store: BlobStore) -> None:
    assert list(store.list_blobs()) == []
