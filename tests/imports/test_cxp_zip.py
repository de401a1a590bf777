"""A CXP container (a zip: index.jcf, the CXF document, and documents/<file id>) imported:
its file credentials become documents of their records, each checked against its size
and SHA-256; a bad document fails the whole import, a missing one is listed, and a
hostile zip is refused before anything is stored."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile

from files.models import File
from imports.models import ImportFile, ImportJob
from records.models import Record
from storage.factory import get_store
from tests.imports.conftest import confirm, fixture_bytes, revealed_records, run, upload
from tests.web.documents_helpers import pdf_bytes

SCAN = pdf_bytes(70_000)
LEASE = pdf_bytes(9_000)
SCAN_ID, LEASE_ID = "c2Nhbi1maWxlLWlk", "bGVhc2UtZmlsZS1pZA"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _file(file_id: str, name: str, content: bytes) -> dict:
    return {"type": "file", "id": file_id, "name": name, "decryptedSize": len(content),
            "integrityHash": _b64url(hashlib.sha256(content).digest())}


def _document(*, scan: bytes = SCAN, lease: bytes = LEASE) -> dict:
    """The passport of the every-field fixture with a scan, and a lone document."""
    document = json.loads(fixture_bytes("cxf_every_field.json"))
    (passport,) = [item for item in document["accounts"][0]["items"] if item["title"] == "Reisepass"]
    passport["credentials"].append(_file(SCAN_ID, "scan.pdf", scan))
    lease_item = {"id": "bGVhc2U", "title": "lease.pdf", "credentials": [_file(LEASE_ID, "lease.pdf", lease)]}
    document["accounts"][0]["items"] = [passport, lease_item]
    return document


def container(document: dict | None = None, documents: dict[str, bytes] | None = None, *,
              root: str = "", extra: tuple[tuple[str, bytes], ...] = (), compression=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        archive.writestr(root + "index.jcf", json.dumps(document or _document()))
        for file_id, content in (documents if documents is not None else {SCAN_ID: SCAN, LEASE_ID: LEASE}).items():
            archive.writestr(f"{root}documents/{file_id}", content)
        for name, content in extra:
            archive.writestr(name, content)
    return out.getvalue()


def _uploaded(person, content: bytes) -> dict:
    response = upload(person, content, name="export.zip")
    assert response.status_code == 201, response.content
    return response.json()


def _imported(person, content: bytes) -> ImportJob:
    job_id = _uploaded(person, content)["id"]
    assert confirm(person, job_id).status_code == 202
    run(job_id)
    return ImportJob.objects.get(pk=job_id)


def _files_left(body: dict) -> list[tuple[str, str]]:
    """What the preview lists about files (the fixture's passport lists fields too)."""
    return [(left["what"], left["reason"]) for left in body["preview"]["left"]
            if left["what"].startswith(("file", "document", "title"))]


def _blob_keys() -> set[str]:
    return {blob.key for blob in get_store().list_blobs()}


def test_the_preview_shows_each_file_with_its_record(unlocked_alice):
    body = _uploaded(unlocked_alice, container())
    assert body["format"] == "cxf_zip" and body["files_planned"] == 2
    assert body["bytes_planned"] == len(SCAN) + len(LEASE)
    assert body["preview"]["records"] == [{"kind": "passport", "label": "Reisepass", "files": ["scan.pdf"]}]
    assert body["preview"]["files"] == ["lease.pdf"] and _files_left(body) == []
    assert Record.objects.count() == File.objects.count() == 0


def test_it_imports_the_documents_byte_for_byte_onto_their_records(unlocked_alice):
    job = _imported(unlocked_alice, container(root="CXP-Export/"))
    assert (job.state, job.records_created, job.files_created) == ("done", 1, 2), job.error_code
    (passport,) = revealed_records(unlocked_alice)
    assert passport["label"] == "Reisepass" and passport["kind"] == "passport"
    found = {}
    for file in File.objects.filter(owner=unlocked_alice.user):
        meta = unlocked_alice.client.get(f"/api/v1/files/{file.pk}/").json()
        body = b"".join(unlocked_alice.client.get(f"/api/v1/files/{file.pk}/content").streaming_content)
        found[meta["filename"]] = (str(file.record_id) if file.record_id else None, meta["role"], body)
    assert found == {"scan.pdf": (passport["id"], "other", SCAN), "lease.pdf": (None, None, LEASE)}


def test_a_document_that_does_not_match_its_integrity_hash_imports_nothing(unlocked_alice,
                                                                           django_capture_on_commit_callbacks):
    tampered = bytearray(SCAN)
    tampered[-10] ^= 0x01  # the same size, so only the SHA-256 tells
    before = _blob_keys()
    with django_capture_on_commit_callbacks(execute=True):
        job = _imported(unlocked_alice, container(documents={SCAN_ID: bytes(tampered), LEASE_ID: LEASE}))
    assert (job.state, job.error_code) == ("failed", "import_file_mismatch")
    assert not Record.objects.exists() and not File.objects.exists() and not ImportFile.objects.exists()
    assert _blob_keys() == before


def test_a_missing_document_is_listed_and_the_rest_imported(unlocked_alice):
    body = _uploaded(unlocked_alice, container(documents={LEASE_ID: LEASE}))
    assert body["preview"]["records"] == [{"kind": "passport", "label": "Reisepass", "files": []}]
    assert _files_left(body) == [("file 'scan.pdf'", "The archive holds no document for it (documents/<its id>).")]
    assert confirm(unlocked_alice, body["id"]).status_code == 202
    run(body["id"])
    job = ImportJob.objects.get(pk=body["id"])
    assert (job.state, job.records_created, job.files_created) == ("done", 1, 1)


def test_a_document_that_is_not_a_kept_type_is_listed(unlocked_alice):
    text = b"just some words"
    body = _uploaded(unlocked_alice, container(_document(lease=text), {SCAN_ID: SCAN, LEASE_ID: text}))
    assert [what for what, _ in _files_left(body)] == ["file 'lease.pdf'"]
    assert body["files_planned"] == 1


def test_a_file_name_coffer_refuses_is_listed_and_a_path_in_a_name_is_cut_to_its_last_part(unlocked_alice):
    document = _document()
    items = document["accounts"][0]["items"]
    items[0]["credentials"][-1]["name"] = "../../etc/passwd.pdf"
    items[1]["credentials"][0]["name"] = items[1]["title"] = " \x00 "
    body = _uploaded(unlocked_alice, container(document))
    assert body["preview"]["files"] == [] and body["files_planned"] == 1
    assert ("a file", "Not created: Give the file a name.") in [(left["what"], left["reason"])
                                                                for left in body["preview"]["left"]]
    assert confirm(unlocked_alice, body["id"]).status_code == 202
    run(body["id"])
    (scan,) = File.objects.filter(owner=unlocked_alice.user)
    assert unlocked_alice.client.get(f"/api/v1/files/{scan.pk}/").json()["filename"] == "passwd.pdf"


def test_a_zip_with_a_path_outside_the_layout_is_refused_and_nothing_kept(unlocked_alice):
    before = _blob_keys()
    for name in ("../../etc/evil", "documents/../../evil", "documents/a/b", "README.txt"):
        response = upload(unlocked_alice, container(extra=((name, b"x"),)), name="export.zip")
        assert response.status_code == 400 and response.json()["code"] == "cxf_zip_layout", name
    assert ImportJob.objects.count() == 0 and _blob_keys() == before


def test_a_zip_bomb_is_refused_before_a_byte_of_it_is_inflated(unlocked_alice):
    bomb = b"\0" * (4 * 1024 * 1024)
    document = _document(lease=bomb)
    response = upload(unlocked_alice, container(document, {SCAN_ID: SCAN, LEASE_ID: bomb},
                                                compression=zipfile.ZIP_DEFLATED), name="export.zip")
    assert response.status_code == 400 and response.json()["code"] == "cxf_zip_invalid"
    assert ImportJob.objects.count() == 0


def test_an_encrypted_container_is_refused_with_a_clear_message(unlocked_alice):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("CXP-Export/index.jwe", b"eyJhbGciOi...")
    response = upload(unlocked_alice, out.getvalue(), name="export.zip")
    assert response.status_code == 400 and response.json()["code"] == "cxf_zip_encrypted"
    assert "unencrypted" in response.json()["detail"]


def test_a_link_in_the_zip_is_refused(unlocked_alice):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.jcf", json.dumps(_document()))
        link = zipfile.ZipInfo(f"documents/{SCAN_ID}")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
    response = upload(unlocked_alice, out.getvalue(), name="export.zip")
    assert response.status_code == 400 and response.json()["code"] == "import_zip_invalid"


def test_a_document_damaged_inside_the_zip_fails_the_import(unlocked_alice, django_capture_on_commit_callbacks):
    """A flipped byte in a stored member: zipfile's CRC-32 check fails at its end, and
    the import fails whole (the SHA-256 would too)."""
    raw = bytearray(container())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(f"documents/{SCAN_ID}")
    name_length, extra_length = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    raw[info.header_offset + 30 + name_length + extra_length + 1000] ^= 0x01
    with django_capture_on_commit_callbacks(execute=True):
        job = _imported(unlocked_alice, bytes(raw))
    assert (job.state, job.error_code) == ("failed", "cxf_zip_invalid")
    assert not Record.objects.exists() and not File.objects.exists() and not ImportFile.objects.exists()


def test_another_user_cannot_see_the_import(unlocked_alice, unlocked_bob):
    job_id = _uploaded(unlocked_alice, container())["id"]
    assert unlocked_bob.client.get(f"/api/v1/imports/{job_id}/").status_code == 404
