"""Ranged reads return exactly the bytes asked for, fewer only where the blob ends."""

from __future__ import annotations

import os

import pytest

from storage.base import BlobNotFound, BlobStore

DATA = os.urandom(1000)


@pytest.fixture
def key(store: BlobStore) -> str:
    key = store.new_key()
    store.put(key, [DATA])
    return key


@pytest.mark.parametrize(
    ("start", "length"),
    [(0, 1), (0, 1000), (1, 998), (999, 1), (500, 250), (0, 0), (999, 0)],
)
def test_it_reads_exactly_the_range_asked_for(
    store: BlobStore, key: str, start: int, length: int
) -> None:
    expected = DATA[start : start + length]

    assert store.read_range(key, start, length) == expected
    assert b"".join(store.iter_range(key, start, length)) == expected


@pytest.mark.parametrize(("start", "length"), [(990, 100), (0, 5000), (1000, 1), (5000, 10)])
def test_it_returns_fewer_bytes_only_where_the_blob_ends(
    store: BlobStore, key: str, start: int, length: int
) -> None:
    expected = DATA[start : start + length]

    assert store.read_range(key, start, length) == expected
    assert b"".join(store.iter_range(key, start, length)) == expected


def test_it_reads_nothing_from_an_empty_blob(store: BlobStore) -> None:
    key = store.new_key()
    store.put(key, [])

    assert store.read_range(key, 0, 10) == b""
    assert list(store.iter_range(key, 0, 10)) == []


def test_it_streams_in_blocks_no_larger_than_asked(store: BlobStore, key: str) -> None:
    pieces = list(store.iter_range(key, 3, 900, block=128))

    assert b"".join(pieces) == DATA[3:903]
    assert max(len(piece) for piece in pieces) <= 128


def test_it_rejects_negative_ranges(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.read_range(key, -1, 10)
    with pytest.raises(ValueError):
        store.iter_range(key, 0, -1)


@pytest.mark.parametrize(("start", "length"), [(0, 10), (0, 0), (5, 1)])
def test_it_raises_blob_not_found_for_a_missing_key(
    store: BlobStore, start: int, length: int
) -> None:
    missing = store.new_key()

    with pytest.raises(BlobNotFound):
        store.read_range(missing, start, length)
    with pytest.raises(BlobNotFound):
        store.size(missing)


def test_it_raises_blob_not_found_before_streaming_starts(store: BlobStore) -> None:
    # A view must be able to answer 404 before it commits to a streaming response.
    with pytest.raises(BlobNotFound):
        store.iter_range(store.new_key(), 0, 10)
