"""A unique marker inside an uploaded file, and in its name, appears nowhere at rest:
not under the store's root (the fs root, or the directory rclone serves), not in a
temp directory, not in a pg_dump of the database, not in Redis. Files larger than
Django's 2.5 MiB spooling threshold, in both upload styles."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from pathlib import Path
from stat import S_ISREG

import pytest

from tests.support.dumps import postgres_dump, redis_dump

from .conftest import MiB, body_of, content_url, pdf, upload_form, upload_raw

SIZE = 3 * MiB
REAL_TEMP_DIR = Path(tempfile.gettempdir())  # taken before any test patches it


def _marker() -> bytes:
    # Mixed case and not hex: no key, id or ciphertext can contain it by chance.
    return f"CofferFileMarker{secrets.token_urlsafe(12)}".encode()


def _marked_file(marker: bytes) -> bytes:
    data = bytearray(pdf(SIZE))
    for offset in (100, 65536 - 10, SIZE // 2, SIZE - len(marker)):  # one across a chunk boundary
        data[offset : offset + len(marker)] = marker
    return bytes(data)


def _files_containing(root: Path, needle: bytes, *, since: float = 0.0) -> list[str]:
    found = []
    # os.walk, not rglob: other test runs remove their temp directories as we walk.
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            try:
                stat = os.lstat(path)
                if S_ISREG(stat.st_mode) and stat.st_mtime >= since and stat.st_size < 256 * MiB:
                    with open(path, "rb") as file:
                        if needle in file.read():
                            found.append(path)
            except OSError:
                continue  # gone meanwhile, or not ours to read
    return found


@pytest.fixture
def watched_temp_dir(tmp_path_factory, settings, monkeypatch) -> Path:
    """Where Django and tempfile would spool an upload: must stay empty."""
    watched = tmp_path_factory.mktemp("watched-temp")
    settings.FILE_UPLOAD_TEMP_DIR = str(watched)
    monkeypatch.setattr(tempfile, "tempdir", str(watched))
    monkeypatch.setenv("TMPDIR", str(watched))
    return watched


@pytest.mark.django_db(transaction=True)
def test_the_marker_is_nowhere_at_rest(unlocked_alice, backend, watched_temp_dir):
    started = time.time() - 1
    marker = _marker()
    data = _marked_file(marker)
    name = f"{marker.decode()}-passport.pdf"

    ids = []
    for upload in (upload_raw, upload_form):
        response = upload(unlocked_alice.client, data, filename=name)
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
        assert list(watched_temp_dir.iterdir()) == []
    for file_id in ids:  # downloading spools nothing either
        response = unlocked_alice.client.get(content_url(file_id))
        assert body_of(response) == data and response["Content-Disposition"].endswith(f'{name}"')
    assert list(watched_temp_dir.iterdir()) == []

    assert sum(1 for _ in backend.disk_files()) >= 2  # the search below looks at real files
    assert _files_containing(backend.root, marker) == []
    assert _files_containing(REAL_TEMP_DIR, marker, since=started) == []
    dump = postgres_dump()
    assert b"files_file" in dump and all(file_id.encode() in dump for file_id in ids)
    assert marker not in dump and marker.hex().encode() not in dump
    assert marker not in redis_dump()


def test_the_watch_would_see_djangos_own_spooling(watched_temp_dir):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    spooled = TemporaryUploadedFile("scan.pdf", "application/pdf", 10, None)
    try:
        assert list(watched_temp_dir.iterdir()) != []
    finally:
        spooled.close()


def test_the_search_would_find_a_plaintext_leak(backend):
    marker = _marker()
    (backend.root / "leak.bin").write_bytes(b"prefix" + marker + b"suffix")
    assert _files_containing(backend.root, marker) == [str(backend.root / "leak.bin")]
