"""Exports against rotations, deletions and the GC, raced deterministically: one side
held at a seam (coffer/seams.py) with an advisory lock, the other run to its end.

A rotation and an export of one vault never run at once (both decide under the vault
lock, vault/busy.py); a record or file that goes away mid-export makes the build start
over, so the result is whole and consistent: every listed file is there, byte for byte.
"""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from exports.age import age_decrypt_stream
from exports.models import ExportJob
from exports.services import export_build
from tests.races.support import Held, fill, rotate
from vault.models import RotationJob

from .conftest import EXPORTS_URL, PASSPHRASE

pytestmark = [pytest.mark.usefixtures("transactional_db")]


def _export(client) -> str:
    response = client.post(EXPORTS_URL, {"passphrase": PASSPHRASE}, format="json")
    assert response.status_code == 202, response.content
    return response.json()["id"]


def _opened(client, job_id: str) -> tuple[dict, dict[str, bytes]]:
    """records.json and every file (by archive path) of a finished export."""
    response = client.get(f"{EXPORTS_URL}{job_id}/download")
    assert response.status_code == 200
    plain = b"".join(age_decrypt_stream(PASSPHRASE, response.streaming_content))
    members = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as archive:
        for member in archive:
            members[member.name.removeprefix("coffer-export/")] = archive.extractfile(member).read()
    return json.loads(members["records.json"]), members


def _whole_and_consistent(client, job_id: str, vaulted) -> dict:
    import hashlib

    document, members = _opened(client, job_id)
    files = document["files"] + [f for record in document["records"] for f in record["files"]]
    for file in files:
        assert hashlib.sha256(members[file["path"]]).hexdigest() == file["sha256"] == vaulted.files[file["id"]]
    assert {r["id"] for r in document["records"]} <= set(vaulted.records)
    return document


def test_a_rotation_cannot_start_while_an_export_runs(alice):
    vaulted = fill(alice)
    client = vaulted.unlock()
    job_id = _export(client)
    with Held("export.build.file", run=lambda: export_build(job_id=job_id)) as held:
        response = client.post("/api/v1/vault/rotations/", {"kind": "reencrypt"}, format="json")
        assert response.status_code == 409 and response.json()["code"] == "export_running"
        held.release()
    assert not RotationJob.objects.exists()
    assert ExportJob.objects.get(pk=job_id).state == "done"
    document = _whole_and_consistent(client, job_id, vaulted)
    assert {r["id"] for r in document["records"]} == set(vaulted.records)
    rotate(client, "reencrypt")  # once the export is done, a rotation starts


def test_a_failed_rotation_cannot_resume_while_an_export_runs(alice):
    vaulted = fill(alice)
    client = vaulted.unlock()
    rotation_id = rotate(client, "rewrap")  # no worker: it stays running, until it is marked failed
    RotationJob.objects.filter(pk=rotation_id).update(state=RotationJob.State.FAILED)
    job_id = _export(client)
    with Held("export.build.file", run=lambda: export_build(job_id=job_id)) as held:
        response = client.post(f"/api/v1/vault/rotations/{rotation_id}/resume")
        assert response.status_code == 409 and response.json()["code"] == "export_running"
        held.release()
    assert RotationJob.objects.get(pk=rotation_id).state == RotationJob.State.FAILED
    assert ExportJob.objects.get(pk=job_id).state == "done"


def test_an_export_cannot_start_while_a_rotation_runs(alice):
    vaulted = fill(alice)
    client = vaulted.unlock()
    rotate(client, "rewrap")  # no worker: it stays running
    response = client.post(EXPORTS_URL, {"passphrase": PASSPHRASE}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "rotation_running"
    assert not ExportJob.objects.exists()


def test_an_export_held_before_the_lock_sees_the_rotation_that_began_meanwhile(alice):
    vaulted = fill(alice)
    client = vaulted.unlock()
    with Held("export.start.lock", run=lambda: client.post(EXPORTS_URL, {"passphrase": PASSPHRASE},
                                                            format="json")) as held:
        rotate(client, "rewrap")
        response = held.release()
    assert response.status_code == 409 and response.json()["code"] == "rotation_running"
    assert not ExportJob.objects.exists()


def test_a_file_deleted_mid_export_leaves_a_whole_export_without_it(alice):
    vaulted = fill(alice, files=3)
    client = vaulted.unlock()
    job_id = _export(client)
    doomed = next(iter(vaulted.files))
    with Held("export.build.file", run=lambda: export_build(job_id=job_id)) as held:
        assert client.delete(f"/api/v1/files/{doomed}/").status_code == 204
        held.release()
    job = ExportJob.objects.get(pk=job_id)
    assert job.state == "done", job.error
    document = _whole_and_consistent(client, job_id, vaulted)
    listed = {f["id"] for f in document["files"]}
    assert listed == set(vaulted.files) - {doomed}


def test_a_record_deleted_while_files_are_hashed_is_left_out_consistently(alice):
    vaulted = fill(alice, records=4, files=2)
    client = vaulted.unlock()
    job_id = _export(client)
    doomed = next(iter(vaulted.records))
    with Held("export.build.hash", run=lambda: export_build(job_id=job_id)) as held:
        assert client.delete(f"/api/v1/records/{doomed}/").status_code == 204
        held.release()
    assert ExportJob.objects.get(pk=job_id).state == "done"
    document = _whole_and_consistent(client, job_id, vaulted)
    assert {r["id"] for r in document["records"]} == set(vaulted.records) - {doomed}


def test_two_builders_at_once_give_one_result(alice):
    """A redrive while a live builder holds the lease: the second does nothing."""
    vaulted = fill(alice)
    client = vaulted.unlock()
    job_id = _export(client)
    with Held("export.build.hash", run=lambda: export_build(job_id=job_id)) as held:
        assert export_build(job_id=job_id).finished  # the lease is taken: nothing to do
        assert ExportJob.objects.get(pk=job_id).builds == 1
        held.release()
    assert ExportJob.objects.get(pk=job_id).state == "done"
    _whole_and_consistent(client, job_id, vaulted)
