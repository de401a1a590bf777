"""Uploading documents for page tests, the way the pages do: a form to the files API."""

from __future__ import annotations

import os

from django.core.files.uploadedfile import SimpleUploadedFile

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
PDF_HEAD = b"%PDF-1.7\n"


def pdf_bytes(size: int = 100_000) -> bytes:
    return (PDF_HEAD + os.urandom(size))[:size]


def png_bytes(size: int = 5_000) -> bytes:
    return (PNG_HEAD + os.urandom(size))[:size]


def upload(client, data: bytes, filename: str, content_type: str, record: str | None = None) -> str:
    fields = {"file": SimpleUploadedFile(filename, data, content_type=content_type)}
    if record:
        fields["record"] = record
    response = client.post("/api/v1/files/", fields, HTTP_ACCEPT="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]
