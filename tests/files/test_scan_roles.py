"""Scans with roles: uploading into a role of a record, replacing, detaching, and the limits."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from files.models import File
from records.schemas import get_kind
from records.schemas.base import SCAN_ROLE_LIMITS
from tests.files.conftest import events, pdf, stored
from tests.records.samples import valid

pytestmark = pytest.mark.usefixtures("fs_backend")


def add_record(client, kind: str = "passport") -> str:
    response = client.post("/api/v1/records/", {"kind": kind, "label": "mine", "data": valid(kind)}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def scans_url(record_id: str, tail: str = "") -> str:
    return f"/api/v1/records/{record_id}/files/{tail}"


def put_scan(client, record_id: str, role: str, data: bytes, *, method: str = "POST", filename: str = "scan.pdf"):
    return client.generic(method, scans_url(record_id, f"{role}/"), data, content_type="application/pdf",
                          HTTP_X_FILENAME=filename)


@pytest.fixture
def passport(unlocked_alice) -> str:
    return add_record(unlocked_alice.client)


def test_it_uploads_a_scan_into_a_role_and_lists_it_with_its_role(unlocked_alice, passport, fs_backend):
    response = put_scan(unlocked_alice.client, passport, "front", pdf(5000), filename="front.pdf")
    assert response.status_code == 201, response.content
    assert (response.json()["role"], response.json()["record"], response.json()["filename"]) == (
        "front", passport, "front.pdf")
    assert response["Location"] == f"/api/v1/files/{response.json()['id']}/"
    listed = unlocked_alice.client.get(scans_url(passport)).json()["results"]
    assert [(item["id"], item["role"]) for item in listed] == [(response.json()["id"], "front")]
    assert events("file.create")[-1].details["role"] == "front"


def test_it_takes_a_form_upload_into_a_role_as_browsers_send_it(unlocked_alice, passport):
    upload = SimpleUploadedFile("selfie.pdf", pdf(3000), content_type="application/pdf")
    response = unlocked_alice.client.post(scans_url(passport, "selfie/"), {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "selfie"


def test_it_refuses_a_second_front_and_keeps_no_blob_of_it(unlocked_alice, passport, fs_backend):
    first = put_scan(unlocked_alice.client, passport, "front", pdf(5000))
    assert first.status_code == 201
    blobs_before = fs_backend.leftovers()
    second = put_scan(unlocked_alice.client, passport, "front", pdf(5000))
    assert second.status_code == 409
    assert second.json()["code"] == "scan_role_taken"
    assert fs_backend.leftovers() == blobs_before
    assert list(File.objects.values_list("id", flat=True)) == [stored(first.json()["id"]).pk]


def test_it_replaces_the_scan_of_a_role_and_deletes_the_old_blob(
    unlocked_alice, passport, fs_backend, django_capture_on_commit_callbacks
):
    old = put_scan(unlocked_alice.client, passport, "selfie", pdf(5000)).json()
    old_blob = stored(old["id"]).blob_key
    with django_capture_on_commit_callbacks(execute=True):
        new = put_scan(unlocked_alice.client, passport, "selfie", pdf(6000), method="PUT")
    assert new.status_code == 201, new.content
    assert not File.objects.filter(pk=old["id"]).exists()
    assert [(str(f.pk), f.role) for f in File.objects.all()] == [(new.json()["id"], "selfie")]
    assert fs_backend.leftovers() == [f"object {stored(new.json()['id']).blob_key}"]
    assert old_blob not in str(fs_backend.leftovers())
    assert [str(event.target_id) for event in events("file.delete")] == [old["id"]]


def test_it_keeps_the_old_blob_for_the_retention_like_any_deleted_file(unlocked_alice, passport, fs_backend, settings):
    settings.COFFER_BLOB_RETENTION = 86400
    old = put_scan(unlocked_alice.client, passport, "back", pdf(5000)).json()
    old_blob = stored(old["id"]).blob_key
    assert put_scan(unlocked_alice.client, passport, "back", pdf(6000), method="PUT").status_code == 201
    assert f"object {old_blob}" in fs_backend.leftovers()  # for the blob GC, as file_delete leaves it


def test_it_refuses_a_role_the_kind_does_not_take_before_reading_the_body(unlocked_alice, fs_backend):
    note = add_record(unlocked_alice.client, "note")
    card = add_record(unlocked_alice.client, "bank_card")
    for record_id, role in [(note, "front"), (card, "selfie"), (card, "sideways")]:
        response = put_scan(unlocked_alice.client, record_id, role, pdf(5000))
        assert response.status_code == 400, (role, response.content)
        assert response.json()["code"] == "scan_role_not_accepted"
    assert fs_backend.leftovers() == []
    assert get_kind("bank_card").scan_roles == ("front", "back", "other")


def test_it_takes_several_translations_up_to_the_limit(unlocked_alice, passport, settings, fs_backend):
    limit = SCAN_ROLE_LIMITS["translation"]
    for n in range(limit):
        assert put_scan(unlocked_alice.client, passport, "translation", pdf(1000)).status_code == 201, n
    response = put_scan(unlocked_alice.client, passport, "translation", pdf(1000))
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["limit"]) == ("scan_role_full", limit)
    assert File.objects.filter(role="translation").count() == limit
    assert len(fs_backend.leftovers()) == limit


def test_it_detaches_a_scan_which_stays_among_the_owners_files(unlocked_alice, passport):
    scan = put_scan(unlocked_alice.client, passport, "front", pdf(5000)).json()
    response = unlocked_alice.client.delete(scans_url(passport, f"{scan['id']}/"))
    assert response.status_code == 204
    file = stored(scan["id"])
    assert (file.record_id, file.role) == (None, "")
    assert unlocked_alice.client.get(scans_url(passport)).json()["results"] == []
    assert events("file.detach")[-1].details["role"] == "front"
    # The role is free again.
    assert put_scan(unlocked_alice.client, passport, "front", pdf(5000)).status_code == 201


def test_it_answers_404_to_another_user_for_every_scan_operation(unlocked_alice, unlocked_bob, passport, fs_backend):
    scan = put_scan(unlocked_alice.client, passport, "front", pdf(5000)).json()
    bob = unlocked_bob.client
    assert bob.get(scans_url(passport)).status_code == 404
    assert put_scan(bob, passport, "back", pdf(5000)).status_code == 404
    assert put_scan(bob, passport, "front", pdf(5000), method="PUT").status_code == 404
    assert bob.delete(scans_url(passport, f"{scan['id']}/")).status_code == 404
    bobs = add_record(bob)
    # Alice's file through Bob's own record is no more his.
    assert bob.delete(scans_url(bobs, f"{scan['id']}/")).status_code == 404
    assert stored(scan["id"]).record_id is not None
    assert len(fs_backend.leftovers()) == 1


def test_it_detaches_only_through_the_record_the_file_is_on(unlocked_alice, passport):
    other = add_record(unlocked_alice.client)
    scan = put_scan(unlocked_alice.client, passport, "front", pdf(5000)).json()
    assert unlocked_alice.client.delete(scans_url(other, f"{scan['id']}/")).status_code == 404
    assert str(stored(scan["id"]).record_id) == passport


def test_it_answers_423_while_the_vault_is_locked(alice, unlocked_alice, passport):
    response = put_scan(alice.with_secret(None), passport, "front", pdf(5000))
    assert response.status_code == 423
