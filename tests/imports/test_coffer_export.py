"""Coffer's own export imported into a fresh account: the same records and the same
file bytes; and its CXF document (coffer-export/cxf.json) gives the same records too.
A wrong passphrase, a cut-off or a tampered export imports nothing."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import uuid
import zipfile
from collections import Counter

import pytest

from exports.age import age_decrypt_stream
from exports.services import export_build
from files.models import File
from imports.models import ImportFile, ImportJob
from records.models import Record
from storage.factory import get_store
from tests.exports.conftest import EXPORTS_URL, PASSPHRASE, fill_vault, start_export
from tests.files.test_scan_roles import add_record as add_passport
from tests.files.test_scan_roles import put_scan
from tests.imports.conftest import confirm, revealed_records, run, upload
from tests.web.documents_helpers import pdf_bytes


@pytest.fixture
def export_bytes(unlocked_alice) -> bytes:
    fill_vault(unlocked_alice)
    passport = add_passport(unlocked_alice.client)
    for role, name in [("front", "front.pdf"), ("selfie", "me.pdf"), ("translation", "de-en.pdf")]:
        assert put_scan(unlocked_alice.client, passport, role, pdf_bytes(8_000), filename=name).status_code == 201
    job_id = start_export(unlocked_alice)
    assert export_build(job_id=job_id).finished
    response = unlocked_alice.client.get(f"{EXPORTS_URL}{job_id}/download")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _records(person) -> Counter:
    return Counter((r["kind"], r["label"], repr(sorted(r["data"].items()))) for r in revealed_records(person))


def _files(person) -> Counter:
    """(record label or None, file name, scan role, SHA-256 of the downloaded bytes) for every file."""
    labels = {r["id"]: r["label"] for r in revealed_records(person)}
    found = Counter()
    for file in File.objects.filter(owner=person.user):
        meta = person.client.get(f"/api/v1/files/{file.pk}/").json()
        body = b"".join(person.client.get(f"/api/v1/files/{file.pk}/content").streaming_content)
        found[(labels.get(str(file.record_id)), meta["filename"], meta["role"], hashlib.sha256(body).hexdigest())] += 1
    return found


def _import(person, content: bytes, passphrase: str | None = PASSPHRASE) -> str:
    response = upload(person, content, name="export.age", passphrase=passphrase)
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    assert confirm(person, job_id).status_code == 202
    return job_id


def test_an_export_imported_into_a_new_account_gives_the_same_records_and_files(unlocked_alice, unlocked_bob,
                                                                                  export_bytes):
    job_id = _import(unlocked_bob, export_bytes)
    run(job_id)
    job = ImportJob.objects.get(pk=job_id)
    assert job.state == "done", (job.error_code, job.error_detail)
    assert _records(unlocked_bob) == _records(unlocked_alice)
    assert _files(unlocked_bob) == _files(unlocked_alice)
    assert {role for (_, _, role, _) in _files(unlocked_bob)} >= {"front", "selfie", "translation"}
    assert job.left_count == 0


def test_the_exports_cxf_document_imported_into_a_new_account_gives_the_same_records(unlocked_alice, unlocked_bob,
                                                                                       export_bytes):
    plaintext = b"".join(age_decrypt_stream(PASSPHRASE, [export_bytes]))
    with tarfile.open(fileobj=io.BytesIO(plaintext)) as archive:
        cxf = archive.extractfile("coffer-export/cxf.json").read()
    response = upload(unlocked_bob, cxf, name="cxf.json")
    assert response.status_code == 201 and response.json()["format"] == "cxf"
    assert confirm(unlocked_bob, response.json()["id"]).status_code == 202
    run(response.json()["id"])
    assert _records(unlocked_bob) == _records(unlocked_alice)


def cxp_container_from_export(plaintext: bytes) -> bytes:
    """The CXP container docs/export.md tells how to make from an unpacked export:
    cxf.json as index.jcf, and each document as documents/<base64url of its id>."""
    with tarfile.open(fileobj=io.BytesIO(plaintext)) as archive:
        def member(name: str) -> bytes:
            return archive.extractfile(f"coffer-export/{name}").read()

        records = json.loads(member("records.json"))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as container:
            container.writestr("index.jcf", member("cxf.json"))
            for file in [*(f for record in records["records"] for f in record["files"]), *records["files"]]:
                file_id = base64.urlsafe_b64encode(uuid.UUID(file["id"]).bytes).rstrip(b"=").decode()
                container.writestr(f"documents/{file_id}", member(file["path"]))
    return out.getvalue()


def test_the_exports_cxf_document_in_a_cxp_container_gives_the_same_records_and_files(unlocked_alice, unlocked_bob,
                                                                                        export_bytes):
    plaintext = b"".join(age_decrypt_stream(PASSPHRASE, [export_bytes]))
    response = upload(unlocked_bob, cxp_container_from_export(plaintext), name="export.zip")
    assert response.status_code == 201 and response.json()["format"] == "cxf_zip", response.content
    assert not [left for left in response.json()["preview"]["left"] if "file" in left["what"]]
    assert confirm(unlocked_bob, response.json()["id"]).status_code == 202
    run(response.json()["id"])
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.state == "done", (job.error_code, job.error_detail)
    assert _records(unlocked_bob) == _records(unlocked_alice)

    def without_roles(files: Counter) -> Counter:
        return Counter({(label, name, digest): count for (label, name, _, digest), count in files.items()})

    assert without_roles(_files(unlocked_bob)) == without_roles(_files(unlocked_alice))
    # CXF says nothing of a scan's side: a scan is `other` where the record's kind takes it.
    kinds = {r["label"]: r["kind"] for r in revealed_records(unlocked_bob)}
    assert {(kinds.get(label), role) for (label, _, role, _) in _files(unlocked_bob)} == {
        ("bank_card", "other"), ("passport", "other"), ("id_card", "other"), ("note", None), (None, None)}


def test_a_wrong_passphrase_is_refused_with_a_clear_message(unlocked_bob, export_bytes):
    response = upload(unlocked_bob, export_bytes, name="export.age", passphrase="not the passphrase")
    assert response.status_code == 400
    assert response.json()["code"] == "export_unreadable"
    assert "passphrase is wrong" in response.json()["detail"]
    assert ImportJob.objects.count() == 0


def test_an_export_without_its_passphrase_asks_for_it(unlocked_bob, export_bytes):
    response = upload(unlocked_bob, export_bytes, name="export.age", passphrase=None)
    assert response.status_code == 400 and response.json()["code"] == "passphrase_required"


def _assert_nothing_imported(person, job_id: str, before: set[str]) -> None:
    job = ImportJob.objects.get(pk=job_id)
    assert job.state == "failed" and job.error_code == "export_unreadable", (job.error_code, job.error_detail)
    assert not Record.objects.filter(owner=person.user).exists()
    assert not File.objects.filter(owner=person.user).exists()
    assert ImportFile.objects.count() == 0
    assert {blob.key for blob in get_store().list_blobs()} == before


@pytest.mark.parametrize("keep", [0.6, 0.97])
def test_a_truncated_export_imports_nothing(unlocked_bob, export_bytes, keep, django_capture_on_commit_callbacks):
    before = {blob.key for blob in get_store().list_blobs()}
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _import(unlocked_bob, export_bytes[: int(len(export_bytes) * keep)])
        run(job_id)
    _assert_nothing_imported(unlocked_bob, job_id, before)


def test_a_tampered_export_imports_nothing(unlocked_bob, export_bytes, django_capture_on_commit_callbacks):
    tampered = bytearray(export_bytes)
    tampered[-100] ^= 0x01  # in the last chunk, after records.json and most files
    before = {blob.key for blob in get_store().list_blobs()}
    with django_capture_on_commit_callbacks(execute=True):
        job_id = _import(unlocked_bob, bytes(tampered))
        run(job_id)
    _assert_nothing_imported(unlocked_bob, job_id, before)


def test_a_tampered_export_header_is_refused_at_upload(unlocked_bob, export_bytes):
    tampered = bytearray(export_bytes)
    tampered[30] ^= 0x01
    response = upload(unlocked_bob, bytes(tampered), name="export.age", passphrase=PASSPHRASE)
    assert response.status_code == 400 and response.json()["code"] in ("export_unreadable", "import_unknown_format")


def test_an_export_asking_for_a_higher_scrypt_cost_than_allowed_is_refused(unlocked_bob, settings):
    from exports.age import age_encrypt_stream

    settings.COFFER_IMPORT_MAX_WORK_FACTOR = settings.COFFER_EXPORT_WORK_FACTOR = 10
    costly = b"".join(age_encrypt_stream(PASSPHRASE, [b"x"], work_factor=11))
    response = upload(unlocked_bob, costly, name="export.age", passphrase=PASSPHRASE)
    assert response.status_code == 400 and response.json()["code"] == "export_unreadable"


def test_a_role_the_record_cannot_hold_is_left_out_and_said_so():
    from imports.readers import plan_from_export

    scan = {"path": "files/x/a.pdf", "name": "a.pdf", "size": 1, "sha256": "0" * 64}
    document = {"format": "coffer-export", "version": 1, "records": [
        {"kind": "note", "label": "n", "fields": {"title": "t", "text": ""}, "files": [{**scan, "role": "front"}]},
        {"kind": "passport", "label": "p", "fields": {}, "files": [
            {**scan, "role": "front"}, {**scan, "path": "files/x/b.pdf", "role": "front"}]},
    ], "files": [{**scan, "path": "files/y/c.pdf", "role": "back"}]}
    plan = plan_from_export(document)
    assert [[f.role for f in r.files] for r in plan.records] == [[""], ["front", ""]]
    assert [f.role for f in plan.files] == [""]
    assert len(plan.left) == 2 and all("role" in item.what for item in plan.left)
    with pytest.raises(Exception) as refused:
        plan_from_export({**document, "files": [{**scan, "role": "sideways"}]})
    assert getattr(refused.value, "code", None) == "export_invalid"
