"""Each PUT carries a checksum of its bytes for the S3 server to check on arrival:
Content-MD5 by default, x-amz-checksum-crc32 with checksum="crc32".

The tests watch the real requests to the real server (botocore's before-send hook),
and corrupt a body after it was checksummed, as a flipped bit in transit would.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ImproperlyConfigured

from storage.factory import StoreSettings, _build_store
from storage.s3 import S3Store
from tests.fixtures.s3server import TEST_PART_SIZE, S3Server
from tests.storage.conftest import s3_leftovers

P = TEST_PART_SIZE
PUTS = ("PutObject", "UploadPart")


def make_store(server: S3Server, *, checksum: str) -> S3Store:
    return S3Store(
        server.create_bucket(),
        endpoint_url=server.endpoint_url,
        region=server.region,
        access_key=server.access_key,
        secret_key=server.secret_key,
        part_size=P,
        concurrency=3,
        checksum=checksum,
    )


class SentBodies:
    """Each PUT's body and checksum headers, as they leave the client; optionally
    flips the first byte of the n-th one after the checksum was computed."""

    def __init__(self, client: Any, *, corrupt: int | None = None) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []
        self._corrupt = corrupt
        self._lock = threading.Lock()
        client.meta.events.register("before-send.s3", self._before_send)

    def _before_send(self, request: Any, **_: Any) -> None:
        operation = request.context.get("operation_name") or _operation(request)
        if operation not in PUTS:
            return
        body = request.body
        data = body.getvalue() if hasattr(body, "getvalue") else bytes(body or b"")
        headers = {
            name.lower(): (value.decode() if isinstance(value, bytes) else value)
            for name, value in request.headers.items()
            if name.lower() in ("content-md5", "x-amz-checksum-crc32")
        }
        with self._lock:
            index = len(self.sent)
            self.sent.append((operation, data, headers))
        if index == self._corrupt:
            request.body = bytes([data[0] ^ 0x01]) + data[1:]


def _operation(request: Any) -> str:
    # PutObject is a PUT without ?uploadId; UploadPart has one.
    if request.method != "PUT":
        return ""
    return "UploadPart" if "uploadId=" in request.url else "PutObject"


def md5_of(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def crc32_of(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def parts(count: int) -> Iterator[bytes]:
    for _ in range(count):
        yield os.urandom(P)


@pytest.mark.parametrize("size", [P // 2, 3 * P + 5])
def test_every_put_carries_the_md5_of_its_bytes_by_default(s3_server: S3Server, size: int) -> None:
    store = make_store(s3_server, checksum="md5")
    bodies = SentBodies(store.client)
    data = os.urandom(size)

    key = store.new_key()
    store.put(key, [data])

    assert store.read_range(key, 0, size) == data
    assert b"".join(sent for _, sent, _ in sorted(bodies.sent, key=lambda s: data.index(s[1]))) == data
    for _, sent, headers in bodies.sent:
        assert headers == {"content-md5": md5_of(sent)}


@pytest.mark.parametrize("size", [P // 2, 3 * P + 5])
def test_with_crc32_every_put_carries_the_crc32_of_its_bytes(s3_server: S3Server, size: int) -> None:
    store = make_store(s3_server, checksum="crc32")
    bodies = SentBodies(store.client)
    data = os.urandom(size)

    key = store.new_key()
    store.put(key, [data])

    assert store.read_range(key, 0, size) == data
    assert store.read_range(key, 7, 100) == data[7:107]  # a ranged GET is not checked against the CRC
    assert {operation for operation, _, _ in bodies.sent} == ({"PutObject"} if size < P else {"UploadPart"})
    for _, sent, headers in bodies.sent:
        assert headers == {"x-amz-checksum-crc32": crc32_of(sent)}  # and no MD5 to compute


@pytest.mark.parametrize("count", [1, 4])  # one PUT, and a multipart upload
def test_rclone_refuses_a_put_corrupted_in_transit_and_nothing_is_left(s3_server: S3Server, count: int) -> None:
    store = make_store(s3_server, checksum="md5")
    SentBodies(store.client, corrupt=count - 1)  # the single PUT, or one of the parts
    key = store.new_key()

    with pytest.raises(ClientError) as refused:
        store.put(key, parts(count) if count > 1 else [os.urandom(P // 2)])

    assert refused.value.response["Error"]["Code"] == "BadDigest"
    assert not store.exists(key)
    assert s3_leftovers(store, s3_server) == []


def test_rclone_does_not_check_crc32_which_is_why_md5_is_the_default(s3_server: S3Server) -> None:
    # If this starts failing, rclone checks x-amz-checksum-crc32 now: CRC32 could then
    # become the default (docs/storage.md, "Checksums").
    store = make_store(s3_server, checksum="crc32")
    SentBodies(store.client, corrupt=0)
    data = os.urandom(P // 2)
    key = store.new_key()

    store.put(key, [data])

    stored = store.read_range(key, 0, len(data))
    assert stored != data and stored[1:] == data[1:]


def test_it_refuses_an_unknown_checksum() -> None:
    with pytest.raises(ValueError, match="md5, crc32"):
        S3Store("bucket", checksum="sha1")
    settings = StoreSettings(
        backend="s3", blob_root=None, s3_endpoint_url="", s3_region="us-east-1", s3_bucket="coffer",
        s3_access_key="", s3_secret_key="", s3_part_size=8 * 1024 * 1024, s3_checksum="crc64",
    )  # fmt: skip
    with pytest.raises(ImproperlyConfigured, match="COFFER_S3_CHECKSUM"):
        _build_store(settings)
