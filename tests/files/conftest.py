"""Fixtures for files. `backend` runs a test once on the filesystem store and once on
a real S3 server (rclone), by overriding the storage settings: storage.factory
builds one store per settings tuple, so each test gets its own root or bucket."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from files.models import File
from storage.base import BlobStore
from storage.factory import get_store
from tests.fixtures.s3server import S3Server

FILES_URL = "/api/v1/files/"
MiB = 1024 * 1024
# The smallest part size the settings accept: 50 MiB goes up in ten parts.
S3_PART_SIZE = 5 * MiB
PDF_HEAD = b"%PDF-1.7\n"


def file_url(file_id: str) -> str:
    return f"{FILES_URL}{file_id}/"


def content_url(file_id: str) -> str:
    return f"{FILES_URL}{file_id}/content"


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def pdf(size: int, *, marker: bytes = b"") -> bytes:
    """`size` bytes that sniff as a PDF (as far as `size` allows), with `marker` inside."""
    body = PDF_HEAD + marker + os.urandom(max(0, size - len(PDF_HEAD) - len(marker)))
    return body[:size]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # Files tests create users by the hundred; how passwords are hashed is not
    # what they test (tests/accounts does), so spare each user Argon2's cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Backend:
    name: str
    store: BlobStore
    root: Path  # where the store's bytes live on disk (for rclone, the bucket's directory)
    server: S3Server | None = None

    def leftovers(self) -> list[str]:
        """Every blob, temp file or pending multipart upload the store holds."""
        found = [f"object {info.key}" for info in self.store.list_blobs()]
        if self.server is None:
            blobs = {info.key for info in self.store.list_blobs()}
            found += [
                f"file {path.relative_to(self.root)}"
                for path in self.root.rglob("*")
                if path.is_file() and path.name not in blobs
            ]
        else:
            found += [f"upload {key}" for key in self._multipart_uploads()]
            found += self._rclone_temp_files()
        return sorted(found)

    def read(self, key: str) -> bytes:
        return self.store.read_range(key, 0, self.store.size(key))

    def rewrite(self, key: str, change: Callable[[bytes], bytes]) -> None:
        self.store.put(key, [change(self.read(key))])

    def disk_files(self) -> Iterator[Path]:
        return (path for path in self.root.rglob("*") if path.is_file())

    def _multipart_uploads(self) -> list[str]:
        try:
            response = self.store.client.list_multipart_uploads(Bucket=self.store.bucket)
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchUpload":  # rclone, before any upload
                return []
            raise
        return [upload["Key"] for upload in response.get("Uploads", [])]

    def _rclone_temp_files(self) -> list[str]:
        # rclone removes an aborted upload's temp file just after answering.
        deadline = time.monotonic() + 3
        while True:
            names = sorted(path.name for path in self.root.rglob(".rclone_temp_*"))
            if not names or time.monotonic() > deadline:
                return [f"temp file {name}" for name in names]
            time.sleep(0.05)


@pytest.fixture(params=["fs", "s3"])
def backend(request, settings, tmp_path) -> Backend:
    if request.param == "fs":
        settings.COFFER_STORAGE = "fs"
        settings.COFFER_BLOB_ROOT = tmp_path / "blobs"
        store = get_store()
        return Backend("fs", store, store.root)
    server: S3Server = request.getfixturevalue("s3_server")
    bucket = server.create_bucket()
    settings.COFFER_STORAGE = "s3"
    settings.COFFER_S3_ENDPOINT_URL = server.endpoint_url
    settings.COFFER_S3_REGION = server.region
    settings.COFFER_S3_BUCKET = bucket
    settings.COFFER_S3_ACCESS_KEY = server.access_key
    settings.COFFER_S3_SECRET_KEY = server.secret_key
    settings.COFFER_S3_PART_SIZE = S3_PART_SIZE
    return Backend("s3", get_store(), server.root_dir / bucket, server)


@pytest.fixture
def fs_backend(settings, tmp_path) -> Backend:
    """Only the filesystem, for tests about the API rather than the store."""
    settings.COFFER_STORAGE = "fs"
    settings.COFFER_BLOB_ROOT = tmp_path / "blobs"
    store = get_store()
    return Backend("fs", store, store.root)


def upload_raw(client, data: bytes, *, filename: str = "scan.pdf", content_type: str = "application/pdf", **headers):
    extra = {"HTTP_X_FILENAME": filename} if filename is not None else {}
    extra.update({f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})
    return client.generic("POST", FILES_URL, data, content_type=content_type, **extra)


def upload_form(client, data: bytes, *, filename: str = "scan.pdf", content_type: str = "application/pdf", **fields):
    upload = SimpleUploadedFile(filename, data, content_type=content_type)
    return client.post(FILES_URL, {"file": upload, **fields}, format="multipart")


UPLOADERS = {"raw": upload_raw, "form": upload_form}


@pytest.fixture(params=sorted(UPLOADERS))
def upload(request):
    """Each test that takes it runs once with a raw body (apps), once with a form (browsers)."""
    return UPLOADERS[request.param]


@pytest.fixture
def alice_file(unlocked_alice, fs_backend) -> dict:
    """A three-chunk PDF of Alice's, and its bytes."""
    data = pdf(150_000)
    response = upload_raw(unlocked_alice.client, data, filename="passport-scan.pdf")
    assert response.status_code == 201, response.content
    return {**response.json(), "data": data}


def stored(file_id: str) -> File:
    return File.objects.get(pk=file_id)
