"""Storage away during an export: the build is retried with backoff (coffer/retry.py)
and the export ends whole once storage is back. A real worker, a real S3 server taken away."""

from __future__ import annotations

import pytest

from exports.models import ExportJob
from tests.fixtures.celery_worker import wait_for

from .conftest import check_export_matches, download, fill_vault, open_export, start_export

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("transactional_db")]


def test_a_storage_outage_during_an_export_ends_with_it_done(celery_worker_process, restartable_s3, alice, tmp_path):
    alice.setup_vault().unlock()
    filled = fill_vault(alice)
    restartable_s3.stop()
    job_id = start_export(alice)
    celery_worker_process.start()
    wait_for(lambda: ExportJob.objects.get(pk=job_id).builds >= 3, timeout=120,
             message="builds to fail and back off")
    job = ExportJob.objects.get(pk=job_id)
    assert job.state == "running" and job.error, "the export gave up while storage was away"
    restartable_s3.start()
    wait_for(lambda: ExportJob.objects.get(pk=job_id).state != "running", timeout=180, message="the export to end")
    job = ExportJob.objects.get(pk=job_id)
    assert job.state == "done", (job.error, celery_worker_process.log()[-2000:])
    alice.unlock()
    _, root = open_export(download(alice, job_id, tmp_path / "vault.age"), tmp_path)
    check_export_matches(root, filled, "alice")
