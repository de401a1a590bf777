"""The restore drill of docs/operations.md, on PostgreSQL and the S3 test server (issue 22).

Back up at T0 (pg_dump, a copy of the bucket, the keyring); then upload, edit, delete,
change a PIN and re-encrypt; then restore each way round, and without the keyring.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import override_settings

from consistency.services import consistency_check
from files.models import File
from tests.conftest import make_person
from tests.fixtures.celery_worker import worker_env
from vault.rotation.services import rotation_step

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]
ROOT = Path(__file__).resolve().parents[2]
NEW_PIN = "730194"


@pytest.fixture
def bucket(s3_server, settings):
    name = s3_server.create_bucket()
    with override_settings(
        COFFER_STORAGE="s3", COFFER_S3_ENDPOINT_URL=s3_server.endpoint_url, COFFER_S3_BUCKET=name,
        COFFER_S3_ACCESS_KEY=s3_server.access_key, COFFER_S3_SECRET_KEY=s3_server.secret_key,
        COFFER_S3_REGION=s3_server.region, COFFER_BLOB_RETENTION=30 * 86400,
    ):
        yield s3_server.client(), name


def _pg_args() -> list[str]:
    db = connection.settings_dict
    return ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres"]


def _dump(path: Path) -> Path:
    subprocess.run(["pg_dump", *_pg_args(), "--format=custom", f"--file={path}", connection.settings_dict["NAME"]],
                   check=True, capture_output=True)
    return path


def _restore(path: Path) -> None:
    connections.close_all()
    subprocess.run(["pg_restore", *_pg_args(), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    "-d", connection.settings_dict["NAME"], str(path)], check=True, capture_output=True)


def _copy_bucket(client, bucket: str, target: Path) -> None:
    """What `mc mirror` does: every object, by the S3 API, into a directory."""
    target.mkdir()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            (target / item["Key"]).write_bytes(client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())


def _listed(client, bucket: str) -> set[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", [])}


def _put_back_bucket(client, bucket: str, copy: Path, known_keys: set[str]) -> None:
    """The bucket as the copy has it, and nothing else. `known_keys` names objects the
    test wrote, in case the server's listing lags behind a fresh write."""
    wanted = {path.name for path in copy.iterdir()}
    for key in (_listed(client, bucket) | known_keys) - wanted:
        client.delete_object(Bucket=bucket, Key=key)
    for path in copy.iterdir():
        client.put_object(Bucket=bucket, Key=path.name, Body=path.read_bytes())
    assert _listed(client, bucket) == wanted


def _upload(person, n: int) -> tuple[str, str]:
    body = b"%PDF-1.7\n" + hashlib.sha256(f"{person.user.username}{n}".encode()).digest() * 3000
    response = person.client.post("/api/v1/files/", data=body, content_type="application/pdf", HTTP_X_FILENAME=f"{n}.pdf")
    assert response.status_code == 201, response.content
    return response.json()["id"], hashlib.sha256(body).hexdigest()


def _note(person, n: int) -> tuple[str, dict]:
    data = {"title": f"note {n}", "text": f"secret {n}"}
    response = person.client.post("/api/v1/records/", {"kind": "note", "label": f"l{n}", "data": data}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"], data


def _content(person, file_id: str):
    return person.client.get(f"/api/v1/files/{file_id}/content")


def _drive(job_id: str) -> None:
    while not rotation_step(job_id=job_id, budget_seconds=5).finished:
        pass


def test_the_restore_drill(bucket, tmp_path):
    alice = make_person("alice").setup_vault().unlock()
    bob = make_person("bob").setup_vault().unlock()
    t0_files = dict(_upload(alice, n) for n in range(3))
    t0_notes = dict(_note(alice, n) for n in range(2))
    bobs_files = dict(_upload(bob, n) for n in range(2))

    # ---- T0: three backups, each apart ----
    t0_dump = _dump(tmp_path / "t0.dump")
    client, name = bucket
    t0_bucket = tmp_path / "t0-bucket"
    _copy_bucket(client, name, t0_bucket)
    from django.conf import settings

    t0_keyring = settings.COFFER_SERVER_KEYS

    # ---- life goes on ----
    late_file, _ = _upload(alice, 9)
    edited = next(iter(t0_notes))
    etag = alice.client.get(f"/api/v1/records/{edited}/")["ETag"]
    assert alice.client.patch(f"/api/v1/records/{edited}/", {"label": "edited"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    deleted = next(iter(t0_files))
    assert alice.client.delete(f"/api/v1/files/{deleted}/").status_code == 204
    assert alice.client.post("/api/v1/vault/pin", {"pin": alice.pin, "new_pin": NEW_PIN}, format="json").status_code == 204
    alice.pin = NEW_PIN
    alice.unlock()
    job = alice.client.post("/api/v1/vault/rotations/", {"kind": "reencrypt"}, format="json").json()
    _drive(job["id"])
    assert consistency_check().clean
    now_dump = _dump(tmp_path / "now.dump")
    now_objects = set(File.objects.values_list("blob_key", flat=True))
    alices_now = set(File.objects.filter(owner=alice.user).values_list("pk", flat=True))

    # ---- the T0 database next to today's bucket: everything of T0 opens with the T0 PIN ----
    _restore(t0_dump)
    alice.pin = "482915"
    alice.unlock()
    for file_id, digest in t0_files.items():  # the deleted one included: it comes back
        response = _content(alice, file_id)
        assert response.status_code == 200, (file_id, response.content)
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest
    for record_id, data in t0_notes.items():  # the edit is gone with the restore
        body = alice.client.get(f"/api/v1/records/{record_id}/?reveal=true").json()
        assert body["data"] == data and body["label"] != "edited"
    assert not File.objects.filter(pk=late_file).exists()
    report = consistency_check()
    assert report.clean, report.as_dict()

    # ---- today's database next to the T0 bucket copy: exactly the files written since are named ----
    _restore(now_dump)
    _put_back_bucket(client, name, t0_bucket, known_keys=now_objects)
    report = consistency_check()
    missing = set(report.checks["file_object_exists"].ids)
    assert missing == {str(pk) for pk in alices_now}, report.as_dict()
    assert not report.clean
    alice.pin = NEW_PIN
    alice.unlock()
    bob.unlock()
    for file_id in alices_now:  # re-encrypted or uploaded since T0: a clear error, not a crash
        response = _content(alice, str(file_id))
        assert response.status_code == 409 and response.json()["code"] == "integrity_error"
    for file_id, digest in bobs_files.items():  # untouched since T0: served whole
        response = _content(bob, file_id)
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest
    assert t0_keyring  # kept apart from both, and needed below


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**worker_env(), **env},
                          capture_output=True, text=True, timeout=120)


def test_without_the_keyring_the_server_refuses_to_start_and_says_what_is_missing(db):
    result = _manage("check", DJANGO_SETTINGS_MODULE="coffer.settings.production", DJANGO_SECRET_KEY="x" * 50,
                     DJANGO_ALLOWED_HOSTS="coffer.example", COFFER_SERVER_KEYS="", COFFER_SERVER_KEYS_FILE="")
    assert result.returncode != 0
    assert "COFFER_SERVER_KEYS (or COFFER_SERVER_KEYS_FILE) must be set in production" in result.stderr


def test_with_a_keyring_that_lacks_the_version_in_use_the_check_names_it(transactional_db):
    make_person("alice").setup_vault()
    other_keyring = "7:" + "b3RoZXIta2V5cmluZy1vbmx5LWZvci10aGlzLXRlc3Q="
    result = _manage("check", "--database", "default", COFFER_SERVER_KEYS=other_keyring)
    assert result.returncode != 0
    assert "coffer.E101" in result.stderr + result.stdout
    assert "v2" in result.stderr + result.stdout
