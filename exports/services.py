"""Starting, building, finishing, downloading and expiring exports (docs/export.md).

Start (in the request): check the passphrase, make the age file key and the header
(scrypt runs here, once), then under the vault lock refuse while a rotation or
another export runs, and seal the file key and the vault keys to the job under the
server keyring. The passphrase goes no further than this function.

Build (a Celery task, by id): claim the job with a lease, take a snapshot of the
record and file ids, read every file once for its SHA-256, then stream the tar
archive through age into one object of the blob store. A record or file that
changes or goes away meanwhile makes the build start over (VaultChanged); a worker
killed mid-build leaves the lease to run out, and beat's redrive starts it over.
Every build uses a fresh payload nonce, so no key stream is ever used twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError as DbIntegrityError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from coffer.retry import retry_delay
from coffer.seams import seam
from exports.age import age_header, new_file_key, payload_encrypt
from files.ranges import ByteRange, requested_range
from notify import mails
from storage.base import BlobNotFound
from storage.factory import get_store
from vault.busy import vault_busy_refuse
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.locking import keyset_sync, vault_locked
from vault.models import RotationJob
from vault.services import VaultLocked

from .archive import VaultChanged
from .building import BuildInput, LeaseLost, Progress, build_archive
from .errors import ExportError, export_gone, export_not_ready, export_running, rotation_running
from .material import open_job_material, seal_job_material
from .models import ExportItem, ExportJob
from .naming import safe_part
from .passphrases import WeakPassphrase, passphrase_check, passphrase_suggest

logger = logging.getLogger(__name__)


def export_running_refusal(*, vault) -> ExportError | None:
    """The busy check exports register (vault/busy.py): a rotation waits for a running export."""
    if ExportJob.objects.filter(vault=vault, state=ExportJob.State.RUNNING).exists():
        return export_running()
    return None


# ---- start ----


def export_filename(*, username: str, day) -> str:
    return f"coffer-export-{safe_part(username, fallback='vault')}-{day:%Y%m%d}.age"


def export_start(*, user, keys: VaultKeys, passphrase: str, request=None) -> ExportJob:
    try:
        passphrase_check(passphrase)
    except WeakPassphrase as weak:
        raise ExportError("weak_passphrase", str(weak), field="passphrase",
                          extra={"suggestion": passphrase_suggest()}) from None
    file_key = new_file_key()
    header = age_header(passphrase, file_key, work_factor=settings.COFFER_EXPORT_WORK_FACTOR)
    del passphrase
    seam("export.start.lock")
    try:
        with vault_locked(user_id=user.pk) as vault:
            if RotationJob.objects.filter(vault=vault, state=RotationJob.State.RUNNING).exists():
                raise rotation_running()
            vault_busy_refuse(vault=vault, besides="exports")
            if export_running_refusal(vault=vault) is not None:
                raise export_running()
            try:
                keys = keyset_sync(vault=vault, keys=keys)
            except IntegrityError:
                raise VaultLocked() from None  # the PIN changed since this session began
            job = ExportJob(vault=vault, age_header=header,
                            filename=export_filename(username=user.get_username(), day=timezone.now()))
            job.sealed_material_server_version, job.sealed_material = seal_job_material(
                str(job.id), file_key, keys.vault_keys
            )
            job.save(force_insert=True)
            audit_record(action="export.start", actor=user, request=request, target_kind="export", target_id=job.id)
            mails.mail_export_started(user=user, at=job.created_at)
            transaction.on_commit(lambda: _enqueue(job.id))
    except DbIntegrityError:
        raise export_running() from None
    return job


def _enqueue(job_id, countdown: float = 0) -> None:
    from exports.tasks import export_build

    export_build.apply_async((str(job_id),), countdown=countdown)


# ---- build ----


@dataclass(frozen=True)
class BuildOutcome:
    finished: bool
    retry_in: float | None = None  # seconds until the next build, after a transient fault


def _lease() -> timedelta:
    return timedelta(seconds=settings.COFFER_EXPORT_LEASE_SECONDS)


def _claim(job_id) -> ExportJob | None:
    """The job, leased to this worker for a new build; None if it is not running or
    another worker's lease on it has not run out."""
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != ExportJob.State.RUNNING:
            return None
        if job.lease_until is not None and job.lease_until > now:
            return None
        job.builds += 1
        job.lease_until, job.progressed_at = now + _lease(), now
        job.save(update_fields=["builds", "lease_until", "progressed_at"])
    return job


def export_build(*, job_id) -> BuildOutcome:
    """One build of the job, start to end. Safe to run twice at once: the lease
    admits one builder, and only the holder of the newest build may finish."""
    job = _claim(job_id)
    if job is None:
        return BuildOutcome(finished=True)
    if job.builds > settings.COFFER_EXPORT_MAX_BUILDS:
        _fail(job, "The export was interrupted too many times. Start a new one.")
        return BuildOutcome(finished=True)
    try:
        file_key, vault_keys = open_job_material(str(job.id), job.sealed_material_server_version,
                                                 bytes(job.sealed_material))
    except IntegrityError:
        _fail(job, "The export's key material could not be opened. Start a new one.")
        return BuildOutcome(finished=True)
    keys = VaultKeys(kek=b"", vault_keys=vault_keys)
    progress = Progress(job=job, lease=_lease())
    store = get_store()
    try:
        for _ in range(settings.COFFER_EXPORT_MAX_RESTARTS):
            blob_key = store.new_key()
            try:
                size = store.put(blob_key, _age_file(job, file_key, keys, progress))
            except VaultChanged:
                logger.info("export %s: the vault changed during the build; starting over", job.pk)
                continue
            _finish(job, blob_key, size)
            return BuildOutcome(finished=True)
        _fail(job, "The vault changed too often while it was exported. Start a new export.")
    except LeaseLost:
        logger.info("export %s: another worker took the build over", job.pk)
    except (IntegrityError, BlobNotFound):
        _fail(job, "A record or file of the vault failed its integrity check; the export was stopped.")
    except Exception as exc:
        # Storage or database away: the lease goes, and the task runs again after a backoff
        # with jitter that grows with the builds (coffer/retry.py), up to COFFER_EXPORT_MAX_BUILDS.
        logger.warning("export %s: build failed (%s); it will be retried", job.pk, type(exc).__name__)
        ExportJob.objects.filter(pk=job.pk, builds=job.builds).update(
            lease_until=None, error=type(exc).__name__[:200]
        )
        return BuildOutcome(finished=False,
                            retry_in=min(retry_delay(job.builds), settings.COFFER_EXPORT_RETRY_MAX_SECONDS))
    return BuildOutcome(finished=True)


def _age_file(job: ExportJob, file_key: bytes, keys: VaultKeys, progress: Progress) -> Iterator[bytes]:
    yield bytes(job.age_header)
    archive = build_archive(BuildInput(job=job, keys=keys, progress=progress))
    yield from payload_encrypt(file_key, archive)


def _finish(job: ExportJob, blob_key: str, size: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        won = ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.RUNNING, builds=job.builds).update(
            state=ExportJob.State.DONE, blob_key=blob_key, size=size, sealed_material=b"", lease_until=None,
            items_done=F("items_total"), bytes_done=F("bytes_total"), error="", finished_at=now, progressed_at=now,
            expires_at=now + timedelta(seconds=settings.COFFER_EXPORT_TTL_SECONDS),
        )
        if won:
            ExportItem.objects.filter(job_id=job.pk).delete()
    if not won:
        get_store().delete(blob_key)  # another build finished first
        return
    job.refresh_from_db()
    audit_record(action="export.finish", subject=job.vault.user, target_kind="export", target_id=job.id,
                 details={"items": job.items_total, "size": size})


def _fail(job: ExportJob, message: str) -> None:
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.RUNNING).update(
            state=ExportJob.State.FAILED, sealed_material=b"", lease_until=None, error=message[:200],
            finished_at=timezone.now(),
        )
        ExportItem.objects.filter(job_id=job.pk).delete()
    audit_record(action="export.finish", outcome="failure", subject=job.vault.user, target_kind="export",
                 target_id=job.id, details={"error": message[:200]})


def export_redrive(*, stale_after: timedelta | None = None) -> list[str]:
    """Enqueues running jobs that made no progress lately (their worker died), each for
    when its builder's lease runs out; a builder still alive keeps the job (see _claim)."""
    stale_after = stale_after if stale_after is not None else timedelta(seconds=settings.COFFER_EXPORT_STALE_SECONDS)
    now = timezone.now()
    stuck = ExportJob.objects.filter(state=ExportJob.State.RUNNING, progressed_at__lte=now - stale_after)
    ids = []
    for job_id, lease_until in stuck.values_list("pk", "lease_until"):
        wait = (lease_until - now).total_seconds() if lease_until and lease_until > now else 0
        _enqueue(job_id, countdown=wait + (0.5 if wait else 0))
        ids.append(str(job_id))
    return ids


# ---- expiry ----


def export_expire(*, now=None) -> int:
    """Deletes the objects of finished exports past their time; returns how many."""
    now = now or timezone.now()
    store = get_store()
    expired = 0
    for job in ExportJob.objects.filter(state=ExportJob.State.DONE, expires_at__lte=now):
        with transaction.atomic():
            if not ExportJob.objects.filter(pk=job.pk, state=ExportJob.State.DONE).update(
                state=ExportJob.State.EXPIRED, blob_key=""
            ):
                continue
            blob_key = job.blob_key
            transaction.on_commit(lambda blob_key=blob_key: store.delete(blob_key))
        expired += 1
        audit_record(action="export.expire", subject=job.vault.user, target_kind="export", target_id=job.id)
    return expired


# ---- download ----


@dataclass
class ExportDownload:
    job: ExportJob
    byte_range: ByteRange | None
    body: Iterator[bytes]

    @property
    def length(self) -> int:
        return self.byte_range.length if self.byte_range else self.job.size


def export_download(*, job: ExportJob, user, range_header: str | None = None, request=None) -> ExportDownload:
    """The age file, or one byte range of it. Audited; the first download is mailed."""
    if job.state == ExportJob.State.EXPIRED:
        raise export_gone()
    if job.state != ExportJob.State.DONE or not job.blob_key:
        raise export_not_ready()
    byte_range = requested_range(range_header, job.size)
    start, length = (byte_range.start, byte_range.length) if byte_range else (0, job.size)
    try:
        body = get_store().iter_range(job.blob_key, start, length)
    except BlobNotFound:
        raise export_gone() from None
    # One statement decides which download is the first, so two at once mail once.
    first = ExportJob.objects.filter(pk=job.pk, downloads=0).update(downloads=1) == 1
    if not first:
        ExportJob.objects.filter(pk=job.pk).update(downloads=F("downloads") + 1)
    audit_record(action="export.download", actor=user, request=request, target_kind="export", target_id=job.id,
                 details={"range": byte_range.content_range(job.size) if byte_range else None})
    if first:
        mails.mail_export_downloaded(user=user, at=timezone.now())
    return ExportDownload(job=job, byte_range=byte_range, body=body)
