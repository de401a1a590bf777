"""Records in a key rotation job (vault.rotation): the engine lists this handler in
settings.COFFER_ROTATION_HANDLERS and hands it batches of records.

A record moves in one write (DEK re-wrapped, or payload re-sealed under a new DEK),
so it has no half-done state: an item goes straight from pending to done. A batch
moves hundreds of records and marks their items done in the engine's one
transaction, so a crash leaves each record either as it was (under its old version,
which stays until the job ends) or moved with its item done; a retry finds a record
already under the target version and only marks its item done. A record that does
not open is left to `process`, one at a time, which reports it.
"""

from __future__ import annotations

from collections.abc import Iterable

from reminders.services import reminders_retag_many
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.models import RotationItem, RotationJob
from vault.rotation.bulk import rows_update
from vault.rotation.handlers import Batch
from vault.rotation.services import item_advance

from .errors import RecordNotFound
from .events import record_integrity_failure
from .models import Record
from .sealing import encode_payload, new_dek, open_payload, seal_payload, unwrap_dek, wrap_dek
from .services import record_reencrypt, record_rewrap

REWRAP_FIELDS = ["wrapped_dek", "vault_key_version"]
REENCRYPT_FIELDS = ["dek_version", "wrapped_dek", "vault_key_version", "ciphertext", "ciphertext_size"]


class RecordRotationHandler:
    item_kind = "record"

    def stragglers(self, *, job) -> Iterable[tuple[str, int]]:
        records = Record.objects.filter(owner_id=job.vault.user_id).exclude(vault_key_version=job.target_version)
        return [(str(pk), size) for pk, size in records.values_list("pk", "ciphertext_size")]

    def process(self, *, job, item, keys: VaultKeys) -> None:
        owner_id = job.vault.user_id
        try:
            if job.kind == RotationJob.Kind.REWRAP:
                record_rewrap(record_id=item.item_id, owner=owner_id, keys=keys, to_version=job.target_version)
            elif Record.objects.filter(pk=item.item_id, vault_key_version=job.target_version).exists():
                pass  # re-encrypted before a crash cut the item short
            else:
                record_reencrypt(record_id=item.item_id, owner=owner_id, keys=keys, to_version=job.target_version)
        except RecordNotFound:
            pass  # deleted since the job started: nothing left to move
        except IntegrityError:
            damaged = Record.objects.filter(pk=item.item_id).first()
            if damaged is not None:
                record_integrity_failure(record=damaged, operation=f"rotation.{job.kind}", by_system=True)
            raise
        item_advance(item, RotationItem.State.DONE)

    def batches(self, *, job) -> bool:
        return True

    def process_batch(self, *, job, items: list[RotationItem], keys: VaultKeys) -> Batch:
        owner_id, target = job.vault.user_id, job.target_version
        records = Record.objects.select_for_update().filter(owner_id=owner_id, pk__in=[item.item_id for item in items])
        if job.kind == RotationJob.Kind.REWRAP:
            records = records.only("id", "owner_id", "vault_key_version", "wrapped_dek")  # the payload stays as it is
        by_id = {str(record.pk): record for record in records.order_by("pk")}
        batch, changed = Batch(), []
        move = _rewrap if job.kind == RotationJob.Kind.REWRAP else _reencrypt
        for item in items:
            record = by_id.get(item.item_id)
            if record is not None and record.vault_key_version != target:
                try:
                    move(record, keys, target)
                except IntegrityError:
                    batch.left.append(item)  # damaged: `process` reports it, one at a time
                    continue
                changed.append(record)
            batch.moved.append(item)  # moved now, moved before, or deleted since the job began
        rows_update(changed, REWRAP_FIELDS if job.kind == RotationJob.Kind.REWRAP else REENCRYPT_FIELDS)
        reminders_retag_many(owner_id=owner_id, keys=keys, record_ids=[record.pk for record in changed], to_version=target)
        return batch


def _rewrap(record: Record, keys: VaultKeys, target: int) -> None:
    """As records.services.record_rewrap, on a row the batch holds locked."""
    dek = unwrap_dek(keys=keys, wrapped_dek=record.wrapped_dek, user_id=record.owner_id, record_id=str(record.pk),
                     vault_key_version=record.vault_key_version)
    record.wrapped_dek = wrap_dek(vault_key=keys.key(target), dek=dek, user_id=record.owner_id,
                                  record_id=str(record.pk), vault_key_version=target)
    record.vault_key_version = target


def _reencrypt(record: Record, keys: VaultKeys, target: int) -> None:
    """As records.services.record_reencrypt, on a row the batch holds locked: the payload
    re-sealed under a fresh DEK, and checked to open to the same bytes before it counts."""
    old_dek = unwrap_dek(keys=keys, wrapped_dek=record.wrapped_dek, user_id=record.owner_id,
                         record_id=str(record.pk), vault_key_version=record.vault_key_version)
    raw = encode_payload(_open(record, old_dek))
    dek = new_dek()
    record.dek_version += 1
    record.wrapped_dek = wrap_dek(vault_key=keys.key(target), dek=dek, user_id=record.owner_id,
                                  record_id=str(record.pk), vault_key_version=target)
    record.vault_key_version = target
    record.ciphertext = _seal(record, dek, raw)
    record.ciphertext_size = len(record.ciphertext)
    if encode_payload(_open(record, dek)) != raw:
        raise IntegrityError()  # pragma: no cover - a bug, never a user error


def _open(record: Record, dek: bytes):
    return open_payload(dek=dek, ciphertext=bytes(record.ciphertext), user_id=record.owner_id,
                        record_id=str(record.pk), dek_version=record.dek_version, kind=record.kind,
                        schema_version=record.schema_version)


def _seal(record: Record, dek: bytes, raw: bytes) -> bytes:
    return seal_payload(dek=dek, payload=raw, user_id=record.owner_id, record_id=str(record.pk),
                        dek_version=record.dek_version, kind=record.kind, schema_version=record.schema_version)
