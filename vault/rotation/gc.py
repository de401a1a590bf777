"""The blob garbage collector: deletes objects nothing refers to, and aborts dangling
multipart uploads, once they are older than a grace period.

An object is referenced by a File row, or by an unfinished rotation item that is
writing it (new) or will delete it after its swap (old). The grace period covers
uploads whose row is not committed yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from audit.services import audit_record
from coffer.retry import with_retries
from storage.factory import get_store
from vault.models import RotationItem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GcResult:
    scanned: int
    deleted: int
    aborted_uploads: int


def referenced_blob_keys() -> set[str]:
    keys: set[str] = set()
    if apps.is_installed("files"):
        keys.update(apps.get_model("files", "File").objects.values_list("blob_key", flat=True))
    unfinished = RotationItem.objects.exclude(state=RotationItem.State.DONE)
    for new_key, old_key in unfinished.values_list("new_blob_key", "old_blob_key"):
        keys.update(k for k in (new_key, old_key) if k)
    return keys


def gc_blobs(*, grace: timedelta | None = None, actor=None) -> GcResult:
    grace = grace if grace is not None else timedelta(seconds=settings.COFFER_GC_GRACE_SECONDS)
    store = get_store()
    cutoff = timezone.now() - grace
    # Listing first, then reading references: an object created after the listing is
    # never considered, and one referenced by the time we check is kept.
    # Storage or database away for a while: each call is retried with backoff, for minutes.
    listed = with_retries(lambda: list(store.list_blobs()), what="listing the blob store")
    candidates = [blob for blob in listed if blob.modified <= cutoff]
    referenced = with_retries(referenced_blob_keys, what="reading blob references")
    deleted = 0
    for blob in candidates:
        if blob.key not in referenced:
            with_retries(lambda key=blob.key: store.delete(key), what="deleting an orphan blob")
            deleted += 1
    aborted = with_retries(lambda: store.abort_stale_uploads(grace), what="aborting stale uploads")
    result = GcResult(scanned=len(candidates), deleted=deleted, aborted_uploads=aborted)
    audit_record(action="blobs.gc", actor=actor, target_kind="storage",
                 details={"scanned": result.scanned, "deleted": result.deleted, "aborted_uploads": result.aborted_uploads})
    logger.info("blob GC: scanned %s, deleted %s, aborted %s uploads", result.scanned, result.deleted, aborted)
    return result
