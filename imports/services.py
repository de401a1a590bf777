"""Imports: upload and preview, confirm, run (resumable), commit or fail as a whole.

    import_create   the source is stored encrypted, read, and its preview sealed; nothing
                    is written to the vault (state preview)
    import_confirm  under the vault lock, refused while a rotation (or export) runs;
                    the vault key is sealed to the job, which starts (state running)
    import_step     the worker (imports/worker.py)
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from django.db import IntegrityError as DbIntegrityError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from audit.services import audit_record
from coffer.seams import seam
from exports.age import AgeError
from storage.factory import get_store
from vault.busy import vault_busy_refuse
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.locking import keyset_sync, vault_locked
from vault.models import RotationJob
from vault.services import VaultLocked

from . import readers
from .errors import ImportRefused, import_running, not_in_preview, rotation_running
from .material import JobMaterial, new_material, open_material, open_preview, seal_material, seal_preview, source_context
from .models import ImportJob
from .source import SeekableSource, SourceStorageUnavailable, SourceWriter, source_delete, source_stream


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
        try:
            opened = source_open(job, incoming.material)
        except IntegrityError:
            raise SourceStorageUnavailable() from None  # the object just written reads back damaged
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
        material = job_material(job)
        return json.loads(open_preview(material, bytes(job.sealed_preview), user_id=job.owner_id, job_id=str(job.id)))
    except IntegrityError:
        return None  # sealed under a server key the keyring no longer holds: see import_confirm


def job_material(job: ImportJob) -> JobMaterial:
    return open_material(str(job.id), job.sealed_material_server_version, bytes(job.sealed_material))


def source_open(job: ImportJob, material: JobMaterial) -> readers.OpenedSource:
    """The stored source, opened; a wrong passphrase or damaged export is a refusal.
    IntegrityError (the stored object itself damaged) reaches the caller."""
    store = get_store()
    context = source_context(user_id=job.owner_id, job_id=str(job.id))
    try:
        if job.source_format in readers.ZIP_FORMATS:
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
                material = job_material(job)
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
            transaction.on_commit(lambda: job_enqueue(job.id))
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
        job_end(job)
    audit_record(action="import.cancel", actor=owner, request=request, target_kind="import", target_id=job.id)


def job_end(job: ImportJob) -> None:
    """The job's key material goes with it, and (after commit) its stored source."""
    blob_key = job.source_blob_key
    job.sealed_material, job.sealed_preview, job.source_blob_key = b"", b"", ""
    job.save(update_fields=["state", "finished_at", "sealed_material", "sealed_preview", "source_blob_key",
                            "error_code", "error_detail", "records_created", "files_created"])
    transaction.on_commit(lambda: source_delete(get_store(), blob_key))


def job_enqueue(job_id, countdown: float = 0) -> None:
    from .tasks import import_step

    import_step.apply_async((str(job_id),), countdown=countdown)
