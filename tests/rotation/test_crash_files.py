"""Re-encryption and rewrap of records and files on the S3 test server, with a real
Celery worker killed at random moments and at the exact states that matter."""

import hashlib
import random

import pytest

from files.models import File
from records.models import Record
from storage.factory import get_store
from tests.fixtures.celery_worker import wait_for
from tests.support.dumps import postgres_dump
from vault.models import RotationItem, RotationJob, VaultKey
from vault.rotation.gc import gc_blobs

pytestmark = pytest.mark.slow

# Batches of three, so that ten kills land inside the job's records too (the default, 500,
# moves them all in one transaction); test_batches.py kills a worker inside a full batch.
SMALL_BATCHES = {"COFFER_ROTATION_BATCH_SIZE": "3"}


def _pdf(rng: random.Random, size: int) -> bytes:
    return b"%PDF-1.7\n" + rng.randbytes(size)


def _fill(person, rng, records=50, files=20):
    notes = {}
    for n in range(records):
        data = {"title": f"note {n}", "text": f"secret {n} " + "y" * rng.randint(0, 200)}
        response = person.client.post("/api/v1/records/", {"kind": "note", "label": f"label {n}", "data": data}, format="json")
        assert response.status_code == 201, response.content
        notes[response.json()["id"]] = (f"label {n}", data)
    digests = {}
    for n in range(files):
        body = _pdf(rng, rng.choice([0, 1, 65535, 65536, 200_000, 1_500_000]))
        response = person.client.post("/api/v1/files/", data=body, content_type="application/pdf", HTTP_X_FILENAME=f"scan {n}.pdf")
        assert response.status_code == 201, response.content
        digests[response.json()["id"]] = hashlib.sha256(body).hexdigest()
    return notes, digests


def _check_everything(person, notes, digests, target_version=2):
    from consistency.services import consistency_check

    report = consistency_check()
    assert report.clean, report.as_dict()
    assert list(VaultKey.objects.values_list("version", flat=True)) == [target_version]
    assert set(Record.objects.values_list("vault_key_version", flat=True)) == {target_version}
    assert set(File.objects.values_list("vault_key_version", flat=True)) == {target_version}
    for record_id, (label, data) in notes.items():
        body = person.client.get(f"/api/v1/records/{record_id}/?reveal=true").json()
        assert (body["label"], body["data"]) == (label, data)
    for file_id, digest in digests.items():
        response = person.client.get(f"/api/v1/files/{file_id}/content")
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest


def _no_orphans_after_gc():
    from datetime import timedelta

    gc_blobs(grace=timedelta(0))
    stored = {blob.key for blob in get_store().list_blobs()}
    assert stored == set(File.objects.values_list("blob_key", flat=True))


def _done(job_id) -> int:
    return RotationItem.objects.filter(job_id=job_id, state="done").count()


def _running(job_id) -> bool:
    return RotationJob.objects.get(pk=job_id).state == "running"


@pytest.mark.parametrize("kind", ["reencrypt", "rewrap"])
def test_killing_the_worker_ten_times_loses_no_record_and_no_file(celery_worker_process, s3_settings, alice, kind):
    worker, rng = celery_worker_process, random.Random(hash(kind) & 0xFFFF)
    alice.setup_vault().unlock()
    notes, digests = _fill(alice, rng)
    old_blobs = set(File.objects.values_list("blob_key", flat=True))
    old_wraps = [bytes(w) for row in VaultKey.objects.values_list("wrapped_by_kek", "wrapped_by_recovery") for w in row]
    old_deks = [bytes(w) for w in File.objects.values_list("wrapped_dek", flat=True)]
    old_deks += [bytes(w) for w in Record.objects.values_list("wrapped_dek", flat=True)]
    assert all(w.hex().encode() in postgres_dump() for w in old_wraps[:1] + old_deks[:1])  # the check can see them
    job_id = alice.client.post("/api/v1/vault/rotations/", {"kind": kind}, format="json").json()["id"]
    kills_mid_job = 0
    for _ in range(10):
        target = _done(job_id) + rng.randint(1, 4)
        worker.start(**SMALL_BATCHES)
        wait_for(lambda: _done(job_id) >= target or not _running(job_id), timeout=60, interval=0.005,
                 message="the worker to make progress")
        # A rewrap item takes milliseconds, and a reencrypt step moves three files at once
        # (COFFER_ROTATION_FILE_CONCURRENCY): a short delay keeps all ten kills inside the job.
        worker.kill_after(rng.uniform(0, 0.01 if kind == "reencrypt" else 0.005))
        kills_mid_job += _running(job_id)
    assert kills_mid_job == 10, "every kill should land while the job runs"
    worker.start(**SMALL_BATCHES)
    wait_for(lambda: not _running(job_id), timeout=180, message="the job to finish")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", (job.errors, worker.log()[-3000:])
    assert job.items_done == job.items_total == 70
    _check_everything(alice, notes, digests)
    new_blobs = set(File.objects.values_list("blob_key", flat=True))
    assert (new_blobs & old_blobs) == (set() if kind == "reencrypt" else old_blobs)
    _no_orphans_after_gc()
    # A dump of the database shows only the new key version: no old vault key wrap,
    # no DEK wrapped under the old version, no job key material left.
    dump = postgres_dump()
    for wrapped in old_wraps + old_deks:
        assert wrapped.hex().encode() not in dump
    assert bytes(RotationJob.objects.get(pk=job_id).sealed_keys) == b""


@pytest.mark.parametrize("pause_after", ["written", "swapped"])
def test_a_kill_between_the_states_that_matter_loses_nothing(celery_worker_process, s3_settings, alice, pause_after):
    """written→swapped: the new object exists but the row still points at the old one.
    swapped→deleted: the row points at the new object and the old one is not yet deleted."""
    worker, rng = celery_worker_process, random.Random(7)
    alice.setup_vault().unlock()
    notes, digests = _fill(alice, rng, records=3, files=4)
    job_id = alice.client.post("/api/v1/vault/rotations/", {"kind": "reencrypt"}, format="json").json()["id"]
    worker.start(COFFER_ROTATION_TEST_PAUSE_AFTER=f"file:{pause_after}")
    wait_for(lambda: RotationItem.objects.filter(job_id=job_id, item_kind="file", state=pause_after).exists(),
             timeout=60, message=f"a file to reach {pause_after}")
    worker.kill()
    # Others may have reached it too (a step moves several files at once): any one will do.
    item = RotationItem.objects.filter(job_id=job_id, item_kind="file", state=pause_after).order_by("id").first()
    file = File.objects.get(pk=item.item_id)
    store = get_store()
    assert store.exists(item.new_blob_key) and store.exists(item.old_blob_key)
    assert file.blob_key == (item.old_blob_key if pause_after == "written" else item.new_blob_key)
    # Even mid-rotation, the file reads back whole.
    response = alice.client.get(f"/api/v1/files/{file.pk}/content")
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digests[str(file.pk)]
    worker.start()
    wait_for(lambda: not _running(job_id), timeout=120, message="the job to finish")
    assert RotationJob.objects.get(pk=job_id).state == "done", worker.log()[-3000:]
    assert store.exists(item.old_blob_key)  # the job never deletes it: the blob GC does
    _check_everything(alice, notes, digests)
    _no_orphans_after_gc()
    assert not store.exists(item.old_blob_key)


@pytest.mark.parametrize("kind", ["reencrypt", "rewrap"])
def test_a_file_deleted_after_its_swap_and_before_its_item_is_done_does_not_fail_the_job(
        celery_worker_process, s3_settings, alice, kind):
    """Found by the soak: a worker killed right after `swapped`, the file deleted before it
    resumed; the resumed item found no file (AttributeError, six times) and failed the job."""
    worker, rng = celery_worker_process, random.Random(11)
    alice.setup_vault().unlock()
    notes, digests = _fill(alice, rng, records=2, files=3)
    job_id = alice.client.post("/api/v1/vault/rotations/", {"kind": kind}, format="json").json()["id"]
    # One item at a time: a batched rewrap moves a file straight to done, never through `swapped`
    # (a job begun before batches, or a batch fallen back to one at a time, still goes that way).
    worker.start(COFFER_ROTATION_TEST_PAUSE_AFTER="file:swapped", COFFER_ROTATION_BATCH_SIZE="1")
    wait_for(lambda: RotationItem.objects.filter(job_id=job_id, item_kind="file", state="swapped").exists(),
             timeout=60, message="a file to reach swapped")
    worker.kill()
    item = RotationItem.objects.filter(job_id=job_id, item_kind="file", state="swapped").order_by("id").first()
    assert alice.client.delete(f"/api/v1/files/{item.item_id}/").status_code == 204
    digests.pop(item.item_id)
    worker.start()
    wait_for(lambda: not _running(job_id), timeout=120, message="the job to finish")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", (job.errors, worker.log()[-3000:])
    _check_everything(alice, notes, digests)
    _no_orphans_after_gc()
