"""Transient faults are retried with backoff, permanent ones are reported, and a failed
job resumes (issue 13, defect 4): a real worker, a real S3 server taken away."""

import hashlib
import random
import time
from datetime import timedelta

import pytest

from files.models import File
from storage.factory import get_store
from tests.fixtures.celery_worker import wait_for
from vault.models import RotationItem, RotationJob, VaultKey
from vault.rotation.gc import gc_blobs

pytestmark = pytest.mark.slow

OUTAGE_SECONDS = 30


@pytest.fixture
def s3(restartable_s3):
    return restartable_s3


def _fill(person, files=6):
    rng = random.Random(13)
    digests = {}
    for n in range(files):
        body = b"%PDF-1.7\n" + rng.randbytes(rng.choice([1000, 70_000, 300_000]))
        response = person.client.post("/api/v1/files/", data=body, content_type="application/pdf", HTTP_X_FILENAME=f"{n}.pdf")
        assert response.status_code == 201, response.content
        digests[response.json()["id"]] = hashlib.sha256(body).hexdigest()
    for n in range(3):
        response = person.client.post("/api/v1/records/", {"kind": "note", "label": f"l{n}", "data": {"title": "t", "text": "x"}}, format="json")
        assert response.status_code == 201
    return digests


def _state(job_id) -> str:
    return RotationJob.objects.get(pk=job_id).state


def _reads_back(person, digests) -> None:
    for file_id, digest in digests.items():
        response = person.client.get(f"/api/v1/files/{file_id}/content")
        assert response.status_code == 200, response.content
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == digest


def _nothing_orphaned_nothing_missing() -> None:
    from consistency.services import consistency_check

    report = consistency_check()
    assert report.clean, report.as_dict()
    gc_blobs(grace=timedelta(0))
    stored = {blob.key for blob in get_store().list_blobs()}
    assert stored == set(File.objects.values_list("blob_key", flat=True))


def test_a_thirty_second_storage_outage_during_reencrypt_ends_with_the_job_done(celery_worker_process, s3, alice):
    alice.setup_vault().unlock()
    digests = _fill(alice)
    s3.stop()
    job_id = alice.client.post("/api/v1/vault/rotations/", {"kind": "reencrypt"}, format="json").json()["id"]
    celery_worker_process.start()
    outage_began = time.monotonic()
    wait_for(lambda: RotationItem.objects.filter(job_id=job_id, item_kind="file", attempts__gte=2).exists(),
             timeout=60, message="file items to fail and back off")
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_began)))  # the outage itself, not a sync point
    assert _state(job_id) == "running", "the job gave up during a 30-second outage"
    s3.start()
    wait_for(lambda: _state(job_id) != "running", timeout=180, message="the job to end")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", (job.errors, celery_worker_process.log()[-2000:])
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]
    alice.unlock()
    _reads_back(alice, digests)
    _nothing_orphaned_nothing_missing()


def test_a_job_that_failed_resumes_from_the_api_and_leaves_nothing_behind(celery_worker_process, s3, alice):
    alice.setup_vault().unlock()
    digests = _fill(alice)
    # Some files get part-way (a new object written) before storage goes away for good.
    job_id = alice.client.post("/api/v1/vault/rotations/", {"kind": "reencrypt"}, format="json").json()["id"]
    s3.stop()
    celery_worker_process.start(COFFER_ROTATION_MAX_ATTEMPTS="2", COFFER_ROTATION_RETRY_BASE_SECONDS="0.1",
                                COFFER_ROTATION_RETRY_MAX_SECONDS="0.2")
    wait_for(lambda: _state(job_id) != "running", timeout=120, message="the job to give up")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "failed" and job.resumable and job.errors
    assert sorted(VaultKey.objects.values_list("version", flat=True)) == [1, 2]  # nothing destroyed
    s3.start()
    alice.unlock()
    _reads_back(alice, digests)  # a failed job leaves every file readable
    response = alice.client.post(f"/api/v1/vault/rotations/{job_id}/resume", format="json")
    assert response.status_code == 202, response.content
    wait_for(lambda: _state(job_id) != "running", timeout=120, message="the resumed job to end")
    assert _state(job_id) == "done", celery_worker_process.log()[-2000:]
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]
    alice.unlock()
    _reads_back(alice, digests)
    _nothing_orphaned_nothing_missing()
    again = alice.client.post(f"/api/v1/vault/rotations/{job_id}/resume", format="json")
    assert again.status_code == 409 and again.json()["code"] == "rotation_not_resumable"
