"""Kill a real Celery worker at random moments during a rotation; nothing may be lost."""

import random

import pytest

from records.models import Record
from tests.fixtures.celery_worker import wait_for
from vault.models import RotationItem, RotationJob, VaultKey

pytestmark = pytest.mark.slow

# Batches of three, so that ten kills land inside the job (the default, 500, moves them all
# in one transaction); test_batches.py kills a worker inside a full batch. Each round lets
# 1-4 items finish, then kills within 10 ms, while batches may commit meanwhile: 60 records
# were too few for ten rounds once batches made a rewrap fast (the job ended after nine).
SMALL_BATCHES = {"COFFER_ROTATION_BATCH_SIZE": "3"}
RECORDS = 200


def _fill(person, count):
    payloads = {}
    for n in range(count):
        data = {"title": f"note {n}", "text": f"payload {n} " + "x" * random.randint(0, 300)}
        response = person.client.post("/api/v1/records/", {"kind": "note", "label": f"label {n}", "data": data}, format="json")
        assert response.status_code == 201
        payloads[response.json()["id"]] = ("label " + str(n), data)
    return payloads


def _done(job_id) -> int:
    return RotationItem.objects.filter(job_id=job_id, state="done").count()


@pytest.mark.parametrize("kind", ["reencrypt", "rewrap"])
def test_killing_the_worker_ten_times_loses_no_record(celery_worker_process, alice, kind):
    worker = celery_worker_process
    alice.setup_vault().unlock()
    payloads = _fill(alice, RECORDS)
    response = alice.client.post("/api/v1/vault/rotations/", {"kind": kind}, format="json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    rng = random.Random(4242)
    kills_with_progress_pending = 0
    for _ in range(10):
        # Kill after a random few items, at a random instant inside the next batch.
        target = _done(job_id) + rng.randint(1, 4)
        worker.start(**SMALL_BATCHES)
        wait_for(lambda: _done(job_id) >= target or RotationJob.objects.get(pk=job_id).state != "running",
                 timeout=60, interval=0.005, message="the worker to make progress")
        worker.kill_after(rng.uniform(0, 0.01))
        if RotationJob.objects.get(pk=job_id).state == "running":
            kills_with_progress_pending += 1
    assert kills_with_progress_pending == 10, "the kills should land while the job runs"
    worker.start(**SMALL_BATCHES)
    wait_for(lambda: RotationJob.objects.get(pk=job_id).state != "running", timeout=120, message="the job to finish")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", (job.errors, worker.log()[-2000:])
    assert job.items_done == job.items_total == RECORDS
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]
    from consistency.services import consistency_check

    report = consistency_check()
    assert report.clean, report.as_dict()
    assert set(Record.objects.values_list("vault_key_version", flat=True)) == {2}
    for record_id, (label, data) in payloads.items():
        body = alice.client.get(f"/api/v1/records/{record_id}/?reveal=true").json()
        assert (body["label"], body["data"]) == (label, data)
