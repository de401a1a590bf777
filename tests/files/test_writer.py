"""files.writer.BlobWriter: a pull-style put fed from a push-style producer."""

import os

import pytest

from files.writer import BlobWriteFailed, BlobWriter


@pytest.fixture(params=["fs", "s3"])
def store(request):
    return request.getfixturevalue(f"{request.param}_store")


def test_it_stores_the_batches_in_order_and_returns_the_size(store):
    data = os.urandom(1_000_000)  # several 256 KiB parts on the S3 test store
    writer = BlobWriter(store, key := store.new_key())
    for offset in range(0, len(data), 100_000):
        writer.write([data[offset : offset + 60_000], data[offset + 60_000 : offset + 100_000]])
    assert writer.close() == len(data)
    assert store.read_range(key, 0, len(data)) == data


def test_an_aborted_write_leaves_nothing(store):
    writer = BlobWriter(store, key := store.new_key())
    writer.write([os.urandom(700_000)])
    writer.abort()
    writer.abort()  # idempotent
    assert not store.exists(key) and list(store.list_blobs()) == []


def test_a_store_failure_reaches_the_producer(store):
    writer = BlobWriter(store, "not a valid key")
    with pytest.raises(BlobWriteFailed):
        for _ in range(100):
            writer.write([b"x" * 1000])
        writer.close()
    writer.abort()


def test_an_empty_blob_can_be_written(store):
    writer = BlobWriter(store, key := store.new_key())
    assert writer.close() == 0 and store.exists(key)
