"""Fixtures for resumable uploads: parts of one chunk (64 KiB) so that a small file
has many, and the files tests' stores (`backend` runs on the filesystem and on S3)."""

from __future__ import annotations

import hashlib

import pytest

from tests.files.conftest import _quick_password_hashing, backend, fs_backend, pdf  # noqa: F401

UPLOADS_URL = "/api/v1/uploads/"
PART = 65536


def upload_url(upload_id: str) -> str:
    return f"{UPLOADS_URL}{upload_id}"


@pytest.fixture(autouse=True)
def _small_parts(settings):
    settings.COFFER_UPLOAD_PART_SIZE = PART


def start(client, size: int, *, filename: str = "scan.pdf", content_type: str = "application/pdf", **fields):
    return client.post(UPLOADS_URL, {"size": size, "filename": filename, "content_type": content_type, **fields},
                       format="json")


def send(client, upload_id: str, offset: int, segment: bytes):
    return client.generic("PATCH", upload_url(upload_id), segment, content_type="application/octet-stream",
                          HTTP_UPLOAD_OFFSET=str(offset))


def started(client, data: bytes, **fields) -> str:
    response = start(client, len(data), **fields)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content(client, file_id: str) -> bytes:
    response = client.get(f"/api/v1/files/{file_id}/content")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)
