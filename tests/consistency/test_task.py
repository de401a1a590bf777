"""The periodic task: on beat's schedule, run by a real worker, stored and audited."""

from django.conf import settings

from audit.models import AuditEvent
from consistency.models import CheckRun
from consistency.tasks import consistency_check_run
from tests.fixtures.celery_worker import wait_for


def test_beat_runs_the_task_daily_by_default():
    entry = settings.CELERY_BEAT_SCHEDULE["consistency-check"]
    assert entry == {"task": consistency_check_run.name, "schedule": 86400.0}
    assert consistency_check_run.name == "consistency.tasks.consistency_check_run"


def test_a_worker_runs_the_check_stores_its_report_and_audits_counts(celery_worker_process, settings, tmp_path):
    from tests.consistency.conftest import _holder

    settings.COFFER_STORAGE, settings.COFFER_BLOB_ROOT = "fs", tmp_path / "blobs"
    alice = _holder("alice", "alice-marker")
    alice.add_file(70_000, "scan.pdf", "file-marker")
    celery_worker_process.start()
    consistency_check_run.delay()
    wait_for(lambda: CheckRun.objects.exists(), timeout=60, message="the worker's report")
    run = CheckRun.objects.get()
    assert (run.trigger, run.clean, run.wrong) == ("schedule", True, 0), celery_worker_process.log()[-2000:]
    event = AuditEvent.objects.get(action="consistency.check")
    assert event.actor_id is None and event.subject_user_id is None
    assert event.details["counts"]["file_object_header"] == {"checked": 1, "wrong": 0}
