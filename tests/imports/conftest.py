"""Helpers for import tests: upload a source as a form, run the job's steps in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.worker import import_step

IMPORTS_URL = "/api/v1/imports/"
FIXTURES = Path(__file__).resolve().parents[1] / "interchange" / "fixtures"


def upload(person, content: bytes, *, name: str = "source.json", passphrase: str | None = None, client=None):
    form = {"source": SimpleUploadedFile(name, content, content_type="application/octet-stream")}
    if passphrase is not None:
        form["passphrase"] = passphrase
    return (client or person.client).post(IMPORTS_URL, form, format="multipart")


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def confirm(person, job_id: str):
    return person.client.post(f"{IMPORTS_URL}{job_id}/confirm")


def run(job_id: str, *, steps: int = 50) -> None:
    for _ in range(steps):
        if import_step(job_id=job_id).finished:
            return
    raise AssertionError("the import did not finish")


def revealed_records(person) -> list[dict]:
    listing = person.client.get("/api/v1/records/?limit=200").json()
    items = listing["results"] if isinstance(listing, dict) else listing
    return [person.client.get(f"/api/v1/records/{item['id']}/?reveal=true").json() for item in items]


def as_json(document) -> bytes:
    return json.dumps(document).encode()


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
