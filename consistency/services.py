"""The consistency check (docs/operations.md, "Consistency check"): does what the
database names exist and open, after a restore, a crash or a rotation?

It reads and never writes, apart from the stored report. Rows stream from the
database in batches; the store is listed once, and object headers are read by a
small thread pool. Memory grows with the batch size and about 24 bytes per stored
object, never with the rows.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.utils import timezone

from audit.services import NO_SUBJECT, audit_record
from coffer.retry import with_retries
from coffer.seams import seam
from storage.factory import get_store

from .blob_index import BlobIndex
from .keys import check_key_versions, check_rotation_jobs, check_server_shares
from .models import CheckRun
from .objects import check_file_objects
from .report import MAX_IDS, ConsistencyReport

logger = logging.getLogger(__name__)

STREAM_BATCH = 2000
WORKERS = 8


def consistency_check(*, stream_batch: int = STREAM_BATCH, workers: int = WORKERS,
                      max_ids: int = MAX_IDS) -> ConsistencyReport:
    """Run every check; the report holds counts and at most `max_ids` ids per check."""
    if stream_batch < 1 or workers < 1 or max_ids < 0:
        raise ValueError("stream_batch and workers must be positive, max_ids not negative")
    store = get_store()
    report = ConsistencyReport.empty(started_at=timezone.now(), max_ids=max_ids)
    # Listed before any row is read: a row that commits later is looked at again, not misjudged.
    index = with_retries(lambda: BlobIndex(store.list_blobs()), what="listing the blob store")
    seam("consistency.listed")
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="consistency") as pool:
        check_file_objects(report, store=store, index=index, batch=stream_batch, pool=pool)
    del index
    check_key_versions(report, batch=stream_batch)
    check_server_shares(report, batch=stream_batch)
    check_rotation_jobs(report, batch=stream_batch)
    report.finished_at = timezone.now()
    return report


def consistency_check_run(*, trigger: str, actor=None, request=None, stream_batch: int = STREAM_BATCH,
                          workers: int = WORKERS, max_ids: int = MAX_IDS) -> tuple[ConsistencyReport, CheckRun]:
    """Run the check, keep its report, and audit the run with counts only."""
    report = consistency_check(stream_batch=stream_batch, workers=workers, max_ids=max_ids)
    run = CheckRun.objects.create(
        started_at=report.started_at, finished_at=report.finished_at, trigger=trigger, clean=report.clean,
        wrong=report.wrong, results=report.as_dict()["checks"],
    )
    audit_record(
        action="consistency.check", outcome="success" if report.clean else "failure", actor=actor,
        subject=NO_SUBJECT, request=request, target_kind="consistency_report", target_id=run.pk,
        details={"trigger": trigger, "clean": report.clean, "counts": report.counts()},
    )
    log = logger.info if report.clean else logger.error
    log("consistency check: %s wrong in %s", report.wrong,
        ", ".join(f"{name} {r.wrong}/{r.checked}" for name, r in report.checks.items()))
    return report, run
