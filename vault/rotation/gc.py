"""The blob garbage collector: deletes objects nothing refers to, and aborts dangling
multipart uploads.

An object is referenced by a File row, a scan shared in a grant (until the grant ends), a finished
export (until it expires), an import's staged files, or by an unfinished rotation item that is
writing it (new) or will retire it after its swap (old). Two clocks protect the rest:

- the grace period (COFFER_GC_GRACE_SECONDS), by the object's own age: an upload's
  object exists before its row commits, so a young object is never judged;
- the retention (COFFER_BLOB_RETENTION), from the first GC pass that found the
  object unreferenced (an UnreferencedBlob row): a database restored from a backup
  taken inside that window still finds every object it names (docs/operations.md).
  With retention 0, an unreferenced object goes on the pass that finds it.

A restored database that names an object again takes it off the list.
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
from vault.models import RotationItem, UnreferencedBlob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GcResult:
    scanned: int
    deleted: int
    aborted_uploads: int
    retained: int = 0  # unreferenced, but inside the retention window


def referenced_blob_keys() -> set[str]:
    keys: set[str] = set()
    if apps.is_installed("files"):
        keys.update(apps.get_model("files", "File").objects.values_list("blob_key", flat=True))
    if apps.is_installed("exports"):
        # A finished export's object until its expiry (exports.services.export_expire deletes it).
        keys.update(apps.get_model("exports", "ExportJob").objects.exclude(blob_key="").values_list("blob_key", flat=True))
    if apps.is_installed("imports"):
        # Staged by an unfinished import, and its stored source (imports.services).
        keys.update(apps.get_model("imports", "ImportFile").objects.values_list("blob_key", flat=True))
        keys.update(apps.get_model("imports", "ImportJob").objects.exclude(source_blob_key="")
                    .values_list("source_blob_key", flat=True))
    if apps.is_installed("sharing"):
        # A scan's copy for an app, until its grant ends (sharing.scans.scans_forget).
        keys.update(apps.get_model("sharing", "GrantScan").objects.values_list("blob_key", flat=True))
    unfinished = RotationItem.objects.exclude(state=RotationItem.State.DONE)
    for new_key, old_key in unfinished.values_list("new_blob_key", "old_blob_key"):
        keys.update(k for k in (new_key, old_key) if k)
    return keys


def retention() -> timedelta:
    return timedelta(seconds=settings.COFFER_BLOB_RETENTION)


def gc_blobs(*, grace: timedelta | None = None, retain: timedelta | None = None, actor=None) -> GcResult:
    grace = grace if grace is not None else timedelta(seconds=settings.COFFER_GC_GRACE_SECONDS)
    retain = retain if retain is not None else retention()
    store = get_store()
    now = timezone.now()
    # Listing first, then reading references: an object created after the listing is
    # never considered, and one referenced by the time we check is kept. Storage or
    # database away for a while: each call is retried with backoff, for minutes.
    listed = with_retries(lambda: list(store.list_blobs()), what="listing the blob store")
    candidates = {blob.key for blob in listed if blob.modified <= now - grace}
    referenced = with_retries(referenced_blob_keys, what="reading blob references")
    unreferenced = candidates - referenced
    seen = dict(UnreferencedBlob.objects.values_list("blob_key", "first_seen_at"))
    # Named again (a restored database), or gone from the store: off the list.
    UnreferencedBlob.objects.filter(blob_key__in=set(seen) & referenced).delete()
    listed_keys = {blob.key for blob in listed}
    UnreferencedBlob.objects.filter(blob_key__in=set(seen) - listed_keys).delete()
    expired = {key for key in unreferenced if retain <= timedelta(0) or (key in seen and seen[key] <= now - retain)}
    UnreferencedBlob.objects.bulk_create(
        [UnreferencedBlob(blob_key=key, first_seen_at=now) for key in unreferenced - expired - set(seen)],
        ignore_conflicts=True,
    )
    for key in sorted(expired):
        with_retries(lambda key=key: store.delete(key), what="deleting an unreferenced blob")
    UnreferencedBlob.objects.filter(blob_key__in=expired).delete()
    aborted = with_retries(lambda: store.abort_stale_uploads(grace), what="aborting stale uploads")
    result = GcResult(scanned=len(candidates), deleted=len(expired), aborted_uploads=aborted,
                      retained=len(unreferenced - expired))
    audit_record(action="blobs.gc", actor=actor, target_kind="storage",
                 details={"scanned": result.scanned, "deleted": result.deleted, "retained": result.retained,
                          "aborted_uploads": result.aborted_uploads})
    logger.info("blob GC: scanned %s, deleted %s, retained %s, aborted %s uploads",
                result.scanned, result.deleted, result.retained, aborted)
    return result
