"""Rotation in batches: hundreds of items per transaction, and a batch cut short
(a real worker SIGKILLed inside it, or right after it commits) leaves every record
either under its old version or under the new one, opening either way; the job then
finishes on resume."""

import pytest

from coffer.seams import seam_key
from records.models import Record
from reminders.models import Reminder
from reminders.services import reminder_setting_update
from tests.fixtures.celery_worker import wait_for
from tests.records.samples import valid
from tests.races.support import _dsn
from vault.models import RotationItem, RotationJob, VaultKey
from vault.rotation.services import rotation_step

pytestmark = pytest.mark.slow

URL = "/api/v1/vault/rotations/"
BATCH = 40
SEAM = "rotation.batch.commit"


def _fill(person, notes=90, passports=4):
    """Notes, and passports with reminder rows that must move with their records."""
    reminder_setting_update(user=person.user, enabled=True)
    expected = {}
    for n in range(notes + passports):
        kind, data = ("passport", valid("passport")) if n < passports else ("note", {"title": f"t{n}", "text": f"secret {n}"})
        response = person.client.post("/api/v1/records/", {"kind": kind, "label": f"label {n}", "data": data}, format="json")
        assert response.status_code == 201, response.content
        record_id = response.json()["id"]
        body = person.client.get(f"/api/v1/records/{record_id}/?reveal=true").json()
        expected[record_id] = (body["label"], body["data"])
    assert Reminder.objects.filter(owner=person.user).exists()
    return expected


def _every_record_opens(person, expected) -> None:
    for record_id, (label, data) in expected.items():
        response = person.client.get(f"/api/v1/records/{record_id}/?reveal=true")
        assert response.status_code == 200, response.content
        assert (response.json()["label"], response.json()["data"]) == (label, data)


def _done_items_are_the_moved_records(job_id) -> int:
    """No record moved without its item done, and no item done without its record moved."""
    done = set(RotationItem.objects.filter(job_id=job_id, state="done").values_list("item_id", flat=True))
    moved = {str(pk) for pk in Record.objects.filter(vault_key_version=2).values_list("pk", flat=True)}
    assert done == moved
    assert RotationJob.objects.get(pk=job_id).items_done == len(done)
    return len(done)


def _finishes(person, worker, job_id, expected) -> None:
    from consistency.services import consistency_check

    worker.start()  # no seam, no pause: a fresh worker re-drives the running job at start
    wait_for(lambda: RotationJob.objects.get(pk=job_id).state != "running", timeout=120, message="the job to end")
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "done", (job.errors, worker.log()[-3000:])
    assert job.items_done == job.items_total == len(expected)
    assert list(VaultKey.objects.values_list("version", flat=True)) == [2]
    assert set(Reminder.objects.values_list("key_version", flat=True)) == {2}
    report = consistency_check()
    assert report.clean, report.as_dict()
    person.unlock()
    _every_record_opens(person, expected)


def test_a_worker_killed_inside_a_batch_leaves_every_record_as_it_was(celery_worker_process, alice):
    worker = celery_worker_process
    alice.setup_vault().unlock()
    expected = _fill(alice)
    job_id = alice.client.post(URL, {"kind": "rewrap"}, format="json").json()["id"]
    import psycopg

    with psycopg.connect(_dsn(), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [seam_key(SEAM)])

        def held_at_the_seam() -> bool:
            return holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s "
                                  "AND NOT granted", [seam_key(SEAM) & 0xFFFFFFFF]).fetchone()[0] > 0

        worker.start(COFFER_TEST_SEAMS=SEAM, COFFER_ROTATION_BATCH_SIZE=str(BATCH))
        wait_for(held_at_the_seam, timeout=60, message="the worker to hold a batch, uncommitted")
        # Inside the batch: its rows re-wrapped in the worker's memory and transaction only.
        worker.kill()
        holder.execute("SELECT pg_advisory_unlock(%s)", [seam_key(SEAM)])
    assert _done_items_are_the_moved_records(job_id) == 0
    assert set(Record.objects.values_list("vault_key_version", flat=True)) == {1}
    assert sorted(VaultKey.objects.values_list("version", flat=True)) == [1, 2]
    alice.unlock()
    _every_record_opens(alice, expected)
    _finishes(alice, worker, job_id, expected)


def test_a_worker_killed_between_two_batches_leaves_one_moved_and_the_rest_as_they_were(celery_worker_process, alice):
    worker = celery_worker_process
    alice.setup_vault().unlock()
    expected = _fill(alice)
    job_id = alice.client.post(URL, {"kind": "rewrap"}, format="json").json()["id"]
    # The worker holds still right after its first batch commits; it is killed there.
    worker.start(COFFER_ROTATION_TEST_PAUSE_AFTER="record:done", COFFER_ROTATION_BATCH_SIZE=str(BATCH))
    wait_for(lambda: RotationJob.objects.get(pk=job_id).items_done > 0, timeout=60, message="a batch to commit")
    worker.kill()
    assert _done_items_are_the_moved_records(job_id) == BATCH  # one whole batch, in one transaction
    assert set(Record.objects.values_list("vault_key_version", flat=True)) == {1, 2}
    alice.unlock()
    _every_record_opens(alice, expected)  # the moved ones under v2, the rest under v1
    _finishes(alice, worker, job_id, expected)


@pytest.mark.parametrize("kind", ["rewrap", "reencrypt"])
def test_a_damaged_record_in_a_batch_fails_alone_and_the_others_move(unlocked_alice, kind):
    expected = _fill(unlocked_alice, notes=30, passports=2)
    damaged = next(iter(expected))
    column = "wrapped_dek" if kind == "rewrap" else "ciphertext"
    Record.objects.filter(pk=damaged).update(**{column: b"\x01" + bytes(80)})
    job_id = unlocked_alice.client.post(URL, {"kind": kind}, format="json").json()["id"]
    while not rotation_step(job_id=job_id, budget_seconds=5).finished:
        pass
    job = RotationJob.objects.get(pk=job_id)
    assert job.state == "failed" and [error["item_id"] for error in job.errors] == [damaged]
    assert job.items_done == len(expected) - 1
    assert set(Record.objects.exclude(pk=damaged).values_list("vault_key_version", flat=True)) == {2}
    assert sorted(VaultKey.objects.values_list("version", flat=True)) == [1, 2]  # nothing destroyed
    expected.pop(damaged)
    _every_record_opens(unlocked_alice, expected)


def test_a_batch_moves_hundreds_of_records_in_one_transaction(unlocked_alice, django_assert_max_num_queries):
    expected = _fill(unlocked_alice, notes=300, passports=2)
    job_id = unlocked_alice.client.post(URL, {"kind": "rewrap"}, format="json").json()["id"]
    from vault.rotation import services

    job = RotationJob.objects.get(pk=job_id)
    handler = services.handlers()["record"]
    with django_assert_max_num_queries(20):
        claimed = services._step_batch(job, handler, services.job_keys(job), set())
    assert claimed == len(expected)
    assert _done_items_are_the_moved_records(job_id) == len(expected)
    while not rotation_step(job_id=job_id, budget_seconds=5).finished:
        pass
    assert RotationJob.objects.get(pk=job_id).state == "done"
    assert set(Reminder.objects.values_list("key_version", flat=True)) == {2}
    _every_record_opens(unlocked_alice, expected)
