"""POST /api/v1/files/"""

from urllib.parse import quote

import pytest

from accounts.scopes import FILES_READ, FILES_WRITE
from files.models import File

from .conftest import FILES_URL, PDF_HEAD, events, file_url, pdf, stored, upload_form, upload_raw

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 100


def test_it_stores_the_file_and_answers_its_metadata(unlocked_alice, fs_backend, upload):
    response = upload(unlocked_alice.client, pdf(1000), filename="Scan 1.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "filename", "content_type", "size", "record", "role", "created_at", "integrity_error"}
    assert (body["filename"], body["content_type"], body["size"], body["record"]) == ("Scan 1.pdf", "application/pdf", 1000, None)
    assert response["Location"] == file_url(body["id"])
    row = stored(body["id"])
    assert row.owner == unlocked_alice.user and row.vault_key_version == 1 and row.dek_version == 1


def test_it_audits_the_upload_without_the_name(unlocked_alice, fs_backend, upload):
    body = upload(unlocked_alice.client, pdf(1000), filename="secret-name.pdf").json()
    [event] = events("file.create")
    assert (event.target_kind, event.target_id) == ("file", body["id"])
    assert event.details == {"content_type": "application/pdf", "size": 1000}
    assert event.actor == unlocked_alice.user and event.subject_user_id == unlocked_alice.user.pk


def test_the_name_is_stored_sealed(unlocked_alice, fs_backend, upload):
    body = upload(unlocked_alice.client, pdf(1000), filename="my-passport.pdf").json()
    assert b"my-passport" not in bytes(stored(body["id"]).sealed_filename)


def test_the_type_is_sniffed_from_the_bytes(unlocked_alice, fs_backend, upload):
    response = upload(unlocked_alice.client, PNG, filename="photo", content_type="application/octet-stream")
    assert response.status_code == 201 and response.json()["content_type"] == "image/png"


@pytest.mark.parametrize("content_type", ["image/jpeg", "image/png"])
def test_a_declared_type_the_bytes_contradict_answers_400(unlocked_alice, fs_backend, upload, content_type):
    response = upload(unlocked_alice.client, pdf(5000), content_type=content_type)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unsupported_content"
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_an_unknown_type_answers_400(unlocked_alice, fs_backend, upload):
    response = upload(unlocked_alice.client, b"MZ\x90\x00" + b"\0" * 500, content_type="application/octet-stream")
    assert response.status_code == 400 and response.json()["code"] == "unsupported_content"
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_a_declared_type_outside_the_allowlist_answers_415(unlocked_alice, fs_backend, upload):
    response = upload(unlocked_alice.client, b"<html><script>", content_type="text/html")
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Files of type 'text/html' are not accepted.")


@pytest.mark.parametrize("content_type", ["application/pdf", "application/octet-stream"])
def test_a_file_too_short_to_hold_its_signature_answers_400(unlocked_alice, fs_backend, upload, content_type):
    response = upload(unlocked_alice.client, b"%P", content_type=content_type)
    assert response.status_code == 400 and response.json()["code"] == "unsupported_content"
    assert not File.objects.exists() and fs_backend.leftovers() == []


@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "application/octet-stream"])
def test_an_empty_file_answers_400_and_leaves_nothing(unlocked_alice, fs_backend, upload, content_type):
    response = upload(unlocked_alice.client, b"", filename="scan.pdf", content_type=content_type)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unsupported_content"
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_every_allowed_type_is_accepted(unlocked_alice, fs_backend):
    samples = {
        "image/jpeg": JPEG,
        "image/png": PNG,
        "image/webp": b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 64,
        "image/heic": b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64,
        "image/tiff": b"II*\x00" + b"\0" * 64,
        "application/pdf": PDF_HEAD + b"\0" * 64,
    }
    for content_type, data in samples.items():
        response = upload_raw(unlocked_alice.client, data, content_type="application/octet-stream")
        assert response.status_code == 201 and response.json()["content_type"] == content_type, content_type


def test_it_attaches_the_file_to_a_record_of_the_owner(unlocked_alice, fs_backend, upload):
    record = unlocked_alice.client.post(
        "/api/v1/records/", {"kind": "note", "data": {"title": "Passport", "text": "scans"}}, format="json"
    ).json()
    if upload is upload_raw:
        response = upload_raw(unlocked_alice.client, pdf(1000), x_record=record["id"])
    else:
        response = upload_form(unlocked_alice.client, pdf(1000), record=record["id"])
    assert response.status_code == 201, response.content
    assert response.json()["record"] == record["id"]
    assert str(stored(response.json()["id"]).record_id) == record["id"]


def test_another_users_record_answers_404_and_stores_nothing(unlocked_alice, unlocked_bob, fs_backend, upload):
    record = unlocked_bob.client.post(
        "/api/v1/records/", {"kind": "note", "data": {"title": "Bob's", "text": "x"}}, format="json"
    ).json()
    if upload is upload_raw:
        response = upload_raw(unlocked_alice.client, pdf(1000), x_record=record["id"])
    else:
        response = upload_form(unlocked_alice.client, pdf(1000), record=record["id"])
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_a_percent_encoded_x_filename_keeps_its_unicode(unlocked_alice, fs_backend):
    response = upload_raw(unlocked_alice.client, pdf(100), filename=quote("Reisepass – Zoë.pdf"))
    assert response.status_code == 201 and response.json()["filename"] == "Reisepass – Zoë.pdf"


def test_directories_in_a_filename_are_dropped(unlocked_alice, fs_backend, upload):
    response = upload(unlocked_alice.client, pdf(100), filename="..\\..\\etc\\scan.pdf")
    assert response.status_code == 201 and response.json()["filename"] == "scan.pdf"


def test_a_raw_upload_without_x_filename_answers_400(unlocked_alice, fs_backend):
    response = upload_raw(unlocked_alice.client, pdf(100), filename=None)
    assert response.status_code == 400 and response.json()["fields"] == {
        "filename": ["Send the file's name in the X-Filename header."]
    }


def test_a_form_without_a_file_field_answers_400(unlocked_alice, fs_backend):
    response = unlocked_alice.client.post(FILES_URL, {"record": ""}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["fields"]


def test_a_form_with_the_file_under_another_name_answers_400(unlocked_alice, fs_backend):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("scan.pdf", pdf(100), content_type="application/pdf")
    response = unlocked_alice.client.post(FILES_URL, {"document": upload}, format="multipart")
    assert response.status_code == 400 and "document" in response.json()["fields"]
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_a_form_with_two_files_answers_400_and_keeps_neither(unlocked_alice, fs_backend):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [SimpleUploadedFile(f"{n}.pdf", pdf(100), content_type="application/pdf") for n in "ab"]
    response = unlocked_alice.client.post(FILES_URL, {"file": files}, format="multipart")
    assert response.status_code == 400 and response.json()["fields"] == {"file": ["Send one file per request."]}
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_a_chunked_body_without_content_length_answers_411(unlocked_alice, fs_backend):
    response = unlocked_alice.client.generic(
        "POST", FILES_URL, pdf(100), content_type="application/pdf",
        HTTP_X_FILENAME="scan.pdf", HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="",
    )
    assert response.status_code == 411 and response.json()["code"] == "length_required"


def test_a_locked_vault_answers_423_and_stores_nothing(alice, fs_backend, upload):
    alice.setup_vault()
    response = upload(alice.client, pdf(1000))
    assert response.status_code == 423 and response.json()["code"] == "vault_locked"
    assert not File.objects.exists() and fs_backend.leftovers() == []


def test_a_token_without_files_write_answers_403(unlocked_alice, fs_backend, upload):
    response = upload(unlocked_alice.with_scopes(FILES_READ), pdf(1000))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert not File.objects.exists()


def test_a_token_with_files_write_may_upload(unlocked_alice, fs_backend, upload):
    assert upload(unlocked_alice.with_scopes(FILES_WRITE), pdf(1000)).status_code == 201


def test_an_anonymous_upload_answers_401(db, fs_backend, upload):
    from rest_framework.test import APIClient

    assert upload(APIClient(), pdf(1000)).status_code == 401
