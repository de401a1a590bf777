"""Helpers for export tests: a vault of every kind with files, an export built and
downloaded through the API, and opened with Debian's age binary."""

from __future__ import annotations

import hashlib
import json
import random
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from files.naming import clean_filename
from files.services import file_create, file_upload_start
from records.schemas import KIND_NAMES
from tests.records.samples import valid
from tests.rotation.conftest import s3_settings  # noqa: F401 - the S3 store, reused
from vault.services import vault_keys

from .age_cli import age_decrypt_file

PASSPHRASE = "glacier-velvet-tundra-orbit"
EXPORTS_URL = "/api/v1/exports/"
MiB = 1024 * 1024


@dataclass
class Filled:
    """What went into a vault: revealed records by id, files by id (name, record id, sha256, size)."""

    records: dict[str, dict] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)


def add_record(person, kind: str, label: str, filled: Filled) -> str:
    response = person.client.post("/api/v1/records/", {"kind": kind, "label": label, "data": valid(kind)}, format="json")
    assert response.status_code == 201, response.content
    record_id = response.json()["id"]
    filled.records[record_id] = person.client.get(f"/api/v1/records/{record_id}/?reveal=true").json()
    return record_id


def add_file(person, filled: Filled, *, name: str, size: int, record_id: str | None = None, seed: int = 0) -> str:
    """Uploads `size` bytes that sniff as a PDF through the upload service, made and
    hashed one MiB at a time, so even a large file is never held in memory."""
    keys = vault_keys(user=person.user, unlock_secret=person.unlock_secret)
    upload = file_upload_start(owner=person.user, keys=keys, filename=name, declared_type="application/pdf",
                               expected_size=size)
    rng, digest, left = random.Random(seed), hashlib.sha256(), size
    head = b"%PDF-1.7\n"[:size]
    upload.write(head)
    digest.update(head)
    left -= len(head)
    while left:
        piece = rng.randbytes(min(MiB, left))
        upload.write(piece)
        digest.update(piece)
        left -= len(piece)
    upload.finish()
    file = file_create(owner=person.user, keys=keys, upload=upload, record_id=record_id)
    filled.files[str(file.pk)] = {"name": clean_filename(name), "record_id": record_id, "sha256": digest.hexdigest(), "size": size}
    return str(file.pk)


def fill_vault(person, *, big: int = 0) -> Filled:
    """A record of every kind (two with one label), files on records and on none,
    with names that must be made safe, and one file of `big` bytes if asked."""
    filled = Filled()
    ids = {kind: add_record(person, kind, f"My {kind}", filled) for kind in KIND_NAMES}
    add_record(person, "note", "My note", filled)  # the same label as another record
    sneaky = add_record(person, "note", "../Secret/..", filled)
    card = ids["bank_card"]
    add_file(person, filled, name="front.pdf", size=70_000, record_id=card, seed=1)
    add_file(person, filled, name="Front.PDF", size=9, record_id=card, seed=2)  # clashes, case aside
    add_file(person, filled, name="front.pdf", size=10, record_id=ids["passport"], seed=3)
    add_file(person, filled, name="../../etc/passwd", size=131_072, record_id=ids["id_card"], seed=4)
    add_file(person, filled, name="..x:y?.pdf", size=20, record_id=sneaky, seed=8)
    add_file(person, filled, name="tab\there\x7f.pdf", size=12, seed=5)
    add_file(person, filled, name="é" * 150 + ".pdf", size=65_536, seed=6)
    if big:
        add_file(person, filled, name="big scan.pdf", size=big, record_id=ids["driver_licence"], seed=7)
    return filled


def start_export(person, passphrase: str = PASSPHRASE) -> str:
    response = person.client.post(EXPORTS_URL, {"passphrase": passphrase}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def download(person, job_id: str, target: Path) -> Path:
    response = person.client.get(f"{EXPORTS_URL}{job_id}/download")
    assert response.status_code == 200, getattr(response, "content", b"")
    with open(target, "wb") as out:
        for piece in response.streaming_content:
            out.write(piece)
    return target


def safe_extract(tar_path: Path, into: Path) -> list[str]:
    """Unpacks like a careful reader: regular files only, no absolute path, no `..`."""
    names = []
    with tarfile.open(tar_path, "r:") as archive:
        for member in archive:
            assert member.isfile(), member.name
            assert not member.name.startswith("/") and ".." not in member.name.split("/"), member.name
            names.append(member.name)
        archive.extractall(into, filter="data")
    return names


def open_export(age_file: Path, workdir: Path, passphrase: str = PASSPHRASE) -> tuple[list[str], Path]:
    """Decrypts with Debian's age, unpacks; (member names in order, the coffer-export folder)."""
    tar_path = workdir / "export.tar"
    status, said = age_decrypt_file(age_file, tar_path, passphrase)
    assert status == 0, said
    names = safe_extract(tar_path, workdir / "out")
    tar_path.unlink()
    return names, workdir / "out" / "coffer-export"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while piece := source.read(MiB):
            digest.update(piece)
    return digest.hexdigest()


def check_export_matches(root: Path, filled: Filled, username: str) -> dict:
    """Every record's values and every file's bytes, as the vault had them."""
    document = json.loads((root / "records.json").read_text("utf-8"))
    assert (document["format"], document["version"], document["username"]) == ("coffer-export", 1, username)
    exported = {record["id"]: record for record in document["records"]}
    assert set(exported) == set(filled.records)
    listed = {file["id"]: file for file in document["files"]}
    for record_id, revealed in filled.records.items():
        record = exported[record_id]
        assert (record["kind"], record["label"], record["schema_version"]) == (
            revealed["kind"], revealed["label"], revealed["schema_version"])
        assert record["fields"] == revealed["data"]
        listed.update({file["id"]: file for file in record["files"]})
        assert {file["id"] for file in record["files"]} == {
            file_id for file_id, f in filled.files.items() if f["record_id"] == record_id}
    assert set(listed) == set(filled.files)
    for file_id, expected in filled.files.items():
        entry = listed[file_id]
        assert (entry["name"], entry["size"], entry["sha256"]) == (expected["name"], expected["size"], expected["sha256"])
        assert sha256_of(root / entry["path"]) == expected["sha256"]
    return document
