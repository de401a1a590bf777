"""Imports: upload and preview, confirm, run (resumable), commit or fail as a whole.

    import_create   the source is stored encrypted, read, and its preview sealed; nothing
                    is written to the vault (state preview)
    import_confirm  under the vault lock, refused while a rotation (or export) runs;
                    the vault key is sealed to the job, which starts (state running)
    import_step     the worker: stages each file's blob through the normal encrypted
                    file pipeline, recording it in an ImportFile row before writing,
                    then commits every record and file row in one transaction under
                    the vault lock, or fails and deletes what it staged
A worker killed at any point leaves staged files behind rows that name them; the
next step (re-driven when a worker starts) cleans a half-written one and carries on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError as DbIntegrityError
from django.db import connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from audit.services import audit_record
from coffer.errors import DomainError
from coffer.seams import seam
from exports.age import AgeError
from files.events import file_event
from files.errors import StorageUnavailable
from files.models import File
from files.selectors import quota_used
from files.sealing import seal_filename
from files.services import file_upload_start
from records.events import record_event
from records.models import Record
from storage.factory import get_store
from vault.busy import vault_busy_refuse
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.locking import keyset_sync, vault_locked
from vault.models import RotationJob, Vault, VaultKey
from vault.services import VaultLocked

from . import readers
from .building import file_build, record_build
from .errors import ImportRefused, import_running, not_in_preview, rotation_running
from .material import JobMaterial, new_material, open_material, open_preview, seal_material, seal_preview, source_context
from .models import ImportFile, ImportJob
from .source import SeekableSource, SourceStorageUnavailable, SourceWriter, source_delete, source_stream

logger = logging.getLogger(__name__)

# Faults that a later step may not meet: the task retries them with backoff.
TRANSIENT = (StorageUnavailable, SourceStorageUnavailable)


# ---- upload and preview ----


@dataclass
class NewImport:
    """An upload on its way in: the job's id and material exist before its first byte."""

    owner: object
    passphrase: str
    job_id: uuid.UUID
    material: JobMaterial
    writer: SourceWriter

    def close(self) -> None:
        """Django closes what a form's file handler returned; the receiver cleans up."""


def import_receive(*, owner, passphrase: str = "") -> NewImport:
    job_id = uuid.uuid4()
    material = new_material(passphrase)
    writer = SourceWriter(get_store(), key=material.source_key,
                          context=source_context(user_id=owner.pk, job_id=str(job_id)))
    return NewImport(owner=owner, passphrase=passphrase, job_id=job_id, material=material, writer=writer)


def import_create(*, incoming: NewImport, request=None) -> ImportJob:
    """Reads the stored source into a preview and saves the job (state preview). On any
    refusal the stored source is deleted and nothing remains."""
    owner, writer = incoming.owner, incoming.writer
    try:
        source_format = readers.detect_format(writer.head)
        if source_format == ImportJob.Format.COFFER and not incoming.passphrase:
            raise ImportRefused("passphrase_required", "Give the passphrase the export was made with.",
                                field="passphrase")
        job = ImportJob(id=incoming.job_id, owner=owner, source_format=source_format, source_blob_key=writer.blob_key,
                        source_size=writer.plaintext_size, source_ciphertext_size=writer.ciphertext_size)
        opened = _open(job, incoming.material)
        job.source_format = opened.source_format
        plan = opened.plan
        job.records_planned = len(plan.records)
        job.files_planned = sum(len(r.files) for r in plan.records) + len(plan.files)
        job.bytes_planned = sum(f.size or 0 for r in plan.records for f in r.files) + sum(f.size or 0 for f in plan.files)
        job.left_count = len(plan.left)
        job.sealed_preview = seal_preview(incoming.material, _preview_json(plan), user_id=owner.pk, job_id=str(job.id))
        job.sealed_material_server_version, job.sealed_material = seal_material(str(job.id), incoming.material)
        job.save(force_insert=True)
    except BaseException:
        writer.discard()
        raise
    audit_record(action="import.upload", actor=owner, request=request, target_kind="import", target_id=job.id,
                 details={"format": job.source_format, "records": job.records_planned, "files": job.files_planned,
                          "left": job.left_count})
    return job


def _preview_json(plan) -> bytes:
    document = {
        "records": [{"kind": r.kind, "label": r.label, "files": [f.name for f in r.files]} for r in plan.records],
        "files": [f.name for f in plan.files],
        "left": [{"source": item.source, "what": item.what, "reason": item.reason} for item in plan.left],
    }
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def import_preview(*, job: ImportJob) -> dict | None:
    """What the job creates and leaves, while it still holds its key material."""
    if not job.sealed_material or not job.sealed_preview:
        return None
    try:
        material = _material(job)
        return json.loads(open_preview(material, bytes(job.sealed_preview), user_id=job.owner_id, job_id=str(job.id)))
    except IntegrityError:
        return None  # sealed under a server key the keyring no longer holds: see import_confirm


def _material(job: ImportJob) -> JobMaterial:
    return open_material(str(job.id), job.sealed_material_server_version, bytes(job.sealed_material))


def _open(job: ImportJob, material: JobMaterial) -> readers.OpenedSource:
    """The stored source, opened (AgeError and IntegrityError become refusals)."""
    store = get_store()
    context = source_context(user_id=job.owner_id, job_id=str(job.id))
    try:
        if job.source_format == ImportJob.Format.BITWARDEN_ZIP:
            seekable = SeekableSource(store, job.source_blob_key, key=material.source_key, context=context,
                                      ciphertext_size=job.source_ciphertext_size, plaintext_size=job.source_size)
            return readers.open_source(job.source_format, passphrase="", seekable=seekable)
        plaintext = source_stream(store, job.source_blob_key, key=material.source_key, context=context,
                                  size=job.source_ciphertext_size)
        return readers.open_source(job.source_format, passphrase=material.passphrase, plaintext=plaintext)
    except AgeError:
        raise readers.unreadable_export() from None


# ---- confirm ----


def import_confirm(*, owner, keys: VaultKeys, job_id, request=None) -> ImportJob:
    seam("import.confirm.lock")
    try:
        with vault_locked(user_id=owner.pk) as vault:
            job = ImportJob.objects.select_for_update().filter(owner=owner, pk=job_id).first()
            if job is None:
                raise Http404
            if job.state != ImportJob.State.PREVIEW:
                raise not_in_preview()
            _refuse_while_busy(vault)
            try:
                keys = keyset_sync(vault=vault, keys=keys)
            except IntegrityError:
                raise VaultLocked() from None  # the PIN changed since this session began
            try:
                material = _material(job)
            except IntegrityError:
                raise ImportRefused("import_unreadable", "This import can no longer be read (the server's keys "
                                    "changed since the upload); upload the file again.", 409) from None
            material.vault_keys = {keys.current_version: keys.current}
            job.sealed_material_server_version, job.sealed_material = seal_material(str(job.id), material)
            job.state, job.started_at, job.progressed_at = ImportJob.State.RUNNING, timezone.now(), timezone.now()
            job.save(update_fields=["sealed_material_server_version", "sealed_material", "state", "started_at",
                                    "progressed_at"])
            audit_record(action="import.start", actor=owner, request=request, target_kind="import", target_id=job.id,
                         details={"format": job.source_format, "records": job.records_planned,
                                  "files": job.files_planned})
            transaction.on_commit(lambda: _enqueue(job.id))
    except DbIntegrityError:
        raise import_running() from None
    return job


def _refuse_while_busy(vault) -> None:
    """Under the vault lock: no rotation running, no other long job (vault.busy)."""
    if RotationJob.objects.filter(vault=vault, state=RotationJob.State.RUNNING).exists():
        raise rotation_running()
    vault_busy_refuse(vault=vault, besides="imports")
    if ImportJob.objects.filter(owner_id=vault.user_id, state=ImportJob.State.RUNNING).exists():
        raise import_running()


def import_cancel(*, owner, job_id, request=None) -> None:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(owner=owner, pk=job_id).first()
        if job is None:
            raise Http404
        if job.state != ImportJob.State.PREVIEW:
            raise not_in_preview()
        job.state, job.finished_at = ImportJob.State.CANCELLED, timezone.now()
        _end(job)
    audit_record(action="import.cancel", actor=owner, request=request, target_kind="import", target_id=job.id)


def _end(job: ImportJob) -> None:
    """The job's key material goes with it, and (after commit) its stored source."""
    blob_key = job.source_blob_key
    job.sealed_material, job.sealed_preview, job.source_blob_key = b"", b"", ""
    job.save(update_fields=["state", "finished_at", "sealed_material", "sealed_preview", "source_blob_key",
                            "error_code", "error_detail", "records_created", "files_created"])
    transaction.on_commit(lambda: source_delete(get_store(), blob_key))


def _enqueue(job_id, countdown: float = 0) -> None:
    from .tasks import import_step

    import_step.apply_async((str(job_id),), countdown=countdown)


# ---- the worker ----


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
            _fail(job, refusal.code, refusal.detail)
        except AgeError:
            refusal = readers.unreadable_export()  # cut off or tampered: found as it is read
            _fail(job, refusal.code, refusal.detail)
        except IntegrityError:
            _fail(job, "import_integrity", "The stored source could not be read back intact.")
        except Vault.DoesNotExist:
            _fail(job, "vault_gone", "The vault no longer exists.")
        return StepResult(finished=True)


def _step(job: ImportJob, budget: float) -> StepResult:
    material = _material(job)
    opened = _open(job, material)
    plan = opened.plan
    planned = {f.ref: (index, f) for index, r in enumerate(plan.records) for f in r.files}
    planned.update({f.ref: (None, f) for f in plan.files})
    staged = _staged_clean(job)
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


def _staged_clean(job: ImportJob) -> dict[str, ImportFile]:
    """The files staged so far; a half-written one (its worker died) is deleted."""
    store = get_store()
    for half in ImportFile.objects.filter(job=job, state=ImportFile.State.WRITING):
        source_delete(store, half.blob_key)
        half.delete()
    return {f.ref: f for f in ImportFile.objects.filter(job=job)}


def _stage(job: ImportJob, material: JobMaterial, file, record_index, pieces) -> ImportFile:
    version = max(material.vault_keys)
    keys = VaultKeys(kek=b"", vault_keys=dict(material.vault_keys))
    upload = file_upload_start(owner=job.owner, keys=keys, filename=file.name, declared_type=None,
                               expected_size=file.size)
    # The row names the blob before a byte is written, so a killed worker's half blob
    # is found (and GC keeps a staged one while the job runs).
    staged = ImportFile.objects.create(
        job=job, ref=file.ref, record_index=record_index, file_id=upload.file_id, blob_key=upload.blob_key,
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
            raise ImportRefused("import_file_mismatch", f"The file '{file.name}' does not match its size or SHA-256.")
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
        files = [file_build(staged=f, owner_id=job.owner_id,
                            record_id=records[f.record_index].pk if f.record_index is not None else None)
                 for f in staged.values()]
        File.objects.bulk_create(files, batch_size=500)
        for record in records:
            record_event(action="record.create", record=record, by_system=True, via="import")
        for file in files:
            file_event(action="file.create", file=file, by_system=True, via="import")
        ImportFile.objects.filter(job=job).delete()
        job.state, job.finished_at = ImportJob.State.DONE, timezone.now()
        job.records_created, job.files_created = len(records), len(files)
        _end(job)
        audit_record(action="import.finish", subject=job.owner, target_kind="import", target_id=job.id,
                     details={"records": len(records), "files": len(files), "left": job.left_count})


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
        _end(job)
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
        _enqueue(job_id)
    return ids


def _expire_previews() -> None:
    """A preview nobody confirmed within a day ends, and its stored source with it."""
    cutoff = timezone.now() - timedelta(seconds=settings.COFFER_IMPORT_PREVIEW_SECONDS)
    for job_id in ImportJob.objects.filter(state=ImportJob.State.PREVIEW, created_at__lte=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.state == ImportJob.State.PREVIEW:
                job.state, job.finished_at = ImportJob.State.CANCELLED, timezone.now()
                _end(job)
