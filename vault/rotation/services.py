"""Starting, stepping and finishing rotation jobs.

A job is a row plus one RotationItem per record or file. Items whose move is one
small write (a record, or a file's `rewrap`) go in batches: one transaction under
the vault lock claims hundreds of them (`SKIP LOCKED`), moves their rows and marks
them done, so a worker killed mid-batch leaves none of it behind. The rest (a file's
`reencrypt`) are claimed one by one, each with its own lease, and driven through
their states, every transition persisted, so a killed worker's lease runs out and
another carries on from the last persisted state; a step works on a few of them at
once (COFFER_ROTATION_FILE_CONCURRENCY threads). Old vault key versions are
destroyed only when every item is done under the new one.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError as DbIntegrityError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from audit.services import audit_record
from coffer.errors import DomainError
from coffer.lookups import parse_uuid
from coffer.retry import max_attempts, retry_delay
from coffer.seams import seam
from storage.base import BlobNotFound
from vault.busy import vault_busy_refuse
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import new_key
from vault.crypto.session import VaultKeys
from vault.crypto.wrap import unwrap_key, wrap_key, wrap_to_recovery
from vault.locking import keyset_sync, vault_locked
from vault.models import RotationItem, RotationJob, Vault, VaultKey
from vault.services import kek_context, recovery_context, user_keys_rewrap

from .handlers import Batch, handlers
from .material import open_job_keys, seal_job_keys

logger = logging.getLogger(__name__)

# Faults that retrying cannot mend: the data itself is damaged or gone.
PERMANENT_FAULTS = (IntegrityError, BlobNotFound)




class RotationError(DomainError):
    pass


def _lease() -> timedelta:
    return timedelta(seconds=settings.COFFER_ROTATION_LEASE_SECONDS)


# ---- start ----


def rotation_start(*, user, keys: VaultKeys, kind: str, request=None) -> RotationJob:
    """Creates the next vault key version and the job that moves every item onto it."""
    if kind not in RotationJob.Kind.values:
        raise RotationError("invalid_kind", "kind must be 'rewrap' or 'reencrypt'.", field="kind")
    try:
        with vault_locked(user_id=user.pk) as vault:
            if RotationJob.objects.filter(vault=vault, state=RotationJob.State.RUNNING).exists():
                raise _already_running()
            vault_busy_refuse(vault=vault)  # an export (or import) of this vault is running: 409
            keys = _session_keys_now(vault, keys)
            _close_failed_jobs(vault)
            target = keys.current_version + 1
            new_vault_key = new_key()
            VaultKey.objects.create(
                vault=vault,
                version=target,
                wrapped_by_kek=wrap_key(keys.kek, new_vault_key, kek_context(user.pk, target)),
                wrapped_by_recovery=wrap_to_recovery(
                    bytes(vault.recovery_public_key), new_vault_key, recovery_context(user.pk, target)
                ),
            )
            all_keys = {**keys.vault_keys, target: new_vault_key}
            _move_user_keys(vault, keys, new_vault_key, target)
            Vault.objects.filter(pk=vault.pk).update(key_set_version=F("key_set_version") + 1)
            job = RotationJob(vault=vault, kind=kind, target_version=target)
            job.sealed_keys_server_version, job.sealed_keys = seal_job_keys(str(job.id), all_keys)
            job.save(force_insert=True)
            _add_items(job)
            transaction.on_commit(lambda: _enqueue(job.id))
    except DbIntegrityError:
        raise _already_running() from None
    # The caller's session is not rewritten here: its key-set version is now stale, so
    # its next request loads the versions that exist then (an eager job may already
    # have destroyed the old one; writing {old, new} here was issue 13's defect 5).
    audit_record(action="rotation.start", actor=user, request=request, target_kind="rotation", target_id=job.id,
                 details={"kind": kind, "target_version": target, "items": job.items_total})
    return job


def _already_running() -> RotationError:
    return RotationError("rotation_running", "A rotation is already running for this vault.", status=409)


def _session_keys_now(vault: Vault, keys: VaultKeys) -> VaultKeys:
    """The session's keys as the vault holds them under the lock. The new version is
    wrapped under the session's KEK, so that KEK must still open the newest one."""
    stale = RotationError("stale_session", "Your PIN changed since this vault was unlocked. Unlock it again.",
                          status=409)
    try:
        keys = keyset_sync(vault=vault, keys=keys)
        newest = VaultKey.objects.get(vault=vault, version=keys.current_version)
        unwrap_key(keys.kek, bytes(newest.wrapped_by_kek), kek_context(vault.user_id, newest.version))
    except (IntegrityError, VaultKey.DoesNotExist):
        raise stale from None
    return keys


def _close_failed_jobs(vault: Vault) -> None:
    """A new job covers every item a failed one left behind, so the failed one can no
    longer resume: its key material goes, and its items close, which hands the
    objects they held (a half-made copy, an old blob after a swap) to the blob GC."""
    failed = RotationJob.objects.filter(vault=vault, state=RotationJob.State.FAILED).exclude(sealed_keys=b"")
    for job in failed:
        RotationItem.objects.filter(job=job).exclude(state=RotationItem.State.DONE).update(
            state=RotationItem.State.DONE, lease_until=None
        )
        RotationJob.objects.filter(pk=job.pk).update(sealed_keys=b"")


def _move_user_keys(vault: Vault, keys: VaultKeys, new_vault_key: bytes, target: int) -> None:
    moved = user_keys_rewrap(vault=vault, keys=keys, vault_key=new_vault_key, vk_version=target)
    Vault.objects.filter(pk=vault.pk).update(**moved.as_fields())


def _add_items(job: RotationJob) -> int:
    """An item for every row not under the target version: a fresh one, or a done one
    opened again (its row went back to an old version), so nothing stays behind."""
    known = dict(
        ((kind, item_id), (pk, state))
        for pk, kind, item_id, state in RotationItem.objects.filter(job=job).values_list("pk", "item_kind", "item_id", "state")
    )
    fresh, reopened = [], []
    for kind, handler in handlers().items():
        for item_id, size in handler.stragglers(job=job):
            seen = known.get((kind, str(item_id)))
            if seen is None:
                fresh.append(RotationItem(job=job, item_kind=kind, item_id=str(item_id), size=size))
            elif seen[1] == RotationItem.State.DONE:
                reopened.append(seen[0])
    if reopened:
        RotationItem.objects.filter(pk__in=reopened).update(
            state=RotationItem.State.PENDING, attempts=0, error="", lease_until=None,
            new_blob_key="", old_blob_key="", staged_wrapped_dek=b"",
        )
        RotationJob.objects.filter(pk=job.pk).update(items_done=F("items_done") - len(reopened))
    RotationItem.objects.bulk_create(fresh, batch_size=500)
    if fresh:
        RotationJob.objects.filter(pk=job.pk).update(
            items_total=F("items_total") + len(fresh),
            bytes_total=F("bytes_total") + sum(item.size for item in fresh),
        )
        job.refresh_from_db(fields=["items_total", "bytes_total"])
    return len(fresh) + len(reopened)


def _enqueue(job_id, countdown: float = 0) -> None:
    from vault.tasks import rotation_step

    rotation_step.apply_async((str(job_id),), countdown=countdown)


# ---- stepping ----


@dataclass(frozen=True)
class StepResult:
    finished: bool
    retry_in: float | None  # seconds until the next step should run, if not finished


def _claim(job: RotationJob) -> RotationItem | None:
    now = timezone.now()
    with transaction.atomic():
        item = _claimable(job, now).select_for_update(skip_locked=True).order_by("id").first()
        if item is not None:
            # A claim costs no attempt: a worker killed mid-item is not the item's fault.
            item.lease_until = now + _lease()
            item.save(update_fields=["lease_until", "updated_at"])
    return item


def item_advance(item: RotationItem, state: str, **fields) -> None:
    """Persists one state transition and moves the job's heartbeat."""
    for name, value in fields.items():
        setattr(item, name, value)
    item.state = state
    updates = {"progressed_at": timezone.now()}
    if state == RotationItem.State.DONE:
        updates.update(items_done=F("items_done") + 1, bytes_done=F("bytes_done") + item.size)
    with transaction.atomic():  # the item's state and the job's counters move together
        item.save(update_fields=["state", "updated_at", *fields])
        RotationJob.objects.filter(pk=item.job_id).update(**updates)
        point = f"{item.item_kind}:{state}"
        transaction.on_commit(lambda: _test_pause(point))


def _test_pause(point: str) -> None:
    """A seam for crash tests: hold the worker right after a state is persisted, so the
    test can kill it exactly there. Empty (off) outside test settings."""
    if point == getattr(settings, "COFFER_ROTATION_TEST_PAUSE_AFTER", ""):
        time.sleep(60)


def item_extend_lease(item: RotationItem) -> None:
    """Long items (big files) call this as they go (every few MiB), so their lease never
    lapses mid-work and the job's heartbeat never looks stale. It writes only once half of
    the lease, or of the staleness threshold, has passed since the last write: a call comes
    far more often than that, and each write is two commits (a 10 MiB file made twelve)."""
    now, lease = timezone.now(), _lease()
    every = min(lease, timedelta(seconds=settings.COFFER_ROTATION_STALE_SECONDS)) / 2
    if item.lease_until is not None and now - (item.lease_until - lease) < every:
        return
    item.lease_until = now + lease
    RotationItem.objects.filter(pk=item.pk).update(lease_until=item.lease_until)
    RotationJob.objects.filter(pk=item.job_id).update(progressed_at=now)


def job_keys(job: RotationJob) -> VaultKeys:
    vault_keys = open_job_keys(str(job.id), job.sealed_keys_server_version, bytes(job.sealed_keys))
    return VaultKeys(kek=b"", vault_keys=vault_keys)


def rotation_step(*, job_id, budget_seconds: float | None = None) -> StepResult:
    """Works on the job for a bounded time. Safe to run twice at once, or again after the end."""
    job = RotationJob.objects.select_related("vault").filter(pk=job_id).first()  # the vault once, for every thread
    if job is None or job.state != RotationJob.State.RUNNING:
        return StepResult(finished=True, retry_in=None)
    keys = job_keys(job)
    deadline = timezone.now() + timedelta(seconds=budget_seconds or settings.COFFER_ROTATION_STEP_SECONDS)
    batching = _batching(job)
    deferred: set[int] = set()  # items a batch left to the one-at-a-time path, this step
    while timezone.now() < deadline:
        try:
            if batching and any(_step_batch(job, handler, keys, deferred) for handler in batching):
                continue
        except _BatchFault:
            batching = []  # the rest of this step goes one item at a time, with its retries
            continue
        if not _step_items(job, keys, deadline):
            break
    return _after_step(job)


def _claimable(job: RotationJob, now):
    """Items not done, not failed for good, and neither leased nor waiting out a backoff."""
    return (
        RotationItem.objects.filter(job=job, attempts__lt=max_attempts())
        .exclude(state=RotationItem.State.DONE)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    )


# ---- batches ----


def _batch_size() -> int:
    return settings.COFFER_ROTATION_BATCH_SIZE


def _batching(job: RotationJob) -> list:
    """The handlers that move this job's items of their kind in batches (none if batches are off)."""
    if _batch_size() <= 1:
        return []
    return [handler for handler in handlers().values()
            if getattr(handler, "batches", None) is not None and handler.batches(job=job)]


def _step_batch(job: RotationJob, handler, keys: VaultKeys, deferred: set[int]) -> int:
    """Claims up to COFFER_ROTATION_BATCH_SIZE items of the handler's kind and moves them
    in one transaction, under the vault lock (then the items, then their rows, then the
    job), so each item is either done with its row under the target version, or
    untouched. Returns how many items it claimed (0: none left for batches).

    An item the handler cannot move in a batch (a damaged row) is left to the
    one-at-a-time path, which reports it. Any other fault rolls the whole batch back
    and leaves this step to the one-at-a-time path, with its retries and backoff."""
    try:
        with vault_locked(user_id=job.vault.user_id):
            now = timezone.now()
            items = list(
                _claimable(job, now).filter(item_kind=handler.item_kind).exclude(pk__in=deferred)
                .select_for_update(skip_locked=True).order_by("id")[: _batch_size()]
            )
            if not items:
                return 0
            batch: Batch = handler.process_batch(job=job, items=items, keys=keys)
            seam("rotation.batch.commit")  # tests hold (and kill) a worker here, everything still uncommitted
            deferred.update(item.pk for item in batch.left)
            _batch_done(job, batch.moved, now)
    except (OperationalError, InterfaceError):
        raise  # the database is away: the task retries with backoff
    except Exception as exc:
        logger.warning("rotation batch of %s failed, moving its items one at a time: %s",
                       handler.item_kind, type(exc).__name__)
        raise _BatchFault() from exc
    return len(items)


class _BatchFault(Exception):
    """A batch rolled back for a reason other than the database being away."""


def _batch_done(job: RotationJob, moved: list[RotationItem], now) -> None:
    if not moved:
        return
    RotationItem.objects.filter(pk__in=[item.pk for item in moved]).update(
        state=RotationItem.State.DONE, lease_until=None, updated_at=now
    )
    RotationJob.objects.filter(pk=job.pk).update(
        items_done=F("items_done") + len(moved), bytes_done=F("bytes_done") + sum(item.size for item in moved),
        progressed_at=now,
    )
    point = f"{moved[0].item_kind}:{RotationItem.State.DONE}"
    transaction.on_commit(lambda: _test_pause(point))


# ---- one item at a time ----


def _step_items(job: RotationJob, keys: VaultKeys, deadline) -> int:
    """Claims and moves items one by one until none is free or the step's time is up, on
    COFFER_ROTATION_FILE_CONCURRENCY threads (this one and helpers), so one file's copy
    overlaps another's verification and the store's latency. Each thread claims its own
    items, each under its own lease, on its own database connection. Returns how many
    items were moved."""
    helpers = settings.COFFER_ROTATION_FILE_CONCURRENCY - 1
    if helpers < 1:
        return _work_items(job, keys, deadline)
    with ThreadPoolExecutor(max_workers=helpers, thread_name_prefix="rotation") as pool:
        futures = [pool.submit(_work_items_on_own_connection, job, keys, deadline) for _ in range(helpers)]
        moved = _work_items(job, keys, deadline)
        return moved + sum(future.result() for future in futures)  # a helper's database fault fails the step


def _work_items_on_own_connection(job: RotationJob, keys: VaultKeys, deadline) -> int:
    try:
        return _work_items(job, keys, deadline)
    finally:
        connection.close()  # this thread's own connection


def _work_items(job: RotationJob, keys: VaultKeys, deadline) -> int:
    moved = 0
    while timezone.now() < deadline:
        item = _claim(job)
        if item is None:
            break
        _process(job, item, keys)
        moved += 1
    return moved


def _process(job: RotationJob, item: RotationItem, keys: VaultKeys) -> None:
    handler = handlers()[item.item_kind]
    try:
        handler.process(job=job, item=item, keys=keys)
    except PERMANENT_FAULTS as exc:
        _item_failed(job, item, "integrity check failed" if isinstance(exc, IntegrityError) else "object missing")
    except Exception as exc:
        # A transient fault (storage or database unreachable): retried after a backoff
        # with jitter, for minutes (COFFER_ROTATION_MAX_ATTEMPTS), from the last committed state.
        attempts = item.attempts + 1
        logger.warning("rotation item %s failed on attempt %s: %s", item.pk, attempts, type(exc).__name__)
        if attempts >= max_attempts():
            _item_failed(job, item, type(exc).__name__)
        else:
            RotationItem.objects.filter(pk=item.pk).update(
                attempts=attempts, error=type(exc).__name__[:200],
                lease_until=timezone.now() + timedelta(seconds=retry_delay(attempts)),
            )
    else:
        RotationItem.objects.filter(pk=item.pk).update(lease_until=None)


def _item_failed(job: RotationJob, item: RotationItem, message: str) -> None:
    RotationItem.objects.filter(pk=item.pk).update(error=message[:200], lease_until=None, attempts=max_attempts())
    with transaction.atomic():
        locked = RotationJob.objects.select_for_update().get(pk=job.pk)
        locked.errors = [*locked.errors, {"item_kind": item.item_kind, "item_id": item.item_id, "error": message[:200]}][-50:]
        locked.save(update_fields=["errors"])


def _after_step(job: RotationJob) -> StepResult:
    remaining = RotationItem.objects.filter(job=job).exclude(state=RotationItem.State.DONE)
    workable = remaining.filter(attempts__lt=max_attempts())
    if workable.exists():
        now = timezone.now()
        free = workable.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).exists()
        if free:
            return StepResult(finished=False, retry_in=0)
        seam("rotation.after_step.expiry")
        # Another worker may have finished the last leased item since: then look again now.
        next_expiry = workable.aggregate(Min("lease_until"))["lease_until__min"]
        if next_expiry is None:
            return StepResult(finished=False, retry_in=0)
        return StepResult(finished=False, retry_in=max(0.5, (next_expiry - now).total_seconds()))
    return _finish(job)


def _finish(job: RotationJob) -> StepResult:
    """Destroys the old vault key versions, but only under the vault lock, and only when
    no row refers to them: a row still under an old version (written by a request
    that raced the start) becomes an item, and the job carries on."""
    with vault_locked(user_id=job.vault.user_id) as vault:
        job = RotationJob.objects.select_for_update().get(pk=job.pk)
        if job.state != RotationJob.State.RUNNING:
            return StepResult(finished=True, retry_in=None)
        if _add_items(job):
            return StepResult(finished=False, retry_in=0)
        failed = RotationItem.objects.filter(job=job).exclude(state=RotationItem.State.DONE).count()
        job.state = RotationJob.State.FAILED if failed else RotationJob.State.DONE
        if not failed:
            job.sealed_keys = b""  # the job's key material ends with the job
        # A failed job keeps it (sealed under the server keyring, as while it ran), so it
        # can be resumed; a new rotation of the vault erases it (_close_failed_jobs).
        job.finished_at = timezone.now()
        job.save(update_fields=["state", "sealed_keys", "finished_at"])
        if not failed and vault.user_keys_vk_version == job.target_version:
            VaultKey.objects.filter(vault=vault).exclude(version=job.target_version).delete()
            Vault.objects.filter(pk=vault.pk).update(key_set_version=F("key_set_version") + 1)
    audit_record(
        action="rotation.finish", outcome="success" if not failed else "failure",
        subject=vault.user, target_kind="rotation", target_id=job.id,
        details={"kind": job.kind, "target_version": job.target_version, "items": job.items_total, "failed": failed},
    )
    return StepResult(finished=True, retry_in=None)


# ---- resuming a failed job ----


def rotation_resume(*, job: RotationJob, actor, request=None) -> RotationJob:
    """Runs a failed job again: its failed items get fresh attempts, from the state each
    reached. Only the vault's newest job can resume (a newer one covers the older's items)."""
    with vault_locked(user_id=job.vault.user_id) as vault:
        job = RotationJob.objects.select_for_update().get(pk=job.pk)
        if job.state == RotationJob.State.RUNNING:
            return job
        if not job.resumable:
            raise RotationError("rotation_not_resumable",
                                "Only the newest failed rotation can be resumed; start a new one instead.", status=409)
        if RotationJob.objects.filter(vault=vault, state=RotationJob.State.RUNNING).exists():
            raise _already_running()
        vault_busy_refuse(vault=vault)  # as at the start: never beside an export or an import
        RotationItem.objects.filter(job=job).exclude(state=RotationItem.State.DONE).update(
            attempts=0, error="", lease_until=None
        )
        job.state, job.errors, job.finished_at, job.progressed_at = RotationJob.State.RUNNING, [], None, timezone.now()
        job.save(update_fields=["state", "errors", "finished_at", "progressed_at"])
        transaction.on_commit(lambda: _enqueue(job.id))
    audit_record(action="rotation.resume", actor=actor, subject=vault.user, request=request,
                 target_kind="rotation", target_id=job.id, details={"kind": job.kind})
    return job


# ---- re-driving and reading ----


def rotation_redrive(*, stale_after: timedelta | None = None) -> list[str]:
    """Re-enqueues running jobs that made no progress lately (their worker died)."""
    if stale_after is None:
        stale_after = timedelta(seconds=settings.COFFER_ROTATION_STALE_SECONDS)
    cutoff = timezone.now() - stale_after
    ids = [str(pk) for pk in RotationJob.objects.filter(state=RotationJob.State.RUNNING, progressed_at__lte=cutoff).values_list("pk", flat=True)]
    for job_id in ids:
        _enqueue(job_id)
    return ids


def rotation_get(*, owner, job_id) -> RotationJob:
    from django.http import Http404

    job = RotationJob.objects.filter(vault__user=owner, pk=job_id).first() if parse_uuid(job_id) else None
    if job is None:
        raise Http404
    return job


def rotation_list(*, owner):
    return RotationJob.objects.filter(vault__user=owner).order_by("-created_at")


def rotation_item_counts(*, job: RotationJob) -> dict[str, int]:
    counts = {state: 0 for state in RotationItem.State.values}
    for row in RotationItem.objects.filter(job=job).values("state").annotate(n=Count("id")):
        counts[row["state"]] = row["n"]
    counts["failed"] = RotationItem.objects.filter(job=job, attempts__gte=max_attempts()).exclude(state=RotationItem.State.DONE).count()
    return counts

