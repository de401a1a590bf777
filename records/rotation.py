"""Records in a key rotation job (vault.rotation): the engine lists this handler in
settings.COFFER_ROTATION_HANDLERS and calls it once per record.

A record moves in one transaction (DEK re-wrapped, or payload re-sealed under a
new DEK), so it has no half-done state: an item goes straight from pending to
done, and a retry after a crash finds the record already under the target
version and only marks the item done.
"""

from __future__ import annotations

from collections.abc import Iterable

from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.models import RotationItem, RotationJob
from vault.rotation.services import item_advance

from .errors import RecordNotFound
from .events import record_integrity_failure
from .models import Record
from .services import record_reencrypt, record_rewrap


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
