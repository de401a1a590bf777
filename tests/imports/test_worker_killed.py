"""SIGKILL a real Celery worker during an import: the result is whole or absent, never
half; the next worker (re-driven when it starts) finishes it."""

from __future__ import annotations

import random

import pytest

from exports.services import export_build
from files.models import File
from imports.models import ImportFile, ImportJob
from records.models import Record
from storage.factory import get_store
from tests.exports.conftest import EXPORTS_URL, PASSPHRASE, fill_vault, start_export
from tests.fixtures.celery_worker import wait_for
from tests.imports.conftest import confirm, upload
from tests.imports.test_coffer_export import _files, _records

pytestmark = pytest.mark.slow


def _export(person, big: int = 0) -> bytes:
    fill_vault(person, big=big)
    job_id = start_export(person)
    assert export_build(job_id=job_id).finished
    return b"".join(person.client.get(f"{EXPORTS_URL}{job_id}/download").streaming_content)


def _blob_keys() -> set[str]:
    return {blob.key for blob in get_store().list_blobs()}


def _state(job_id) -> str:
    return ImportJob.objects.get(pk=job_id).state


def _whole_or_absent(owner, expected_records: int, expected_files: int) -> None:
    records = Record.objects.filter(owner=owner).count()
    files = File.objects.filter(owner=owner).count()
    assert (records, files) in ((0, 0), (expected_records, expected_files)), (records, files)


def _started(alice, bob, big: int = 0) -> tuple[str, int, int]:
    alice.setup_vault().unlock()
    content = _export(alice, big)
    bob.setup_vault().unlock()
    job_id = upload(bob, content, name="export.age", passphrase=PASSPHRASE).json()["id"]
    assert confirm(bob, job_id).status_code == 202
    return job_id, Record.objects.filter(owner=alice.user).count(), File.objects.filter(owner=alice.user).count()


def test_a_worker_killed_right_after_staging_a_file_leaves_nothing_half_and_the_next_finishes(
        celery_worker_process, alice, bob):
    worker = celery_worker_process
    job_id, n_records, n_files = _started(alice, bob)
    worker.start(COFFER_IMPORT_TEST_PAUSE_AFTER="staged")
    wait_for(lambda: ImportFile.objects.filter(job_id=job_id, state="staged").exists(), timeout=60,
             message="a file to be staged")
    worker.kill()
    assert _state(job_id) == "running"
    _whole_or_absent(bob.user, n_records, n_files)
    assert not Record.objects.filter(owner=bob.user).exists()
    worker.start()
    wait_for(lambda: _state(job_id) != "running", timeout=120, message="the import to finish")
    job = ImportJob.objects.get(pk=job_id)
    assert job.state == "done", (job.error_code, job.error_detail, worker.log()[-3000:])
    assert _records(bob.unlock()) == _records(alice.unlock())
    assert _files(bob) == _files(alice)


def test_killing_the_worker_at_random_moments_never_leaves_half_an_import(celery_worker_process, alice, bob):
    worker, rng = celery_worker_process, random.Random(1818)
    job_id, n_records, n_files = _started(alice, bob, big=24 * 1024 * 1024)  # staging takes a while
    before = _blob_keys()
    kills_while_running, seen = 0, set()

    def writing_anew() -> bool:
        """A file half written by this worker (its row names the blob before the first byte)."""
        rows = set(ImportFile.objects.filter(job_id=job_id, state="writing").values_list("pk", flat=True))
        return bool(rows - seen) or _state(job_id) != "running"

    for _ in range(5):
        worker.start()
        wait_for(writing_anew, timeout=60, interval=0.005, message="a file being written")
        seen.update(ImportFile.objects.filter(job_id=job_id).values_list("pk", flat=True))
        worker.kill_after(rng.uniform(0, 0.05))
        _whole_or_absent(bob.user, n_records, n_files)
        if _state(job_id) != "running":
            break
        kills_while_running += 1
    assert kills_while_running >= 3, "the kills should land while the import runs"
    worker.start()
    wait_for(lambda: _state(job_id) != "running", timeout=120, message="the import to finish")
    assert _state(job_id) == "done", worker.log()[-3000:]
    _whole_or_absent(bob.user, n_records, n_files)
    assert _records(bob.unlock()) == _records(alice.unlock())
    assert _files(bob) == _files(alice)
    assert ImportFile.objects.count() == 0
    # Every object the kills left half-written was deleted by the step that came next.
    assert _blob_keys() - before == set(File.objects.filter(owner=bob.user).values_list("blob_key", flat=True))
