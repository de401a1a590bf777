"""Deleting a deleted account's objects from the store, until none is left.

The keys that opened these objects were destroyed with the account
(accounts/deletion.py), so they are already unreadable; this frees the space now
instead of after the blob GC's retention (COFFER_BLOB_RETENTION). Deleting a
missing object is not an error, so a run can repeat after a crash or a fault.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from audit.services import NO_SUBJECT, audit_record
from coffer.retry import with_retries
from storage.factory import get_store

from .models import ErasureJob

logger = logging.getLogger(__name__)

# Progress is written after this many deletions, so a crash repeats at most this many.
PROGRESS_EVERY = 100


def erasure_job_create(*, blob_keys: Iterable[str]) -> ErasureJob:
    """Called inside the transaction that erases the account, so the list is exact."""
    keys = sorted(set(blob_keys))
    return ErasureJob.objects.create(pending_blob_keys=keys, blobs_total=len(keys))


def _note_fault(job_id, exc: Exception) -> None:
    ErasureJob.objects.filter(pk=job_id).update(
        attempts=F("attempts") + 1, last_attempt_at=timezone.now(), updated_at=timezone.now(),
        last_error=type(exc).__name__[:100],
    )


def _save_progress(job_id, remaining: list[str]) -> None:
    ErasureJob.objects.filter(pk=job_id).update(pending_blob_keys=remaining, updated_at=timezone.now())


def erasure_run(*, job_id) -> ErasureJob:
    """Deletes every object the job lists; each fault is counted on the job and retried
    with backoff (coffer/retry.py). Raises once the retries are spent; the task retries again."""
    job = ErasureJob.objects.get(pk=job_id)
    if job.state == ErasureJob.State.DONE:
        return job
    store = get_store()
    remaining = list(job.pending_blob_keys)
    done_since_save = 0

    def delete(key: str) -> None:
        try:
            store.delete(key)
        except Exception as exc:
            _note_fault(job.pk, exc)
            raise

    try:
        while remaining:
            key = remaining[0]
            with_retries(lambda key=key: delete(key), what="deleting an erased account's object")
            remaining.pop(0)
            done_since_save += 1
            if done_since_save >= PROGRESS_EVERY:
                _save_progress(job.pk, remaining)
                done_since_save = 0
    finally:
        if done_since_save:
            _save_progress(job.pk, remaining)
    ErasureJob.objects.filter(pk=job.pk).update(
        state=ErasureJob.State.DONE, pending_blob_keys=[], finished_at=timezone.now(), updated_at=timezone.now(),
    )
    job.refresh_from_db()
    audit_record(action="account.erasure_finish", subject=NO_SUBJECT, target_kind="erasure_job", target_id=job.pk,
                 details={"objects_deleted": job.blobs_total, "attempts": job.attempts})
    logger.info("erasure job %s: %s objects deleted", job.pk, job.blobs_total)
    return job


def erasure_redrive(*, stale_after: timedelta | None = None) -> int:
    """Enqueues again every pending job that has not moved for a while: a lost message
    must not leave objects behind. A live job moves at least every few minutes (a fault
    noted, or progress saved), so it is not doubled."""
    from .tasks import erasure_run as erasure_run_task

    stale_after = stale_after if stale_after is not None else timedelta(seconds=settings.COFFER_ERASURE_STALE_SECONDS)
    stale = ErasureJob.objects.filter(state=ErasureJob.State.PENDING, updated_at__lte=timezone.now() - stale_after)
    job_ids = list(stale.values_list("pk", flat=True))
    for job_id in job_ids:
        erasure_run_task.delay(str(job_id))
    return len(job_ids)
