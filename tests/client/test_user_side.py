"""The user face of coffer-client against a live Coffer: every call, end to end."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.records.samples import valid

from .conftest import PASSWORD, PIN, make_user, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def coffer(live_coffer):
    from coffer_client import Coffer

    with Coffer(live_coffer.url, token_for(make_user("alice"))) as client:
        yield client


@pytest.fixture
def unlocked(coffer):
    coffer.setup(PIN)
    coffer.unlock(PIN)
    return coffer


def test_sign_in_setup_unlock_and_lock_keeping_the_unlock_secret_in_memory_only(live_coffer):
    from coffer_client import Coffer, Forbidden, Unauthorized, VaultLocked, WrongPin, token_create

    make_user("ada", password=PASSWORD)
    with pytest.raises(Unauthorized) as refused:
        token_create(live_coffer.url, username="ada", password="not the password")
    assert refused.value.status == 401 and refused.value.code == "invalid_credentials"
    issued = token_create(live_coffer.url, username="ada", password=PASSWORD, name="laptop",
                          scopes=["vault:manage", "records:read"])
    assert sorted(issued["scopes"]) == ["records:read", "vault:manage"] and issued["name"] == "laptop"
    coffer = Coffer(live_coffer.url, issued["token"])
    with pytest.raises(Forbidden) as scoped:
        coffer.files()
    assert scoped.value.code == "insufficient_scope"
    assert coffer.vault()["state"] == "unset"
    code = coffer.setup(PIN)
    assert len(code.replace("-", "")) >= 20
    assert coffer.vault()["state"] == "locked"
    with pytest.raises(VaultLocked) as locked:
        coffer.records()
    assert locked.value.code == "vault_locked" and locked.value.status == 423

    session = coffer.unlock(PIN)
    assert coffer.unlock_secret and session.expires_at
    assert coffer.vault()["state"] == "unlocked"
    coffer.change_pin(PIN, "739164")
    with pytest.raises(WrongPin):
        coffer.unlock(PIN)
    coffer.unlock("739164")
    secret = coffer.unlock_secret
    coffer.lock()
    assert coffer.unlock_secret is None
    coffer.unlock_secret = secret  # the old secret opens nothing after lock
    with pytest.raises(VaultLocked):
        coffer.records()
    coffer.close()


def test_a_wrong_pin_is_never_resent_and_the_backoff_wait_is_sat_out(coffer):
    from coffer_client import WrongPin

    coffer.setup(PIN)
    for attempt in range(1, 6):
        with pytest.raises(WrongPin) as wrong:
            coffer.unlock("000000")
        assert wrong.value.attempts_remaining == 10 - attempt  # one attempt counted per call, no resends
    assert wrong.value.status == 429 and wrong.value.retry_after is not None

    # The server refuses the right PIN with 429 pin_backoff and Retry-After; the client waits and retries.
    started = time.monotonic()
    coffer.unlock(PIN)
    assert time.monotonic() - started >= 1
    assert coffer.vault()["state"] == "unlocked"


def test_records_are_created_listed_read_updated_with_if_match_and_deleted(unlocked):
    from coffer_client import InvalidRequest, NotFound, PreconditionFailed

    with pytest.raises(InvalidRequest) as refused:
        unlocked.create_record("bank_card", {**valid("bank_card"), "number": "4242424242424241"})
    assert refused.value.code == "invalid" and "number" in refused.value.fields["data"]

    card = unlocked.create_record("bank_card", valid("bank_card"), label="Everyday Visa")
    passport = unlocked.create_record("passport", valid("passport"), label="My passport")
    assert card.etag and card.data["number"].endswith("4242") and card.data["number"] != valid("bank_card")["number"]
    assert {r.id for r in unlocked.records()} == {card.id, passport.id}
    assert [r.id for r in unlocked.records(kind="passport")] == [passport.id]
    assert unlocked.record(card.id, reveal=True).data["number"] == valid("bank_card")["number"].replace(" ", "")

    renamed = unlocked.update_record(card, label="Old Visa", data={"holder": "Alice Q. Example"})
    assert renamed.label == "Old Visa" and renamed.revision == card.revision + 1 and renamed.etag != card.etag
    with pytest.raises(PreconditionFailed) as stale:
        unlocked.update_record(card, label="lost update")  # card's etag is the old one
    assert stale.value.code == "precondition_failed"
    assert unlocked.record(card.id).label == "Old Visa"

    with pytest.raises(PreconditionFailed):
        unlocked.delete_record(card)
    unlocked.delete_record(renamed)
    with pytest.raises(NotFound):
        unlocked.record(card.id)


def test_files_go_up_and_down_as_streams_with_ranges_resume_and_progress(unlocked, tmp_path):
    from coffer_client import NotFound

    content = b"%PDF-1.7\n" + os.urandom(3 * 1024 * 1024 + 123)
    source = tmp_path / "Reisepass Zoë.pdf"
    source.write_bytes(content)
    card = unlocked.create_record("bank_card", valid("bank_card"))
    seen: list[tuple[int, int]] = []
    info = unlocked.upload(source, record=card.id, progress=lambda done, total: seen.append((done, total)))
    assert info.filename == "Reisepass Zoë.pdf" and info.size == len(content)
    assert info.content_type == "application/pdf" and info.record == card.id
    assert seen[0] == (0, len(content)) and seen[-1] == (len(content), len(content))
    assert [f.id for f in unlocked.files(record=card.id)] == [info.id]

    assert b"".join(unlocked.read(info.id, start=100_000, end=199_999)) == content[100_000:200_000]

    # An interrupted earlier download: the .part holds the first bytes; the rest comes by Range.
    destination = tmp_path / "out.pdf"
    (tmp_path / "out.pdf.part").write_bytes(content[:1_000_000])
    progress: list[tuple[int, int]] = []
    unlocked.download(info.id, destination, progress=lambda done, total: progress.append((done, total)))
    assert hashlib.sha256(destination.read_bytes()).digest() == hashlib.sha256(content).digest()
    assert progress[0] == (1_000_000, len(content)) and progress[-1] == (len(content), len(content))
    assert not (tmp_path / "out.pdf.part").exists()

    unlocked.delete_file(info.id)
    with pytest.raises(NotFound):
        unlocked.file(info.id)


def test_a_stored_chunk_damaged_in_the_bucket_fails_the_download_as_an_integrity_failure(unlocked, live_coffer, tmp_path):
    from coffer_client import IntegrityFailure

    from files.models import File

    content = b"%PDF-1.7\n" + os.urandom(1024 * 1024)
    source = tmp_path / "scan.pdf"
    source.write_bytes(content)
    info = unlocked.upload(source)
    [stored] = live_coffer.bucket_dir.rglob(File.objects.get(id=info.id).blob_key)
    damaged = bytearray(stored.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # a byte in a middle chunk
    stored.write_bytes(bytes(damaged))

    # The server cuts the stream at the damaged chunk; the client resumes with Range from
    # there, and the server refuses that chunk before sending a byte: 409 integrity_error.
    with pytest.raises(IntegrityFailure) as failed:
        unlocked.download(info.id, tmp_path / "copy.pdf")
    assert failed.value.code == "integrity_error" and failed.value.status == 409
    assert not (tmp_path / "copy.pdf").exists()
    assert (tmp_path / "copy.pdf.part").read_bytes() == content[: (tmp_path / "copy.pdf.part").stat().st_size]


def test_a_rotation_is_started_and_followed_to_the_end(unlocked, tmp_path):
    from coffer_client import Conflict

    unlocked.create_record("note", valid("note"))
    source = tmp_path / "scan.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200_000))
    unlocked.upload(source)
    key_version = unlocked.vault()["key_version"]

    job = unlocked.start_rotation("reencrypt")
    assert job.state == "running" and job.items_total == 2
    states = []
    done = unlocked.follow_rotation(job.id, on_progress=states.append, interval=0.3, timeout=60)
    assert done.state == "done" and done.items_done == 2 and states[-1] == done
    assert [j.id for j in unlocked.rotations()] == [job.id]
    with pytest.raises(Conflict) as finished:
        unlocked.resume_rotation(job.id)
    assert finished.value.code == "rotation_not_resumable"
    assert unlocked.vault()["key_version"] == key_version + 1
    assert b"".join(unlocked.read(unlocked.files()[0].id, start=0, end=7)) == b"\x89PNG\r\n\x1a\n"


def test_grants_attestations_and_key_handles_from_the_user_side(unlocked, live_coffer):
    from coffer_client import AppClient, AppKeys, NotFound, VaultLocked, verify_attestation_offline

    from sharing.models import App
    from sharing.services import app_approve

    with AppClient(live_coffer.url, AppKeys.generate()) as app:
        app.register(name="Checker", callback_url="https://checker.example/cb")
        app_approve(app=App.objects.get(id=app.keys.app_id), actor=None)
        card = unlocked.create_record("bank_card", valid("bank_card"), label="Visa")
        grant = unlocked.create_grant(app.keys.app_id, [{"record_id": card.id, "fields": ["holder"]}],
                                      expires_at=timezone.now() + timedelta(days=1))
        assert grant.state == "live"
        assert grant.items == [{"record_id": card.id, "fields": ["holder"], "label_shared": False, "scans": []}]
        assert [g.id for g in unlocked.grants()] == [grant.id]
        assert [g.records[0].fields for g in app.grants()] == [{"holder": valid("bank_card")["holder"]}]

        signed = unlocked.attest("consent:checker.example/terms-v1", {"agreed": True})
        handle = unlocked.publish_key_handle()
        verified = app.verify_attestation(signed, handle=handle)
        assert verified.purpose == "consent:checker.example/terms-v1" and verified.payload == {"agreed": True}
        assert verify_attestation_offline(signed, public_key=signed["public_key"]).user_id == verified.user_id

        unlocked.lock()
        unlocked.revoke_grant(grant.id)  # no unlocked vault needed to cut an app off
        assert [g.state for g in unlocked.grants()] == ["revoked"]
        assert app.grants() == []
        with pytest.raises(VaultLocked):
            unlocked.attest("location-fix", {"lat_e7": 1})
        with pytest.raises(NotFound):
            unlocked.revoke_grant("00000000-0000-4000-8000-000000000000")


def test_another_users_ids_are_not_found(unlocked, live_coffer):
    from coffer_client import Coffer, NotFound

    card = unlocked.create_record("bank_card", valid("bank_card"))
    with Coffer(live_coffer.url, token_for(make_user("charlie"))) as charlie:
        charlie.setup(PIN)
        charlie.unlock(PIN)
        with pytest.raises(NotFound):
            charlie.record(card.id)
        with pytest.raises(NotFound):
            charlie.delete_record(card.id)
    assert unlocked.record(card.id).id == card.id
