"""Exports through a real Celery worker on the S3 test server: a vault of every kind
with a file over 100 MiB, opened with Debian's age; and a worker SIGKILLed mid-export,
after which a new worker builds the whole export again."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from coffer.seams import seam_key
from exports.models import ExportJob
from files.models import File
from storage.factory import get_store
from tests.fixtures.celery_worker import wait_for
from tests.races.support import _dsn
from vault.rotation.gc import gc_blobs

from .conftest import MiB, check_export_matches, download, fill_vault, open_export, start_export

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db", "s3_settings")]


def _wait_done(job_id: str, worker) -> ExportJob:
    wait_for(lambda: ExportJob.objects.get(pk=job_id).state != "running", timeout=600, interval=0.5,
             message="the export to end")
    job = ExportJob.objects.get(pk=job_id)
    assert job.state == "done", (job.error, worker.log()[-3000:])
    return job


def test_a_vault_with_a_file_over_100_mib_exports_whole(celery_worker_process, alice, tmp_path):
    alice.setup_vault().unlock()
    filled = fill_vault(alice, big=100 * MiB + 12345)
    celery_worker_process.start()
    job_id = start_export(alice)
    job = _wait_done(job_id, celery_worker_process)
    assert job.size > 100 * MiB
    names, root = open_export(download(alice, job_id, tmp_path / "vault.age"), tmp_path)
    check_export_matches(root, filled, "alice")
    assert "coffer-export/files/My driver_licence/big scan.pdf" in names


def test_a_worker_killed_mid_export_leaves_a_job_a_new_worker_finishes(celery_worker_process, alice, tmp_path):
    alice.setup_vault().unlock()
    filled = fill_vault(alice, big=12 * MiB)
    holder = psycopg.connect(_dsn(), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", [seam_key("export.build.file")])
    try:
        celery_worker_process.start(COFFER_TEST_SEAMS="export.build.file")
        job_id = start_export(alice)

        def held_at_the_seam() -> bool:
            row = holder.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s "
                                 "AND NOT granted", [seam_key("export.build.file") & 0xFFFFFFFF]).fetchone()
            return row[0] > 0

        wait_for(held_at_the_seam, timeout=120, message="the worker to reach the first file of the archive")
        before = ExportJob.objects.get(pk=job_id)
        assert before.builds == 1 and before.bytes_done > 0  # every file was read for its digest
        celery_worker_process.kill()
    finally:
        holder.execute("SELECT pg_advisory_unlock(%s)", [seam_key("export.build.file")])
        holder.close()
    celery_worker_process.start()
    job = _wait_done(job_id, celery_worker_process)
    assert job.builds == 2
    _, root = open_export(download(alice, job_id, tmp_path / "vault.age"), tmp_path)
    check_export_matches(root, filled, "alice")
    gc_blobs(grace=timedelta(0), retain=timedelta(0))
    stored = {blob.key for blob in get_store().list_blobs()}
    assert stored == set(File.objects.values_list("blob_key", flat=True)) | {job.blob_key}
