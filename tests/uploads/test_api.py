"""/api/v1/uploads/: a file sent in segments, resumed, cancelled."""

import io
import uuid

import pytest
from rest_framework.test import APIClient

from audit.models import AuditEvent
from files.models import File
from storage.factory import get_store
from uploads.models import UploadPart, UploadSession
from uploads.services import uploads_expire

from tests.conftest import PASSWORD
from tests.files.test_scan_roles import add_record

from .conftest import PART, content, pdf, send, start, started, upload_url


def test_a_file_sent_in_segments_reads_back_whole(unlocked_alice, backend):
    client, data = unlocked_alice.client, pdf(5 * PART + 1234)
    upload_id = started(client, data, filename="passport.pdf")
    assert send(client, upload_id, 0, data[: 2 * PART]).json()["offset"] == 2 * PART
    assert send(client, upload_id, 2 * PART, data[2 * PART : 5 * PART]).json()["offset"] == 5 * PART
    response = send(client, upload_id, 5 * PART, data[5 * PART :])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["id"], body["filename"], body["size"], body["content_type"]) == (
        upload_id, "passport.pdf", len(data), "application/pdf")
    assert content(client, upload_id) == data
    assert not UploadSession.objects.exists() and not UploadPart.objects.exists()
    assert backend.leftovers() == [f"object {File.objects.get().blob_key}"]
    assert AuditEvent.objects.filter(action="file.create", target_id=upload_id).count() == 1


def test_it_stores_what_a_one_shot_upload_would(unlocked_alice, fs_backend):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    assert send(client, upload_id, 0, data).status_code == 201
    file = File.objects.get()
    assert file.ciphertext_size == 49 + 3 * (PART + 16) == get_store().size(file.blob_key)
    assert file.vault_key_version == 1 and file.dek_version == 1
    assert content(client, upload_id)[1000:2000] == data[1000:2000]


@pytest.mark.parametrize("size", [1, 100, PART, PART + 1])
def test_small_and_edge_sizes_round_trip(unlocked_alice, fs_backend, size):
    client, data = unlocked_alice.client, pdf(size)
    upload_id = started(client, data, content_type="application/octet-stream") if size > 8 else None
    if upload_id is None:
        assert start(client, size).status_code == 201  # too short to sniff: refused at the finish
        return
    assert send(client, upload_id, 0, data).status_code == 201
    assert content(client, upload_id) == data


def test_get_tells_where_to_resume(unlocked_alice, fs_backend):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[:PART])
    response = client.get(upload_url(upload_id))
    assert response.status_code == 200
    assert response.json()["offset"] == PART and response["Upload-Offset"] == str(PART)
    assert response.json()["part_size"] == PART and response.json()["size"] == 3 * PART


def test_a_wrong_offset_is_409_with_the_current_one(unlocked_alice, fs_backend):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[:PART])
    response = send(client, upload_id, 0, data[:PART])
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["offset"]) == ("upload_offset_mismatch", PART)
    assert response["Upload-Offset"] == str(PART)


def test_bytes_past_the_declared_size_are_413(unlocked_alice, fs_backend):
    client, data = unlocked_alice.client, pdf(2 * PART)
    upload_id = started(client, data)
    response = send(client, upload_id, 0, data + b"x")
    assert response.status_code == 413 and response.json()["code"] == "upload_too_long"
    assert client.get(upload_url(upload_id)).json()["offset"] == 0


def test_a_segment_of_part_of_a_part_is_400(unlocked_alice, fs_backend):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    response = send(client, upload_id, 0, data[: PART + 10])
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["part_size"]) == ("upload_segment_invalid", PART)


def test_the_same_part_again_with_other_bytes_is_refused(unlocked_alice, fs_backend):
    """A part's position fixes its nonces: other bytes there would reuse them."""
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    UploadPart.objects.create(session_id=upload_id, number=2, digest=b"\0" * 32)  # a try that stored nothing
    response = send(client, upload_id, 0, data[: 2 * PART])
    assert response.status_code == 409 and response.json()["code"] == "upload_segment_changed"
    assert client.get(upload_url(upload_id)).json()["offset"] == 0


def test_a_segment_sent_again_after_a_lost_answer_is_accepted(unlocked_alice, backend):
    """The first try stored its parts but never moved the offset (the process died)."""
    client, data = unlocked_alice.client, pdf(2 * PART + 7)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[:PART])
    UploadSession.objects.filter(pk=upload_id).update(offset=0)
    assert send(client, upload_id, 0, data[:PART]).json()["offset"] == PART
    assert send(client, upload_id, PART, data[PART:]).status_code == 201
    assert content(client, upload_id) == data


def test_a_body_cut_short_keeps_the_offset(unlocked_alice, fs_backend):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    response = client.generic("PATCH", upload_url(upload_id), b"", content_type="application/octet-stream",
                              HTTP_UPLOAD_OFFSET="0", CONTENT_LENGTH=str(2 * PART),
                              **{"wsgi.input": io.BytesIO(data[: PART + 5])})
    assert response.status_code == 400 and response.json()["code"] == "upload_incomplete"
    assert client.get(upload_url(upload_id)).json()["offset"] == 0
    assert send(client, upload_id, 0, data[: 2 * PART]).json()["offset"] == 2 * PART


def test_a_missing_offset_header_is_400(unlocked_alice, fs_backend):
    client, data = unlocked_alice.client, pdf(PART)
    upload_id = started(client, data)
    response = client.generic("PATCH", upload_url(upload_id), data, content_type="application/octet-stream")
    assert response.status_code == 400 and response.json()["code"] == "invalid_header"


def test_cancel_leaves_nothing_behind(unlocked_alice, backend):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[: 2 * PART])
    assert client.delete(upload_url(upload_id)).status_code == 204
    assert client.get(upload_url(upload_id)).status_code == 404
    assert send(client, upload_id, 2 * PART, data[2 * PART :]).status_code == 404
    assert backend.leftovers() == [] and not UploadPart.objects.exists()


def test_expired_sessions_are_cleaned(unlocked_alice, backend):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[:PART])
    keep = started(client, data)
    UploadSession.objects.filter(pk=upload_id).update(expires_at="2020-01-01T00:00:00Z")
    assert client.get(upload_url(upload_id)).status_code == 404
    assert uploads_expire() == 1
    assert list(UploadSession.objects.values_list("pk", flat=True)) == [uuid.UUID(keep)]
    client.delete(upload_url(keep))
    assert backend.leftovers() == []


def test_a_locked_vault_is_423(alice, fs_backend):
    alice.setup_vault()
    assert start(alice.client, 100).status_code == 423


def test_a_segment_needs_the_vault_unlocked(unlocked_alice, alice, fs_backend):
    data = pdf(2 * PART)
    upload_id = started(unlocked_alice.client, data)
    response = alice.with_secret(None).generic("PATCH", upload_url(upload_id), data[:PART],
                                                content_type="application/octet-stream", HTTP_UPLOAD_OFFSET="0")
    assert response.status_code == 423


def test_another_users_session_is_404(unlocked_alice, unlocked_bob, fs_backend):
    data = pdf(2 * PART)
    upload_id = started(unlocked_alice.client, data)
    assert unlocked_bob.client.get(upload_url(upload_id)).status_code == 404
    assert send(unlocked_bob.client, upload_id, 0, data[:PART]).status_code == 404
    assert unlocked_bob.client.delete(upload_url(upload_id)).status_code == 404
    assert unlocked_alice.client.get(upload_url(upload_id)).status_code == 200


def test_start_refuses_what_a_one_shot_upload_would(unlocked_alice, fs_backend, settings):
    client = unlocked_alice.client
    settings.COFFER_FILE_MAX_BYTES = 10 * PART
    assert start(client, 10 * PART + 1).json()["code"] == "file_too_large"
    assert start(client, 100, content_type="text/html").status_code == 415
    assert start(client, 100, record="00000000-0000-0000-0000-000000000000").status_code == 404
    assert start(client, 100, filename="").status_code == 400
    assert not UploadSession.objects.exists()


def test_the_first_part_is_sniffed(unlocked_alice, fs_backend):
    client = unlocked_alice.client
    data = b"<html>" + b"\0" * (2 * PART - 6)
    upload_id = started(client, data, content_type="application/octet-stream")
    response = send(client, upload_id, 0, data[:PART])
    assert response.status_code == 400 and response.json()["code"] == "unsupported_content"
    assert client.get(upload_url(upload_id)).json()["offset"] == 0


def test_the_quota_is_checked_again_at_the_finish(unlocked_alice, fs_backend, settings):
    client, data = unlocked_alice.client, pdf(2 * PART)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[:PART])
    settings.COFFER_USER_QUOTA_BYTES = PART
    response = send(client, upload_id, PART, data[PART:])
    assert response.status_code == 507
    assert not File.objects.exists() and not UploadSession.objects.exists()
    assert fs_backend.leftovers() == []


def test_a_scan_lands_in_its_role(unlocked_alice, fs_backend):
    client = unlocked_alice.client
    record_id = add_record(client)
    data = pdf(PART + 3)
    upload_id = started(client, data, record=record_id, role="front")
    response = send(client, upload_id, 0, data)
    assert response.status_code == 201, response.content
    assert (response.json()["record"], response.json()["role"]) == (record_id, "front")
    assert start(client, 100, role="front").json()["code"] == "invalid"  # a role needs its record
    again = started(client, data, record=record_id, role="front")
    assert send(client, again, 0, data).json()["code"] == "scan_role_taken"
    assert not UploadSession.objects.exists() and File.objects.count() == 1


def test_a_session_whose_multipart_upload_is_gone_ends(unlocked_alice, backend):
    """As after a finish that completed the parts and died before its commit: no retry
    can go on, so the session goes, and the client starts a new one."""
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[:PART])
    session = UploadSession.objects.get(pk=upload_id)
    get_store().multipart_abort(session.blob_key, session.storage_upload_id)
    assert send(client, upload_id, PART, data[PART:]).status_code == 404
    assert not UploadSession.objects.exists()
    assert client.get(upload_url(upload_id)).status_code == 404


def test_deleting_the_account_aborts_its_open_uploads(unlocked_alice, backend, django_capture_on_commit_callbacks):
    client, data = unlocked_alice.client, pdf(3 * PART)
    upload_id = started(client, data)
    send(client, upload_id, 0, data[:PART])
    session = APIClient()
    assert session.login(username=unlocked_alice.user.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = session.post("/api/v1/accounts/delete", {"password": PASSWORD,
                                                            "confirmation": unlocked_alice.user.username}, format="json")
    assert response.status_code == 202, response.content
    assert not UploadSession.objects.exists()
    assert backend.leftovers() == []
