"""The export endpoints: ownership, input, Range downloads, expiry, audit and mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent
from exports.age import AgeError, age_decrypt_stream
from exports.models import ExportJob
from exports.services import export_build, export_expire
from storage.factory import get_store
from vault.rotation.gc import gc_blobs

from .conftest import EXPORTS_URL, PASSPHRASE, Filled, add_record, start_export


@pytest.fixture
def done_export(unlocked_alice):
    add_record(unlocked_alice, "note", "A note", Filled())
    job_id = start_export(unlocked_alice)
    export_build(job_id=job_id)
    return job_id


def _whole(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_works(unlocked_alice, done_export):
    response = unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(age_decrypt_stream(PASSPHRASE, [_whole(response)])).startswith(b"coffer-export/README.txt")


def test_it_validates_ownership(unlocked_alice, unlocked_bob, done_export):
    for url in (f"{EXPORTS_URL}{done_export}/", f"{EXPORTS_URL}{done_export}/download"):
        assert unlocked_bob.client.get(url).status_code == 404
    assert unlocked_bob.client.get(EXPORTS_URL).json() == []


def test_it_handles_a_missing_or_malformed_id(unlocked_alice):
    assert unlocked_alice.client.get(f"{EXPORTS_URL}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert unlocked_alice.client.get(f"{EXPORTS_URL}not-a-uuid/download").status_code == 404


def test_it_serves_one_byte_range(unlocked_alice, done_export):
    whole = _whole(unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download"))
    response = unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download", HTTP_RANGE="bytes=10-99")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-99/{len(whole)}"
    assert _whole(response) == whole[10:100]
    tail = unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download", HTTP_RANGE="bytes=-7")
    assert _whole(tail) == whole[-7:]
    refused = unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download", HTTP_RANGE=f"bytes={len(whole)}-")
    assert refused.status_code == 416 and refused.json()["code"] == "range_not_satisfiable"


def test_a_weak_passphrase_is_refused_with_a_suggestion(unlocked_alice):
    for weak in ("12345678901234", "short", "aaaaaaaaaaaaaaaa"):
        response = unlocked_alice.client.post(EXPORTS_URL, {"passphrase": weak}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "weak_passphrase" and "passphrase" in body["fields"]
        assert len(body["suggestion"]) == 35
    assert not ExportJob.objects.exists()


def test_the_suggestion_is_accepted_and_never_the_same(unlocked_alice):
    first = unlocked_alice.client.get(f"{EXPORTS_URL}passphrase-suggestion/").json()["passphrase"]
    second = unlocked_alice.client.get(f"{EXPORTS_URL}passphrase-suggestion/").json()["passphrase"]
    assert first != second
    assert unlocked_alice.client.post(EXPORTS_URL, {"passphrase": first}, format="json").status_code == 202


def test_a_locked_vault_cannot_export(alice):
    alice.setup_vault()
    response = alice.client.post(EXPORTS_URL, {"passphrase": PASSPHRASE}, format="json")
    assert response.status_code == 423


def test_one_export_runs_at_a_time(unlocked_alice):
    start_export(unlocked_alice)
    response = unlocked_alice.client.post(EXPORTS_URL, {"passphrase": PASSPHRASE}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "export_running"


def test_a_running_export_cannot_be_downloaded_yet(unlocked_alice):
    job_id = start_export(unlocked_alice)
    response = unlocked_alice.client.get(f"{EXPORTS_URL}{job_id}/download")
    assert response.status_code == 409 and response.json()["code"] == "export_not_ready"


def test_the_job_keeps_neither_passphrase_nor_plain_keys(unlocked_alice):
    job = ExportJob.objects.get(pk=start_export(unlocked_alice))
    stored = bytes(job.age_header) + bytes(job.sealed_material)
    assert PASSPHRASE.encode() not in stored
    assert bytes(job.age_header).startswith(b"age-encryption.org/v1\n-> scrypt ")


def test_creating_and_downloading_are_audited_and_mailed(unlocked_alice, done_export,
                                                        django_capture_on_commit_callbacks):
    actions = list(AuditEvent.objects.filter(target_id=done_export).order_by("id").values_list("action", flat=True))
    assert actions == ["export.start", "export.finish"]
    mail.outbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            _whole(unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download"))
    assert AuditEvent.objects.filter(action="export.download", target_id=done_export).count() == 2
    assert [m.subject for m in mail.outbox] == ["Your Coffer export was downloaded"]
    assert PASSPHRASE not in mail.outbox[0].body


def test_starting_is_mailed(unlocked_alice, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        start_export(unlocked_alice)
    for callback in callbacks:
        if callback.__module__ == "notify.mails":  # not the build's enqueueing: no worker here
            callback()
    assert [m.subject for m in mail.outbox] == ["An export of your Coffer vault was started"]


def test_it_expires_and_its_object_is_deleted(unlocked_alice, done_export, django_capture_on_commit_callbacks):
    job = ExportJob.objects.get(pk=done_export)
    assert get_store().exists(job.blob_key)
    gc_blobs(grace=timedelta(0), retain=timedelta(0))
    assert get_store().exists(job.blob_key), "the blob GC must leave a live export alone"
    assert export_expire(now=timezone.now() + timedelta(hours=23)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert export_expire(now=timezone.now() + timedelta(hours=25)) == 1
    assert not get_store().exists(job.blob_key)
    response = unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download")
    assert response.status_code == 410 and response.json()["code"] == "export_expired"
    assert unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/").json()["state"] == "expired"


def test_a_wrong_passphrase_opens_nothing(unlocked_alice, done_export):
    whole = _whole(unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download"))
    with pytest.raises(AgeError) as refused:
        b"".join(age_decrypt_stream("not the passphrase at all", [whole]))
    assert str(refused.value) == AgeError.MESSAGE


@pytest.mark.parametrize("cut", [1, 17, 5000])
def test_a_truncated_export_opens_to_the_one_error(unlocked_alice, done_export, cut):
    whole = _whole(unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download"))
    with pytest.raises(AgeError) as refused:
        b"".join(age_decrypt_stream(PASSPHRASE, [whole[:-cut]]))
    assert str(refused.value) == AgeError.MESSAGE


def test_a_tampered_export_opens_to_the_one_error(unlocked_alice, done_export):
    whole = _whole(unlocked_alice.client.get(f"{EXPORTS_URL}{done_export}/download"))
    header_end = whole.index(b"\n---") + 1
    for position in (30, header_end + 5, header_end + 20, len(whole) // 2, len(whole) - 1):
        tampered = bytearray(whole)
        tampered[position] ^= 0x80
        with pytest.raises(AgeError) as refused:
            b"".join(age_decrypt_stream(PASSPHRASE, [bytes(tampered)]))
        assert str(refused.value) == AgeError.MESSAGE


def test_a_damaged_record_fails_the_export_and_erases_its_keys(unlocked_alice):
    from records.models import Record

    add_record(unlocked_alice, "note", "A note", Filled())
    record = Record.objects.get()
    sealed = bytearray(record.ciphertext)
    sealed[-1] ^= 1
    Record.objects.filter(pk=record.pk).update(ciphertext=bytes(sealed))
    job_id = start_export(unlocked_alice)
    export_build(job_id=job_id)
    job = ExportJob.objects.get(pk=job_id)
    assert (job.state, bytes(job.sealed_material), job.blob_key) == ("failed", b"", "")
    assert "integrity" in job.error
    assert unlocked_alice.client.get(f"{EXPORTS_URL}{job_id}/").json()["error"] == job.error


def test_starting_is_rate_limited_like_an_unlock(unlocked_alice, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"unlock": "2/min"})
    answers = [unlocked_alice.client.post(EXPORTS_URL, {"passphrase": "weak"}, format="json").status_code
               for _ in range(3)]
    # The unlock that opened this session counted against the same per-user budget.
    assert answers[0] == 400 and answers[2] == 429, answers
    assert unlocked_alice.client.get(EXPORTS_URL).status_code == 200  # listing is not limited
