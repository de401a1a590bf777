"""What only the S3 backend does: multipart uploads, bounded memory, bare objects.

The store's own boto3 client reports each call through botocore's event hooks,
so these tests watch the real traffic to the real server rather than mock it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from storage.s3 import OCTET_STREAM, S3Store
from tests.fixtures.s3server import TEST_PART_SIZE, S3Server
from tests.storage.conftest import chunked, multipart_upload_keys, s3_leftovers

P = TEST_PART_SIZE


class CallLog:
    """Which S3 operations a client made, and how many parts were in flight at once."""

    def __init__(self, client: Any) -> None:
        self.operations: list[str] = []
        self.parts_done = 0
        self.parts_in_flight = 0
        self.most_parts_in_flight = 0
        self._lock = threading.Lock()
        client.meta.events.register("before-call.s3", self._before)
        client.meta.events.register("after-call.s3", self._after)

    def _before(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.operations.append(model.name)
            if model.name == "UploadPart":
                self.parts_in_flight += 1
                self.most_parts_in_flight = max(self.most_parts_in_flight, self.parts_in_flight)

    def _after(self, model: Any, **_: Any) -> None:
        if model.name == "UploadPart":
            with self._lock:
                self.parts_in_flight -= 1
                self.parts_done += 1


def make_store(server: S3Server, *, concurrency: int, part_size: int = P) -> S3Store:
    return S3Store(
        server.create_bucket(),
        endpoint_url=server.endpoint_url,
        region=server.region,
        access_key=server.access_key,
        secret_key=server.secret_key,
        part_size=part_size,
        concurrency=concurrency,
    )


def read_all(store: S3Store, key: str) -> bytes:
    return store.read_range(key, 0, store.size(key))


@pytest.mark.parametrize("size", [0, 1, P])
def test_it_uses_one_plain_put_up_to_one_part(s3_store: S3Store, size: int) -> None:
    calls = CallLog(s3_store.client)

    s3_store.put(s3_store.new_key(), chunked(b"\x01" * size, 1000))

    assert calls.operations == ["PutObject"]


def test_it_uses_a_multipart_upload_past_one_part(s3_store: S3Store) -> None:
    calls = CallLog(s3_store.client)

    s3_store.put(s3_store.new_key(), chunked(os.urandom(2 * P + 1), 1000))

    assert calls.operations[0] == "CreateMultipartUpload"
    assert sorted(calls.operations[1:-1]) == ["UploadPart"] * 3
    assert calls.operations[-1] == "CompleteMultipartUpload"


@pytest.mark.parametrize("concurrency", [1, 2, 8])
def test_it_uploads_parts_concurrently_and_correctly(s3_server: S3Server, concurrency: int) -> None:
    store = make_store(s3_server, concurrency=concurrency)
    calls = CallLog(store.client)
    data = os.urandom(24 * P + 12_345)
    key = store.new_key()

    assert store.put(key, [data]) == len(data)

    assert read_all(store, key) == data
    assert calls.parts_done == 25
    assert 1 <= calls.most_parts_in_flight <= concurrency
    if concurrency > 1:
        assert calls.most_parts_in_flight > 1


@pytest.mark.parametrize("concurrency", [1, 4])
def test_it_reads_the_stream_no_further_ahead_than_its_parts_in_flight(
    s3_server: S3Server, concurrency: int
) -> None:
    # Memory is bounded by part_size * concurrency, never by the object size:
    # whatever the stream has produced beyond the parts already uploaded must fit.
    store = make_store(s3_server, concurrency=concurrency)
    calls = CallLog(store.client)
    chunk_size = P // 4
    most_bytes_held = 0

    def stream() -> Iterator[bytes]:
        nonlocal most_bytes_held
        produced = 0
        for _ in range(32 * 4):
            most_bytes_held = max(most_bytes_held, produced - calls.parts_done * P)
            yield b"\x00" * chunk_size
            produced += chunk_size

    store.put(store.new_key(), stream())

    assert calls.parts_done == 32
    assert most_bytes_held <= concurrency * P + chunk_size


def test_it_stores_bare_objects_without_metadata(s3_store: S3Store) -> None:
    small, large = s3_store.new_key(), s3_store.new_key()
    s3_store.put(small, [b"ciphertext"])
    s3_store.put(large, [os.urandom(2 * P)])

    for key in (small, large):
        head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=key)
        assert head["Metadata"] == {}
        assert head["ContentType"] == OCTET_STREAM


def test_it_stores_each_blob_under_its_key_and_nothing_else(
    s3_store: S3Store, s3_server: S3Server
) -> None:
    key = s3_store.new_key()
    s3_store.put(key, [os.urandom(3 * P)])

    listed = s3_store.client.list_objects_v2(Bucket=s3_store.bucket)["Contents"]

    assert [item["Key"] for item in listed] == [key]
    assert [path.name for path in (s3_server.root_dir / s3_store.bucket).iterdir()] == [key]


def test_it_aborts_the_upload_when_a_part_fails(s3_store: S3Store, s3_server: S3Server) -> None:
    # Aborting the upload behind the store's back makes the next part fail on
    # the server, the way an expired or lost upload would.
    key = s3_store.new_key()

    def stream() -> Iterator[bytes]:
        data = os.urandom(P)
        for index in range(12):
            if index == 6:
                [upload] = s3_store.client.list_multipart_uploads(Bucket=s3_store.bucket)["Uploads"]
                s3_store.client.abort_multipart_upload(
                    Bucket=s3_store.bucket, Key=key, UploadId=upload["UploadId"]
                )
            yield data

    with pytest.raises(ClientError):
        s3_store.put(key, stream())

    assert not s3_store.exists(key)
    assert multipart_upload_keys(s3_store) == []
    assert s3_leftovers(s3_store, s3_server) == []


def test_it_gives_up_past_the_part_limit_and_aborts(s3_server: S3Server) -> None:
    store = make_store(s3_server, concurrency=2)
    store.max_parts = 3  # S3 allows 10,000; too many to upload in a test

    with pytest.raises(ValueError, match="more than 3 parts"):
        store.put(store.new_key(), [b"\x00" * (3 * P + 1)])

    assert s3_leftovers(store, s3_server) == []


def test_it_refuses_a_part_size_or_concurrency_below_one() -> None:
    with pytest.raises(ValueError):
        S3Store("bucket", part_size=0)
    with pytest.raises(ValueError):
        S3Store("bucket", concurrency=0)
