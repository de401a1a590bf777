"""Writing records: create, update, delete, reveal, and the re-wrap and re-encrypt
steps that key rotation reuses. Every write is audited; no event holds a value."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from coffer.seams import seam
from corrections.services import corrections_after_record_update
from reminders.services import reminders_forget, reminders_retag, reminders_sync
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.locking import keyset_sync, vault_locked
from vault.services import VaultLocked

from .errors import PayloadTooLarge, PreconditionFailed
from .etags import etag_for
from .events import record_event, record_integrity_failure
from .models import Record
from .schemas import KINDS, Kind
from .sealing import Payload, encode_payload, new_dek, seal_payload, unwrap_dek, wrap_dek
from .selectors import OpenedRecord, record_get, record_open, record_unseal


def _kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValidationError({"kind": [f"'{name}' is not a kind of record."]}) from None


def _encode_within_limit(payload: Payload) -> bytes:
    raw = encode_payload(payload)
    limit = settings.COFFER_RECORD_MAX_BYTES
    if len(raw) > limit:
        raise PayloadTooLarge(limit=limit)
    return raw


def _seal_into(record: Record, *, dek: bytes, raw: bytes) -> None:
    record.ciphertext = seal_payload(
        dek=dek,
        payload=raw,
        user_id=record.owner_id,
        record_id=str(record.pk),
        dek_version=record.dek_version,
        kind=record.kind,
        schema_version=record.schema_version,
    )
    record.ciphertext_size = len(record.ciphertext)


def _wrap_into(record: Record, *, keys: VaultKeys, dek: bytes, vault_key_version: int) -> None:
    record.wrapped_dek = wrap_dek(
        vault_key=keys.key(vault_key_version),
        dek=dek,
        user_id=record.owner_id,
        record_id=str(record.pk),
        vault_key_version=vault_key_version,
    )
    record.vault_key_version = vault_key_version


def merge_data(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Field-wise merge: a key replaces the stored value, a null removes it."""
    merged = {**current, **changes}
    return {key: value for key, value in merged.items() if value is not None}


# ---- create ----


def record_create(*, owner, keys: VaultKeys, kind: str, label: str, data: Any, request=None) -> OpenedRecord:
    spec = _kind(kind)
    payload = Payload(label=label, data=spec.validate(data))
    raw = _encode_within_limit(payload)
    now = timezone.now()
    record = Record(
        id=uuid.uuid4(),
        owner=owner,
        kind=spec.name,
        schema_version=spec.schema_version,
        created_at=now,
        updated_at=now,
        revision=1,
        dek_version=1,
    )
    dek = new_dek()
    _seal_into(record, dek=dek, raw=raw)
    seam("record.create.commit")
    with vault_locked(user_id=owner.pk) as vault:
        # The DEK is wrapped here, under the newest version as of this commit.
        keys = _keys_now(vault, keys)
        _wrap_into(record, keys=keys, dek=dek, vault_key_version=keys.current_version)
        record.save(force_insert=True)
        if spec.expires_on(payload.data) is not None:
            # A new record has no reminder rows, and one without an expiry date gets none:
            # reminders_sync would only delete nothing and read the owner's setting (2 queries).
            reminders_sync(owner=owner, keys=keys, record_id=record.pk, kind=record.kind, data=payload.data)
        record_event(action="record.create", record=record, request=request)
    return OpenedRecord(record=record, payload=payload)


def _keys_now(vault, keys: VaultKeys) -> VaultKeys:
    """The caller's keys as the vault holds them under its lock (see vault.locking)."""
    try:
        return keyset_sync(vault=vault, keys=keys)
    except IntegrityError:
        raise VaultLocked() from None  # the PIN changed since this session began


# ---- update ----


class _Damaged(Exception):
    def __init__(self, record: Record):
        self.record = record


def record_update(
    *,
    owner,
    keys: VaultKeys,
    record_id,
    expected_revisions: frozenset[int],
    label: str | None = None,
    data: Mapping[str, Any] | None = None,
    request=None,
) -> OpenedRecord:
    """Changes the label and/or data (merged field-wise, then validated as a whole).

    The vault row, then the record row, are locked for the read-modify-write, so a
    concurrent update either waits and then fails its If-Match (412), or never
    started: none is lost. A record still under an old vault key version moves to
    the newest on the way.
    """
    seam("record.update.begin")
    try:
        with vault_locked(user_id=owner.pk) as vault:
            keys = _keys_now(vault, keys)
            record = record_get(owner=owner, record_id=record_id, for_update=True)
            if record.revision not in expected_revisions:
                raise PreconditionFailed(etag=etag_for(record.revision))
            try:
                dek, current = record_unseal(record=record, keys=keys)
            except IntegrityError:
                raise _Damaged(record) from None
            moved = record.vault_key_version != keys.current_version
            if moved:
                _wrap_into(record, keys=keys, dek=dek, vault_key_version=keys.current_version)
            spec = _kind(record.kind)
            new_data = current.data if data is None else merge_data(current.data, data)
            payload = Payload(label=current.label if label is None else label, data=spec.validate(new_data))
            record.schema_version = spec.schema_version
            _seal_into(record, dek=dek, raw=_encode_within_limit(payload))
            record.revision += 1
            record.updated_at = timezone.now()
            record.save(update_fields=["schema_version", "ciphertext", "ciphertext_size", "revision", "updated_at",
                                       *(["wrapped_dek", "vault_key_version"] if moved else [])])
            reminders_sync(owner=owner, keys=keys, record_id=record.pk, kind=record.kind, data=payload.data)
            record_event(action="record.update", record=record, request=request)
            corrections_after_record_update(owner=owner, record_id=record.pk, before=current, after=payload,
                                            request=request)
    except _Damaged as damaged:
        # Audited outside the rolled-back transaction, so the event survives.
        record_integrity_failure(record=damaged.record, request=request, operation="update")
        raise IntegrityError() from None
    return OpenedRecord(record=record, payload=payload)


# ---- delete ----


def record_delete(
    *, owner, record_id, expected_revisions: frozenset[int] | None = None, keys: VaultKeys | None = None, request=None
) -> None:
    """Deletes a record. An If-Match, when sent, must still hold. With the vault's
    keys, its expiry reminders go too (only an unlocked vault can find them)."""
    with transaction.atomic():
        record = record_get(owner=owner, record_id=record_id, for_update=True)
        if expected_revisions is not None and record.revision not in expected_revisions:
            raise PreconditionFailed(etag=etag_for(record.revision))
        record_event(action="record.delete", record=record, request=request)
        if keys is not None:
            reminders_forget(owner=owner, keys=keys, record_id=record.pk)
        record.delete()


# ---- reveal ----


def record_reveal(*, owner, keys: VaultKeys, record_id, request=None) -> OpenedRecord:
    """Opens a record to show its secret fields unmasked. Every reveal is audited."""
    opened = record_open(
        record=record_get(owner=owner, record_id=record_id), keys=keys, request=request, operation="reveal"
    )
    record_event(action="record.reveal", record=opened.record, request=request)
    return opened


# ---- key rotation steps (DESIGN §5); the rotation job calls these per record ----


def record_rewrap(*, record_id, owner, keys: VaultKeys, to_version: int) -> Record:
    """Re-wraps the record's DEK under vault key `to_version`. The payload is untouched,
    so the revision (and ETag) stays. Idempotent."""
    with vault_locked(user_id=_owner_id(owner)):
        record = record_get(owner=owner, record_id=record_id, for_update=True)
        if record.vault_key_version != to_version:
            dek = unwrap_dek(
                keys=keys, wrapped_dek=record.wrapped_dek, user_id=record.owner_id,
                record_id=str(record.pk), vault_key_version=record.vault_key_version,
            )
            _wrap_into(record, keys=keys, dek=dek, vault_key_version=to_version)
            record.save(update_fields=["wrapped_dek", "vault_key_version"])
            reminders_retag(owner_id=record.owner_id, keys=keys, record_id=record.pk, to_version=to_version)
    return record


def record_reencrypt(*, record_id, owner, keys: VaultKeys, to_version: int | None = None) -> Record:
    """Seals the payload under a fresh DEK (dek_version + 1), wrapped by vault key
    `to_version` (the current one by default), and checks the new blob opens
    before it replaces the old one, in one transaction."""
    with vault_locked(user_id=_owner_id(owner)):
        record = record_get(owner=owner, record_id=record_id, for_update=True)
        _, payload = record_unseal(record=record, keys=keys)
        dek = new_dek()
        record.dek_version += 1
        _wrap_into(record, keys=keys, dek=dek, vault_key_version=to_version or keys.current_version)
        _seal_into(record, dek=dek, raw=encode_payload(payload))
        if record_unseal(record=record, keys=keys)[1] != payload:
            raise IntegrityError()  # pragma: no cover - a bug, never a user error
        record.save(update_fields=["dek_version", "wrapped_dek", "vault_key_version", "ciphertext", "ciphertext_size"])
        reminders_retag(owner_id=record.owner_id, keys=keys, record_id=record.pk, to_version=record.vault_key_version)
    return record


def _owner_id(owner) -> int:
    return owner if isinstance(owner, int) else owner.pk
