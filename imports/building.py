"""Rows an import commits: records sealed as records.services seals them (each with
its own DEK), and file rows for blobs the job staged. Built before the vault lock;
saved inside it (imports.services.import_commit)."""

from __future__ import annotations

import uuid

from django.utils import timezone

from files.models import File
from interchange.plan import PlannedRecord
from records.models import Record
from records.schemas import KINDS
from records.sealing import Payload, encode_payload, new_dek, seal_payload, wrap_dek

from .models import ImportFile


def record_build(*, owner_id: int, vault_key: bytes, vault_key_version: int, planned: PlannedRecord) -> Record:
    """A Record row for checked data (imports.readers.checked), not yet saved."""
    spec = KINDS[planned.kind]
    now = timezone.now()
    record = Record(id=uuid.uuid4(), owner_id=owner_id, kind=spec.name, schema_version=spec.schema_version,
                    created_at=now, updated_at=now, revision=1, dek_version=1, vault_key_version=vault_key_version)
    dek = new_dek()
    record.ciphertext = seal_payload(
        dek=dek, payload=encode_payload(Payload(label=planned.label, data=planned.data)), user_id=owner_id,
        record_id=str(record.pk), dek_version=record.dek_version, kind=record.kind,
        schema_version=record.schema_version,
    )
    record.ciphertext_size = len(record.ciphertext)
    record.wrapped_dek = wrap_dek(vault_key=vault_key, dek=dek, user_id=owner_id, record_id=str(record.pk),
                                  vault_key_version=vault_key_version)
    return record


def file_build(*, staged: ImportFile, owner_id: int, record_id: uuid.UUID | None, role: str = "") -> File:
    return File(
        id=staged.file_id, owner_id=owner_id, record_id=record_id, role=role, blob_key=staged.blob_key,
        content_type=staged.content_type, plaintext_size=staged.plaintext_size,
        ciphertext_size=staged.ciphertext_size, created_at=timezone.now(),
        vault_key_version=staged.vault_key_version, dek_version=staged.dek_version,
        wrapped_dek=bytes(staged.wrapped_dek), sealed_filename=bytes(staged.sealed_filename),
    )
