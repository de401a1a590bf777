"""A unique marker written into every field of every kind appears nowhere at rest:
not in a pg_dump of the PostgreSQL database, not in the bytes of a SQLite file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from .conftest import RECORDS_URL, record_url
from .markers import leaks, marked_records

ROOT = Path(__file__).resolve().parents[2]


def _write_through_api(client, marked) -> list[str]:
    ids = []
    for kind, label, data in marked.records:
        response = client.post(RECORDS_URL, {"kind": kind, "label": label, "data": data}, format="json")
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
        etag = response["ETag"]
        response = client.patch(record_url(ids[-1]), {"label": label}, format="json", HTTP_IF_MATCH=etag)
        assert response.status_code == 200, response.content
        revealed = client.get(record_url(ids[-1], "?reveal=true")).json()
        assert revealed["label"] == label
    return ids


def test_every_kind_and_field_carries_a_marker():
    marked = marked_records()
    assert {kind for kind, _, _ in marked.records} == {
        "id_card", "passport", "driver_licence", "bank_card", "bank_account", "note",
    }
    assert len(marked.needles) > 20


@pytest.mark.django_db(transaction=True)
def test_markers_are_absent_from_a_postgres_dump(unlocked_alice):
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed for this test"
    marked = marked_records()
    ids = _write_through_api(unlocked_alice.client, marked)

    db = connection.settings_dict
    env = {**os.environ, **({"PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else {})}
    dump = subprocess.run(
        [pg_dump, "-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432),
         "-U", db.get("USER") or "postgres", db["NAME"]],
        capture_output=True, check=True, env=env,
    ).stdout

    assert b"records_record" in dump and all(record_id.encode() in dump for record_id in ids)
    assert b"record.reveal" in dump  # the audit table is in the dump too
    assert leaks(dump, marked) == []


def test_markers_are_absent_from_a_sqlite_database_file(tmp_path):
    marked = marked_records()
    spec = tmp_path / "records.json"
    spec.write_text(json.dumps(marked.records))
    database = Path(f"/tmp/coffer-markers-{uuid.uuid4().hex}.sqlite3")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coffer.settings.dev",
        "DATABASE_URL": f"sqlite:///{database}",
        "COFFER_KDF_PROFILE": "test",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        # A throwaway keyring, so the run never touches var/dev-server-keys.
        "COFFER_SERVER_KEYS": "1:" + "C" * 43 + "=",
    }
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "tests/records/sqlite_marker_writer.py"), str(spec)],
            capture_output=True, env=env, cwd=ROOT, timeout=300,
        )
        assert result.returncode == 0, result.stderr.decode(errors="replace")[-3000:]
        ids = json.loads(result.stdout.decode().strip().splitlines()[-1])
        files = [path for path in database.parent.glob(f"{database.name}*") if path.is_file()]
        blob = b"".join(path.read_bytes() for path in files)
        # Django stores a UUID in SQLite as 32 hex digits.
        assert len(ids) == len(marked.records) and all(uuid.UUID(i).hex.encode() in blob for i in ids)
        assert leaks(blob, marked) == []
    finally:
        for path in database.parent.glob(f"{database.name}*"):
            path.unlink()
