"""Every test that takes `store` runs once per backend, against real storage."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from storage.base import BlobStore
from storage.fs import FileSystemStore
from storage.s3 import S3Store

# s3_server, s3_store and fs_store come from tests.fixtures.s3server, which the
# root conftest loads as a plugin.
from tests.fixtures.s3server import S3Server

Leftovers = Callable[[], list[str]]


@pytest.fixture(params=["fs", "s3"])
def store(request: pytest.FixtureRequest) -> BlobStore:
    store: BlobStore = request.getfixturevalue(f"{request.param}_store")
    return store


@pytest.fixture
def leftovers(store: BlobStore, request: pytest.FixtureRequest) -> Leftovers:
    """Everything the store holds, blobs and half-finished writes alike.

    Blobs read as "object <key>"; anything else names the file or upload.
    """
    if isinstance(store, FileSystemStore):
        return lambda: fs_leftovers(store)
    assert isinstance(store, S3Store)
    server: S3Server = request.getfixturevalue("s3_server")
    return lambda: s3_leftovers(store, server)


@pytest.fixture
def abandon_upload(store: BlobStore) -> Callable[[], None]:
    """Leave a half-written upload behind, as a process killed mid-put would."""
    if isinstance(store, FileSystemStore):
        return lambda: _abandon_fs_upload(store)
    assert isinstance(store, S3Store)
    return lambda: _abandon_s3_upload(store)


def _abandon_fs_upload(store: FileSystemStore) -> None:
    (store.temp_dir / "killed-mid-put.part").write_bytes(b"half a blob")


def _abandon_s3_upload(store: S3Store) -> None:
    key = store.new_key()
    upload = store.client.create_multipart_upload(Bucket=store.bucket, Key=key)
    store.client.upload_part(
        Bucket=store.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"half"
    )


def fs_leftovers(store: FileSystemStore) -> list[str]:
    blobs = {info.key for info in store.list_blobs()}
    others = [
        f"file {path.relative_to(store.root)}"
        for path in store.root.rglob("*")
        if path.is_file() and path.name not in blobs
    ]
    return sorted([f"object {key}" for key in blobs] + others)


def s3_leftovers(store: S3Store, server: S3Server) -> list[str]:
    objects = [f"object {item.key}" for item in store.list_blobs()]
    pending = [f"upload {key}" for key in multipart_upload_keys(store)]
    return sorted(objects + pending + _rclone_temp_files(server.root_dir / store.bucket))


def multipart_upload_keys(store: S3Store) -> list[str]:
    try:
        response = store.client.list_multipart_uploads(Bucket=store.bucket)
    except ClientError as error:
        # rclone answers NoSuchUpload for a bucket that has never had an upload.
        if error.response["Error"]["Code"] == "NoSuchUpload":
            return []
        raise
    return [upload["Key"] for upload in response.get("Uploads", [])]


def _rclone_temp_files(bucket_dir: Path) -> list[str]:
    # S3 listings hide rclone's .rclone_temp_* files, so look on disk. rclone
    # deletes an aborted upload's temp file just after answering: give it a moment.
    deadline = time.monotonic() + 3
    while True:
        names = sorted(path.name for path in bucket_dir.rglob(".rclone_temp_*"))
        if not names or time.monotonic() > deadline:
            return [f"temp file {name}" for name in names]
        time.sleep(0.05)


def chunked(data: bytes, chunk_size: int) -> Iterator[bytes]:
    for offset in range(0, len(data), chunk_size):
        yield data[offset : offset + chunk_size]


def failing_after(chunks: Iterable[bytes], count: int) -> Iterator[bytes]:
    """Yield `count` chunks, then fail the way a broken upload stream would."""
    for index, chunk in enumerate(chunks):
        if index == count:
            raise UploadInterrupted
        yield chunk
    raise UploadInterrupted


class UploadInterrupted(Exception):
    pass
