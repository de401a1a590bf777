"""Bytes come back exactly as they went in, whatever their size or chunking."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from storage.base import BlobStore
from tests.fixtures.s3server import TEST_PART_SIZE
from tests.storage.conftest import chunked

P = TEST_PART_SIZE
SIZES = [0, 1, P - 1, P, P + 1, 2 * P, 2 * P + 1, 3 * 1024 * 1024 + 17]


def read_all(store: BlobStore, key: str) -> bytes:
    return store.read_range(key, 0, store.size(key))


@pytest.mark.parametrize("size", SIZES)
def test_it_round_trips_blobs_of_every_size_around_a_part(store: BlobStore, size: int) -> None:
    data = os.urandom(size)
    key = store.new_key()

    assert store.put(key, chunked(data, 65_537)) == size
    assert store.size(key) == size
    assert read_all(store, key) == data
    assert b"".join(store.iter_range(key, 0, size)) == data


def test_it_ignores_how_the_caller_chunks_the_stream(store: BlobStore) -> None:
    data = os.urandom(2 * P + 5)
    chunk_sizes = [1, 0, P - 1, 0, 3, P * 2, 1]
    chunks, offset = [], 0
    for chunk_size in chunk_sizes:
        chunks.append(data[offset : offset + chunk_size])
        offset += chunk_size
    key = store.new_key()

    assert store.put(key, chunks) == len(data)
    assert read_all(store, key) == data


def test_it_accepts_a_single_chunk_larger_than_many_parts(store: BlobStore) -> None:
    data = os.urandom(5 * P + 3)
    key = store.new_key()

    store.put(key, [data])

    assert read_all(store, key) == data


def test_it_handles_many_puts_at_once(store: BlobStore) -> None:
    blobs = {store.new_key(): os.urandom(P + index * 1000) for index in range(6)}

    def put(key: str) -> int:
        return store.put(key, chunked(blobs[key], 50_000))

    with ThreadPoolExecutor(max_workers=6) as pool:
        sizes = list(pool.map(put, blobs))

    assert sizes == [len(data) for data in blobs.values()]
    for key, data in blobs.items():
        assert read_all(store, key) == data
