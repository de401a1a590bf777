"""Scans shared with apps (docs/sharing.md §3.5): each chosen scan is copied under a fresh key
that only the sealed grant holds; the app downloads the copy with a signed request, decrypts
it, and checks it against the SHA-256 its user signed. Revocation and expiry end the copies."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from files.models import File
from sharing.canonical import scan_stream_context
from sharing.models import Grant, GrantScan
from sharing.services import grants_purge_expired
from tests.files.conftest import fs_backend, pdf  # noqa: F401  (fs_backend: a fixture)
from tests.files.test_scan_roles import put_scan
from vault.crypto.errors import IntegrityError
from vault.crypto.stream import decrypt_stream

from .conftest import GRANTS_URL, create_grant, create_record, grant_body, grant_url, signed_request, user_sign_key

pytestmark = pytest.mark.usefixtures("fs_backend")


def scan_url(grant_id: str, scan_id: str) -> str:
    return f"/api/v1/apps/me/grants/{grant_id}/scans/{scan_id}"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def scanned_passport(unlocked_alice) -> dict:
    """Alice's passport with a front, a back and a selfie; the bytes of each, by role."""
    passport = create_record(unlocked_alice, "passport", label="My passport")
    scans = {}
    for role, size in (("front", 150_000), ("back", 70_000), ("selfie", 1_000)):
        scans[role] = pdf(size, marker=role.encode())
        response = put_scan(unlocked_alice.client, passport["id"], role, scans[role])
        assert response.status_code == 201, response.content
    return {**passport, "scans": scans}


def share(person, app, record, roles, **item) -> tuple[dict, dict]:
    """(the grant as its user sees it, the document as the app opens and verifies it)."""
    created = create_grant(person, app, [{"record_id": record["id"], "fields": ["surname"], "scans": roles, **item}])
    [served] = [g for g in app.fetch() if g["id"] == created["id"]]
    return created, app.open_verified(served, user_sign_key(person))


def download(app, grant_id: str, scan_id: str, **headers):
    return app.get(scan_url(grant_id, scan_id), **headers)


def opened(document: dict, scan: dict, ciphertext: bytes) -> bytes:
    context = scan_stream_context(grant_id=document["grant_id"], scan_id=scan["id"])
    return b"".join(decrypt_stream(base64.b64decode(scan["key"]), context, [ciphertext]))


def test_the_app_downloads_and_decrypts_exactly_the_chosen_scans(unlocked_alice, app, scanned_passport):
    created, document = share(unlocked_alice, app, scanned_passport, ["selfie", "front"])
    assert created["items"][0]["scans"] == ["front", "selfie"]
    scans = document["records"][0]["scans"]
    # In role order, whatever order they were asked in; the back was not chosen.
    assert [scan["role"] for scan in scans] == ["front", "selfie"]
    for scan in scans:
        original = scanned_passport["scans"][scan["role"]]
        assert (scan["content_type"], scan["size"]) == ("application/pdf", len(original))
        assert scan["sha256"] == hashlib.sha256(original).hexdigest()
        response = download(app, document["grant_id"], scan["id"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        ciphertext = body(response)
        assert int(response["Content-Length"]) == len(ciphertext)
        assert original not in ciphertext
        assert opened(document, scan, ciphertext) == original


def test_a_copy_opens_with_its_own_key_and_context_only(unlocked_alice, app, scanned_passport):
    _, document = share(unlocked_alice, app, scanned_passport, ["front", "back"])
    front, back = document["records"][0]["scans"]
    ciphertext = body(download(app, document["grant_id"], front["id"]))
    with pytest.raises(IntegrityError):
        opened(document, {**front, "key": back["key"]}, ciphertext)
    with pytest.raises(IntegrityError):
        opened(document, {**front, "id": back["id"]}, ciphertext)  # another scan's context
    # The copy is a new object; the user's file and its DEK stay where they were.
    copy = GrantScan.objects.get(pk=front["id"])
    original = File.objects.get(record_id=scanned_passport["id"], role="front")
    assert copy.blob_key != original.blob_key and copy.file_id == original.pk
    assert {f.name for f in GrantScan._meta.get_fields()}.isdisjoint({"key", "wrapped_key", "sha256"})


def test_a_range_resumes_the_ciphertext(unlocked_alice, app, scanned_passport):
    _, document = share(unlocked_alice, app, scanned_passport, ["front"])
    [front] = document["records"][0]["scans"]
    whole = body(download(app, document["grant_id"], front["id"]))
    rest = download(app, document["grant_id"], front["id"], HTTP_RANGE="bytes=1000-")
    assert rest.status_code == 206
    assert rest["Content-Range"] == f"bytes 1000-{len(whole) - 1}/{len(whole)}"
    assert whole[:1000] + body(rest) == whole
    assert download(app, document["grant_id"], front["id"], HTTP_RANGE=f"bytes={len(whole)}-").status_code == 416


def test_revocation_stops_the_downloads_and_deletes_the_copies(
    unlocked_alice, app, scanned_passport, fs_backend, django_capture_on_commit_callbacks
):
    created, document = share(unlocked_alice, app, scanned_passport, ["front", "selfie"])
    copies = list(GrantScan.objects.filter(grant_id=created["id"]).values_list("blob_key", flat=True))
    assert len(copies) == 2 and all(fs_backend.store.size(key) > 0 for key in copies)
    with django_capture_on_commit_callbacks(execute=True):
        assert unlocked_alice.client.delete(grant_url(created["id"])).status_code == 204
    for scan in document["records"][0]["scans"]:
        assert download(app, document["grant_id"], scan["id"]).status_code == 404
    assert not GrantScan.objects.filter(grant_id=created["id"]).exists()
    listed = {info.key for info in fs_backend.store.list_blobs()}
    assert listed.isdisjoint(copies)
    assert listed == set(File.objects.values_list("blob_key", flat=True))


def test_expiry_stops_the_downloads_and_the_purge_deletes_the_copies(
    unlocked_alice, app, scanned_passport, fs_backend, django_capture_on_commit_callbacks
):
    created, document = share(unlocked_alice, app, scanned_passport, ["front"])
    [front] = document["records"][0]["scans"]
    Grant.objects.filter(id=created["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert download(app, document["grant_id"], front["id"]).status_code == 404
    blob_key = GrantScan.objects.get(pk=front["id"]).blob_key
    with django_capture_on_commit_callbacks(execute=True):
        grants_purge_expired()
    assert not GrantScan.objects.filter(pk=front["id"]).exists()
    assert blob_key not in {info.key for info in fs_backend.store.list_blobs()}


def test_deleting_the_record_revokes_the_grant_and_its_copies(unlocked_alice, app, scanned_passport):
    created, document = share(unlocked_alice, app, scanned_passport, ["front"])
    assert unlocked_alice.client.delete(f"/api/v1/records/{scanned_passport['id']}/").status_code == 204
    assert Grant.objects.get(id=created["id"]).revoked_at is not None
    assert not GrantScan.objects.filter(grant_id=created["id"]).exists()


def test_only_the_grants_own_app_downloads_with_a_valid_signature(
    unlocked_alice, app, other_app, scanned_passport, client
):
    _, document = share(unlocked_alice, app, scanned_passport, ["front"])
    [front] = document["records"][0]["scans"]
    url = scan_url(document["grant_id"], front["id"])
    assert other_app.get(url).status_code == 404
    assert client.get(url).status_code == 401
    assert signed_request("GET", url, sign_key=other_app.sign_key, app_id=app.id).status_code == 401
    assert download(app, document["grant_id"], "00000000-0000-4000-8000-000000000000").status_code == 404
    assert download(app, document["grant_id"], "not-a-uuid").status_code == 404
    assert download(app, "not-a-uuid", front["id"]).status_code == 404


def test_each_download_is_audited_without_the_key(unlocked_alice, app, scanned_passport):
    created, document = share(unlocked_alice, app, scanned_passport, ["front"])
    [front] = document["records"][0]["scans"]
    body(download(app, document["grant_id"], front["id"], HTTP_RANGE="bytes=0-99"))
    [event] = AuditEvent.objects.filter(action="grant.scan_fetch")
    assert event.details == {"app_id": app.id, "scan_id": front["id"], "role": "front",
                             "range": f"bytes 0-99/{GrantScan.objects.get(pk=front['id']).ciphertext_size}"}
    assert event.subject_user_id == unlocked_alice.user.pk
    assert front["key"] not in str(AuditEvent.objects.filter(target_id=created["id"]).values_list("details"))
    assert AuditEvent.objects.get(action="grant.create", target_id=created["id"]).details["scans"] == 1


@pytest.mark.parametrize(("kind", "roles", "message"), [
    ("passport", ["translation"], "no 'translation' scan"),
    ("bank_card", ["selfie"], "has no 'selfie' scans"),
    ("note", ["front"], "has no 'front' scans"),
])
def test_a_role_the_record_has_no_scan_of_or_its_kind_does_not_take_answers_400(
    unlocked_alice, app, scanned_passport, kind, roles, message, fs_backend
):
    record = scanned_passport if kind == "passport" else create_record(unlocked_alice, kind)
    blobs = {info.key for info in fs_backend.store.list_blobs()}
    response = unlocked_alice.client.post(
        GRANTS_URL, grant_body(app, [{"record_id": record["id"], "scans": roles}]), format="json"
    )
    assert response.status_code == 400, response.content
    assert message in str(response.json()["fields"]["items"][0]["scans"])
    assert not Grant.objects.exists() and {info.key for info in fs_backend.store.list_blobs()} == blobs


@pytest.mark.parametrize("roles", [["front", "front"], ["passport"], "front"])
def test_malformed_scan_lists_answer_400(unlocked_alice, app, scanned_passport, roles):
    response = unlocked_alice.client.post(
        GRANTS_URL, grant_body(app, [{"record_id": scanned_passport["id"], "scans": roles}]), format="json"
    )
    assert response.status_code == 400, response.content
    assert "scans" in response.json()["fields"]["items"][0]


def test_a_grant_holds_at_most_the_configured_number_of_scans(unlocked_alice, app, scanned_passport, settings):
    settings.COFFER_GRANT_MAX_SCANS = 2
    response = unlocked_alice.client.post(
        GRANTS_URL, grant_body(app, [{"record_id": scanned_passport["id"], "scans": ["front", "back", "selfie"]}]),
        format="json",
    )
    assert response.status_code == 400
    assert "at most 2 scans" in str(response.json()["fields"]["items"])


def test_a_damaged_scan_fails_the_grant_and_leaves_no_copy(unlocked_alice, app, scanned_passport, fs_backend):
    front = File.objects.get(record_id=scanned_passport["id"], role="front")
    fs_backend.rewrite(front.blob_key, lambda data: data[:-1] + bytes([data[-1] ^ 1]))
    blobs = {info.key for info in fs_backend.store.list_blobs()}
    response = unlocked_alice.client.post(
        GRANTS_URL, grant_body(app, [{"record_id": scanned_passport["id"], "scans": ["front"]}]), format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "integrity_error"
    assert not Grant.objects.exists() and not GrantScan.objects.exists()
    assert {info.key for info in fs_backend.store.list_blobs()} == blobs
    assert fs_backend.leftovers() == sorted(f"object {key}" for key in blobs)


def test_a_grant_without_scans_copies_nothing(unlocked_alice, app, scanned_passport, fs_backend):
    blobs = {info.key for info in fs_backend.store.list_blobs()}
    _, document = share(unlocked_alice, app, scanned_passport, [])
    assert document["records"][0]["scans"] == []
    assert {info.key for info in fs_backend.store.list_blobs()} == blobs


def test_the_blob_gc_keeps_the_copies_of_live_grants(unlocked_alice, app, scanned_passport, settings):
    from vault.rotation.gc import gc_blobs

    settings.COFFER_BLOB_RETENTION = 0
    created, document = share(unlocked_alice, app, scanned_passport, ["front"])
    [front] = document["records"][0]["scans"]
    gc_blobs(grace=timedelta(0))
    assert body(download(app, document["grant_id"], front["id"]))
