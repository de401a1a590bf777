"""A `reencrypt` step moves several files at once (COFFER_ROTATION_FILE_CONCURRENCY threads,
each claiming its own items under its own lease): one file's copy held at its seam does not
hold up another file's verification and swap, and a worker SIGKILLed with several files
mid-copy leaves each leased in a persisted state, from which a new worker finishes them."""

import hashlib

import psycopg
import pytest
from django.test import override_settings

from coffer.seams import seam_key
from files.models import File
from files.rotation import FileRotationHandler
from storage.factory import get_store
from tests.fixtures.celery_worker import wait_for
from tests.races.support import Held, _dsn
from vault.models import RotationItem, RotationJob, VaultKey
from vault.rotation.gc import gc_blobs
from vault.rotation.services import job_keys, rotation_step

pytestmark = pytest.mark.usefixtures("transactional_db")  # the step's threads read what the test wrote

URL = "/api/v1/vault/rotations/"
SEAM = "file.rotation.copy"


def _upload(person, count: int, size: int = 70_000) -> dict[str, str]:
    digests = {}
    for n in range(count):
        body = b"%PDF-1.7\n" + hashlib.sha256(str(n).encode()).digest() * (size // 32)
        response = person.client.post("/api/v1/files/", data=body, content_type="application/pdf",
                                      HTTP_X_FILENAME=f"scan {n}.pdf")
        assert response.status_code == 201, response.content
        digests[response.json()["id"]] = hashlib.sha256(body).hexdigest()
    return digests


def _every_file_opens(person, digests) -> None:
    for file_id, digest in digests.items():
        response = person.client.get(f"/api/v1/files/{file_id}/content")
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest
    assert set(File.objects.values_list("vault_key_version", flat=True)) == {2}
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]


def _seam_waiters(holder) -> int:
    return holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
                          [seam_key(SEAM) & 0xFFFFFFFF]).fetchone()[0]


@override_settings(COFFER_ROTATION_FILE_CONCURRENCY=2)
def test_one_files_copy_held_does_not_hold_up_another_files_verification(unlocked_alice):
    digests = _upload(unlocked_alice, 2)
    job_id = unlocked_alice.client.post(URL, {"kind": "reencrypt"}, format="json").json()["id"]
    job = RotationJob.objects.get(pk=job_id)
    first, second = RotationItem.objects.filter(job=job, item_kind="file").order_by("id")
    # The second file is copied already (a fault stopped it before its verification): it
    # waits at `written`, while the first, claimed first, has its copy still to make.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("files.rotation._staged_plaintext", _unreachable)
        with pytest.raises(ConnectionError):
            FileRotationHandler().process(job=job, item=second, keys=job_keys(job))
    assert RotationItem.objects.get(pk=second.pk).state == "written"
    RotationItem.objects.filter(pk=second.pk).update(lease_until=None)  # the lease its copy took has run out

    with Held(SEAM, run=lambda: rotation_step(job_id=job_id, budget_seconds=60)) as held:
        # One thread holds the first file at its copy; the other verifies and swaps the
        # second meanwhile, in the same step. One thread at a time would wait here forever.
        wait_for(lambda: RotationItem.objects.get(pk=second.pk).state == "done", timeout=30,
                 interval=0.02, message="the second file to be done while the first is held")
        held_item = RotationItem.objects.get(pk=first.pk)
        assert held_item.state == "pending" and held_item.new_blob_key and held_item.lease_until is not None
        assert not get_store().exists(held_item.new_blob_key)  # its copy not begun
        held.release()
    while not rotation_step(job_id=job_id, budget_seconds=5).finished:
        pass
    assert RotationJob.objects.get(pk=job_id).state == "done"
    _every_file_opens(unlocked_alice.unlock(), digests)


def _unreachable(*args, **kwargs):
    raise ConnectionError("the store went away")


@pytest.mark.slow
def test_a_worker_killed_with_three_files_mid_copy_finishes_them_all_after_a_restart(
        celery_worker_process, s3_settings, alice):
    worker = celery_worker_process
    alice.setup_vault().unlock()
    digests = _upload(alice, 5, size=1_500_000)
    old_blobs = set(File.objects.values_list("blob_key", flat=True))
    job_id = alice.client.post(URL, {"kind": "reencrypt"}, format="json").json()["id"]
    with psycopg.connect(_dsn(), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [seam_key(SEAM)])
        worker.start(COFFER_TEST_SEAMS=SEAM, COFFER_ROTATION_FILE_CONCURRENCY="3")
        wait_for(lambda: _seam_waiters(holder) == 3, timeout=60, interval=0.02,
                 message="three threads of the worker to hold a file each at its copy")
        worker.kill()
        holder.execute("SELECT pg_advisory_unlock(%s)", [seam_key(SEAM)])
    # Three items leased, each with its own new object and DEK staged and persisted; the rest untouched.
    started = RotationItem.objects.filter(job_id=job_id, state="pending", lease_until__isnull=False)
    assert started.count() == 3
    assert len({item.new_blob_key for item in started}) == 3 and all(item.staged_wrapped_dek for item in started)
    assert not RotationItem.objects.filter(job_id=job_id).exclude(state="pending").exists()
    assert set(File.objects.values_list("blob_key", flat=True)) == old_blobs
    _every_file_opens_under_either_version(alice.unlock(), digests)

    worker.start()  # no seam: its leases run out and a fresh worker carries every file on
    wait_for(lambda: RotationJob.objects.get(pk=job_id).state != "running", timeout=120, message="the job to end")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", (job.errors, worker.log()[-3000:])
    assert job.items_done == job.items_total == 5
    assert not set(File.objects.values_list("blob_key", flat=True)) & old_blobs
    _every_file_opens(alice.unlock(), digests)
    from datetime import timedelta

    gc_blobs(grace=timedelta(0))
    assert {blob.key for blob in get_store().list_blobs()} == set(File.objects.values_list("blob_key", flat=True))


def _every_file_opens_under_either_version(person, digests) -> None:
    for file_id, digest in digests.items():
        response = person.client.get(f"/api/v1/files/{file_id}/content")
        assert response.status_code == 200
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest
