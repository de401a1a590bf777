"""The import worker: stages each file's blob through the normal encrypted file
pipeline, recording it in an ImportFile row before writing, then commits every record
and file row in one transaction under the vault lock, or fails and deletes what it
staged. One step works for a bounded time; a worker killed at any point leaves staged
files behind rows that name them, and the next step (re-driven when a worker starts)
deletes a half-written one and carries on."""

from __future__ import annotations

import hashlib
import hmac
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from audit.services import audit_record
from coffer.errors import DomainError
from coffer.seams import seam
from exports.age import AgeError
from files.errors import StorageUnavailable
from files.events import file_event
from files.models import File
from files.sealing import seal_filename
from files.selectors import quota_used
from files.services import file_upload_start
from records.events import record_event
from records.models import Record
from reminders.services import reminders_sync
from storage.factory import get_store
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.locking import vault_locked
from vault.models import RotationJob, Vault, VaultKey

from . import readers
from .building import file_build, record_build
from .errors import ImportRefused, rotation_running
from .material import JobMaterial
from .models import ImportFile, ImportJob
from .services import job_end, job_enqueue, job_material, source_open
from .source import SourceStorageUnavailable, source_delete

# Faults that a later step may not meet: the task retries them with backoff.
TRANSIENT = (StorageUnavailable, SourceStorageUnavailable)

@dataclass(frozen=True)
class StepResult:
    finished: bool


@contextmanager
def _job_exclusive(job_id: str):
    """One step per job at a time (a re-driven step and a redelivered one may meet).
    A session advisory lock: a killed worker's connection drops it."""
    key = zlib.crc32(f"coffer-import:{job_id}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def import_step(*, job_id, budget_seconds: float | None = None) -> StepResult:
    """Stages files for a bounded time, then commits when all are staged. Safe to run
    again at any point; a refusal fails the job as a whole."""
    with _job_exclusive(str(job_id)) as exclusive:
        if not exclusive:
            return StepResult(finished=True)
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None or job.state != ImportJob.State.RUNNING:
            return StepResult(finished=True)
        try:
            return _step(job, budget_seconds or settings.COFFER_IMPORT_STEP_SECONDS)
        except TRANSIENT:
            raise  # retried by the task; the staged files stay for the next step
        except (ImportRefused, DomainError) as refusal:
            _fail(job, refusal.code, _stored_detail(refusal))
        except AgeError:
            refusal = readers.unreadable_export()  # cut off or tampered: found as it is read
            _fail(job, refusal.code, refusal.detail)
        except IntegrityError:
            _fail(job, "import_integrity", "The stored source could not be read back intact.")
        except Vault.DoesNotExist:
            _fail(job, "vault_gone", "The vault no longer exists.")
        return StepResult(finished=True)


def _stored_detail(refusal: DomainError) -> str:
    """What a failed job keeps for people. Kept in the clear, so never the user's words:
    the readers' messages that name an item (its title) are replaced."""
    if refusal.code.startswith(("cxf_", "bitwarden_")):
        return "The source no longer reads as it did at the preview."
    return refusal.detail


def _step(job: ImportJob, budget: float) -> StepResult:
    material = job_material(job)
    opened = source_open(job, material)
    plan = opened.plan
    planned = {f.ref: (index, f) for index, r in enumerate(plan.records) for f in r.files}
    planned.update({f.ref: (None, f) for f in plan.files})
    staged = _staged_clean(job, material, planned)
    deadline = timezone.now() + timedelta(seconds=budget)
    for ref, pieces in opened.files():
        if ref not in planned or ref in staged:
            continue
        if timezone.now() >= deadline:
            return StepResult(finished=False)
        index, file = planned[ref]
        staged[ref] = _stage(job, material, file, index, pieces)
    opened.finish()
    missing = set(planned) - set(staged)
    if missing:
        raise ImportRefused("import_files_missing", f"{len(missing)} file(s) named in the source are not in it.")
    _commit(job, material, plan, staged)
    return StepResult(finished=True)


def ref_digest(material: JobMaterial, ref: str) -> str:
    return hmac.new(material.source_key, ref.encode("utf-8"), hashlib.sha256).hexdigest()


def _staged_clean(job: ImportJob, material: JobMaterial, planned: dict) -> dict[str, ImportFile]:
    """The files staged so far, by ref; a half-written one (its worker died) is deleted."""
    store = get_store()
    for half in ImportFile.objects.filter(job=job, state=ImportFile.State.WRITING):
        source_delete(store, half.blob_key)
        half.delete()
    by_digest = {ref_digest(material, ref): ref for ref in planned}
    return {by_digest[f.ref_digest]: f for f in ImportFile.objects.filter(job=job) if f.ref_digest in by_digest}


def _stage(job: ImportJob, material: JobMaterial, file, record_index, pieces) -> ImportFile:
    version = max(material.vault_keys)
    keys = VaultKeys(kek=b"", vault_keys=dict(material.vault_keys))
    upload = file_upload_start(owner=job.owner, keys=keys, filename=file.name, declared_type=None,
                               expected_size=file.size)
    # The row names the blob before a byte is written, so a killed worker's half blob
    # is found (and GC keeps a staged one while the job runs).
    staged = ImportFile.objects.create(
        job=job, ref_digest=ref_digest(material, file.ref), record_index=record_index, file_id=upload.file_id, blob_key=upload.blob_key,
        vault_key_version=version, dek_version=upload.keys.dek_version, wrapped_dek=upload.keys.wrapped_dek,
    )
    digest = hashlib.sha256()
    try:
        for piece in pieces:
            digest.update(piece)
            upload.write(piece)
        upload.finish()
        if (file.size is not None and upload.plaintext_size != file.size) or \
                (file.sha256 is not None and digest.hexdigest() != file.sha256.lower()):
            raise ImportRefused("import_file_mismatch", "A file does not match the size or SHA-256 the source gives.")
    except BaseException:
        upload.discard()
        raise
    staged.state, staged.content_type = ImportFile.State.STAGED, upload.content_type
    staged.plaintext_size, staged.ciphertext_size = upload.plaintext_size, upload.ciphertext_size
    staged.sealed_filename = seal_filename(dek=upload.keys.dek, filename=upload.filename, user_id=job.owner_id,
                                           file_id=str(upload.file_id), dek_version=upload.keys.dek_version)
    with transaction.atomic():
        staged.save(update_fields=["state", "content_type", "plaintext_size", "ciphertext_size", "sealed_filename"])
        ImportJob.objects.filter(pk=job.pk).update(files_staged=F("files_staged") + 1,
                                                   bytes_staged=F("bytes_staged") + upload.plaintext_size,
                                                   progressed_at=timezone.now())
    upload.committed()
    _test_pause("staged")
    return staged


def _test_pause(point: str) -> None:
    """Crash tests hold the worker right after a file is staged, to kill it there."""
    if point == getattr(settings, "COFFER_IMPORT_TEST_PAUSE_AFTER", ""):
        time.sleep(60)


def _commit(job: ImportJob, material: JobMaterial, plan, staged: dict[str, ImportFile]) -> None:
    """Every record and file row in one transaction under the vault lock, or none."""
    version = max(material.vault_keys)
    records = [record_build(owner_id=job.owner_id, vault_key=material.vault_keys[version], vault_key_version=version,
                            planned=planned) for planned in plan.records]
    seam("import.commit.lock")
    with vault_locked(user_id=job.owner_id) as vault:
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ImportJob.State.RUNNING:
            return
        if RotationJob.objects.filter(vault=vault, state=RotationJob.State.RUNNING).exists():
            raise rotation_running()
        if not VaultKey.objects.filter(vault=vault, version=version).exists():
            raise ImportRefused("vault_keys_changed", "The vault's keys changed during the import; import again.", 409)
        adding = sum(f.plaintext_size for f in staged.values())
        if quota_used(owner=job.owner) + adding > settings.COFFER_USER_QUOTA_BYTES:
            raise ImportRefused("quota_exceeded", "The imported files would exceed your storage quota.", 507)
        Record.objects.bulk_create(records, batch_size=500)
        # Expiry reminders, as a record saved while unlocked gets them (docs/reminders.md).
        keys = VaultKeys(kek=b"", vault_keys={version: material.vault_keys[version]})
        for record, planned in zip(records, plan.records):
            reminders_sync(owner=job.owner, keys=keys, record_id=record.pk, kind=record.kind, data=planned.data)
        roles = {file.ref: file.role for record in plan.records for file in record.files}
        files = [file_build(staged=f, owner_id=job.owner_id,
                            record_id=records[f.record_index].pk if f.record_index is not None else None,
                            role=roles.get(ref, "") if f.record_index is not None else "")
                 for ref, f in staged.items()]
        File.objects.bulk_create(files, batch_size=500)
        ImportFile.objects.filter(job=job).delete()
        job.state, job.finished_at = ImportJob.State.DONE, timezone.now()
        job.records_created, job.files_created = len(records), len(files)
        job_end(job)
        # Last, and the only event in the transaction: appending to the audit chain locks
        # its head until commit, which every user's audited action waits on.
        audit_record(action="import.finish", subject=job.owner, target_kind="import", target_id=job.id,
                     details={"records": len(records), "files": len(files), "left": job.left_count})
    # One event per row, each appended on its own after the commit that import.finish sealed.
    for record in records:
        record_event(action="record.create", record=record, by_system=True, via="import", import_id=str(job.id))
    for file in files:
        file_event(action="file.create", file=file, by_system=True, via="import", import_id=str(job.id))


def _fail(job: ImportJob, code: str, detail: str) -> None:
    """The vault stays as it was: the job ends, and every staged blob is deleted (a
    blob whose delete fails is left to the blob GC, no row naming it)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state != ImportJob.State.RUNNING:
            return
        blob_keys = list(ImportFile.objects.filter(job=job).values_list("blob_key", flat=True))
        ImportFile.objects.filter(job=job).delete()
        job.state, job.finished_at = ImportJob.State.FAILED, timezone.now()
        job.error_code, job.error_detail = code[:64], detail[:300]
        job_end(job)
        transaction.on_commit(lambda: [source_delete(get_store(), key) for key in blob_keys])
    audit_record(action="import.finish", outcome="failure", subject=job.owner, target_kind="import",
                 target_id=job.id, details={"error": code})


def import_redrive(*, stale_after: timedelta | None = None) -> list[str]:
    """Re-enqueues running imports without progress lately (their worker died)."""
    if stale_after is None:
        stale_after = timedelta(seconds=settings.COFFER_IMPORT_STALE_SECONDS)
    running = ImportJob.objects.filter(state=ImportJob.State.RUNNING, progressed_at__lte=timezone.now() - stale_after)
    ids = [str(pk) for pk in running.values_list("pk", flat=True)]
    _expire_previews()
    for job_id in ids:
        job_enqueue(job_id)
    return ids


def _expire_previews() -> None:
    """A preview nobody confirmed within a day ends, and its stored source with it."""
    cutoff = timezone.now() - timedelta(seconds=settings.COFFER_IMPORT_PREVIEW_SECONDS)
    for job_id in ImportJob.objects.filter(state=ImportJob.State.PREVIEW, created_at__lte=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.state == ImportJob.State.PREVIEW:
                job.state, job.finished_at = ImportJob.State.CANCELLED, timezone.now()
                job_end(job)
