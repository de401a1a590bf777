"""A vault made through the real API of a live Coffer (gunicorn, a Celery worker, the S3
server), then kept as the day-Coffer-is-gone kit: a plain pg_dump, a copy of the bucket
and the keyring. The opener runs on those as a separate process.

The vault is made once per module (uploads and rotations take a while) and its rows are
flushed at the end, as a transactional test's are."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.client.conftest import PIN, make_user, token_for  # also puts coffer_client on the path
from tests.records.samples import valid

NEW_PIN = "739164"
USERNAME = "olivia"
MiB = 1024 * 1024
RECORD_KINDS = ("id_card", "passport", "driver_licence", "bank_card", "bank_account", "note")
PDF_HEAD = b"%PDF-1.7\n"
# Output-only fields the API computes from the data and never stores (docs/records.md).
DERIVED = {"bank_card": {"brand"}}
PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@dataclass
class Kit:
    """What the owner kept, and what the API said the vault holds."""

    dump: Path
    bucket: Path
    keyring: str
    recovery_code: str
    api_url: str
    token: str
    records: dict[str, dict] = field(default_factory=dict)  # id -> kind, label, data
    files: dict[str, dict] = field(default_factory=dict)  # id -> name, sha256, size, record_id
    s3: dict[str, str] = field(default_factory=dict)  # endpoint, bucket, credentials


def _bytes(head: bytes, size: int) -> bytes:
    return head + os.urandom(size - len(head))


def _upload(coffer, directory: Path, kit: Kit, name: str, data: bytes, record: str | None = None) -> str:
    source = directory / f"upload-{len(kit.files)}"
    source.write_bytes(data)  # a path: the client streams it
    info = coffer.upload(source, filename=name, record=record)
    kit.files[info.id] = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "record_id": record}
    return info.id


def _api_truth(coffer, kit: Kit, directory: Path) -> None:
    """Every record revealed and every file downloaded through the API, to compare with."""
    for record in coffer.records():
        revealed = coffer.record(record.id, reveal=True)
        stored = {name: value for name, value in revealed.data.items() if name not in DERIVED.get(revealed.kind, ())}
        kit.records[record.id] = {"kind": revealed.kind, "schema_version": revealed.schema_version,
                                  "label": revealed.label, "data": stored}
    for info in coffer.files():
        assert info.filename == kit.files[info.id]["name"]
        downloaded = coffer.download(info.id, directory / f"download-{info.id}")
        assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == kit.files[info.id]["sha256"]
        downloaded.unlink()


@pytest.fixture(scope="module")
def kit(live_coffer, django_db_blocker, tmp_path_factory, s3_server) -> Iterator[Kit]:
    from coffer_client import Coffer
    from django.conf import settings
    from django.core.management import call_command

    from tests.support.dumps import postgres_dump

    directory = tmp_path_factory.mktemp("opener-kit")
    with django_db_blocker.unblock():
        token = token_for(make_user(USERNAME))
    try:
        with Coffer(live_coffer.url, token) as coffer:
            kit = Kit(dump=directory / "coffer.sql", bucket=directory / "bucket", keyring=settings.COFFER_SERVER_KEYS,
                      recovery_code=coffer.setup(PIN), api_url=live_coffer.url, token=token)
            coffer.unlock(PIN)
            made = {kind: coffer.create_record(kind, valid(kind), label=f"My {kind.replace('_', ' ')}") for kind in RECORD_KINDS}
            _upload(coffer, directory, kit, "passport scan.pdf", _bytes(PDF_HEAD, 150_000), record=made["passport"].id)
            _upload(coffer, directory, kit, "Führerschein – Rückseite.png", _bytes(PNG_HEAD, 70_000), record=made["driver_licence"].id)
            _upload(coffer, directory, kit, "statements 2025.pdf", _bytes(PDF_HEAD, 3 * MiB + 12_345))
            _upload(coffer, directory, kit, "scan.pdf", _bytes(PDF_HEAD, 65_536))  # exactly one full chunk
            _upload(coffer, directory, kit, "SCAN.pdf", _bytes(PDF_HEAD, 1_000))  # the same name, folded
            _upload(coffer, directory, kit, 'CON: "final"?.pdf', _bytes(PDF_HEAD, 2_000))
            # Every file gets a new DEK and object (DEK version 2), every record too.
            assert coffer.follow_rotation(coffer.start_rotation("reencrypt").id, interval=0.2, timeout=120).state == "done"
            coffer.change_pin(PIN, NEW_PIN)
            coffer.unlock(NEW_PIN)
            # A rotation that has started but not run: vault keys 2 and 3 both live, old
            # rows under 2, new ones under 3.
            live_coffer.worker.stop()
            pending = coffer.start_rotation("rewrap")
            coffer.create_record("note", {"title": "During", "text": "Written while a rotation waits."}, label="Late note")
            _upload(coffer, directory, kit, "late.pdf", _bytes(PDF_HEAD, 5_000))
            _api_truth(coffer, kit, directory)
            with django_db_blocker.unblock():
                kit.dump.write_bytes(postgres_dump(as_backup=True))
            shutil.copytree(live_coffer.bucket_dir, kit.bucket)  # as `rclone copy` would
            live_coffer.worker.start(**live_coffer.worker.env)
            assert coffer.follow_rotation(pending.id, interval=0.2, timeout=120).state == "done"
            kit.s3 = {"bucket": live_coffer.bucket_dir.name, "endpoint": s3_server.endpoint_url,
                      "AWS_ACCESS_KEY_ID": s3_server.access_key, "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
                      "AWS_DEFAULT_REGION": s3_server.region}
        yield kit
    finally:
        with django_db_blocker.unblock():
            call_command("flush", verbosity=0, interactive=False)


# ---- running the opener as its own process ----

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bare_path(tmp_path_factory) -> Path:
    """A folder holding the opener and only what it depends on (PyNaCl, argon2-cffi and
    their cffi runtime), for a Python started with -S: no site-packages, no Django, no
    Coffer on the path, so any import of them fails."""
    import _argon2_cffi_bindings
    import _cffi_backend
    import argon2
    import cffi
    import nacl

    folder = tmp_path_factory.mktemp("bare")
    for module in (nacl, argon2, _argon2_cffi_bindings, cffi):
        (folder / module.__name__).symlink_to(Path(module.__file__).parent)
    (folder / Path(_cffi_backend.__file__).name).symlink_to(_cffi_backend.__file__)
    shutil.copytree(ROOT / "opener", folder / "opener")
    return folder


def run_opener(*args: str, python_path: Path | None, env: dict[str, str], bare: bool = True,
               input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m opener` with -X importtime. `bare`: the base interpreter with -S and only
    `python_path`; otherwise this venv's Python, from the checkout."""
    if bare:
        command = [sys._base_executable, "-S", "-X", "importtime", "-m", "opener", *args]
        environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(python_path), **env}
    else:
        command = [sys.executable, "-X", "importtime", "-m", "opener", *args]
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, cwd="/", input=input,
                          start_new_session=True)  # no terminal: getpass reads stdin


def imported_modules(result: subprocess.CompletedProcess[str]) -> set[str]:
    """The top-level packages a run imported, from -X importtime's lines on stderr."""
    names = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name and name != "package":
                names.add(name.split(".")[0])
    return names
