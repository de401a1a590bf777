"""Reading records. Every lookup goes through the owner; a foreign id is a 404."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys

from .errors import RecordNotFound
from .events import record_integrity_failure
from .models import Record
from .sealing import Payload, open_payload, unwrap_dek


@dataclass(frozen=True)
class OpenedRecord:
    record: Record
    # None only in lists, for a record that failed its integrity check.
    payload: Payload | None


def _record_uuid(record_id) -> uuid.UUID:
    if isinstance(record_id, uuid.UUID):
        return record_id
    try:
        return uuid.UUID(str(record_id))
    except ValueError:
        raise RecordNotFound() from None


def record_get(*, owner, record_id: str | uuid.UUID, for_update: bool = False) -> Record:
    records = Record.objects.filter(owner=owner)
    if for_update:
        records = records.select_for_update()
    record = records.filter(id=_record_uuid(record_id)).first()
    if record is None:
        raise RecordNotFound()
    return record


def record_list(*, owner, kind: str | None = None) -> QuerySet[Record]:
    records = Record.objects.filter(owner=owner)
    if kind is not None:
        records = records.filter(kind=kind)
    return records.order_by("-created_at", "-id")


def record_unseal(*, record: Record, keys: VaultKeys) -> tuple[bytes, Payload]:
    """The record's DEK and payload. Raises IntegrityError; audits nothing."""
    dek = unwrap_dek(
        keys=keys,
        wrapped_dek=record.wrapped_dek,
        user_id=record.owner_id,
        record_id=str(record.pk),
        vault_key_version=record.vault_key_version,
    )
    payload = open_payload(
        dek=dek,
        ciphertext=record.ciphertext,
        user_id=record.owner_id,
        record_id=str(record.pk),
        dek_version=record.dek_version,
        kind=record.kind,
        schema_version=record.schema_version,
    )
    return dek, payload


def record_open(*, record: Record, keys: VaultKeys, request=None, operation: str = "read") -> OpenedRecord:
    """Decrypts a record; a failure is audited, then raised (the API answers 409)."""
    try:
        _, payload = record_unseal(record=record, keys=keys)
    except IntegrityError:
        record_integrity_failure(record=record, request=request, operation=operation)
        raise
    return OpenedRecord(record=record, payload=payload)


def record_open_many(*, records: Iterable[Record], keys: VaultKeys, request=None) -> list[OpenedRecord]:
    """Decrypts a page of records. A damaged one is audited and comes back without
    a payload, so one bad row does not hide the others."""
    opened = []
    for record in records:
        try:
            opened.append(record_open(record=record, keys=keys, request=request, operation="list"))
        except IntegrityError:
            opened.append(OpenedRecord(record=record, payload=None))
    return opened


def record_read(*, owner, keys: VaultKeys, record_id, request=None) -> OpenedRecord:
    return record_open(record=record_get(owner=owner, record_id=record_id), keys=keys, request=request)
