"""Writing reminders: compute a record's rows when it is saved while unlocked, drop
them when it is deleted, and send the due ones (docs/reminders.md).

The rows hold only the owner, a date and an opaque tag; the tag is the only way back
to a record, and only an unlocked vault can compute it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from coffer.seams import seam
from notify.mails import mail_reminder_due
from records.schemas import KINDS
from records.selectors import record_get, record_list, record_unseal
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.hkdf import hkdf_sha256
from vault.crypto.session import VaultKeys
from vault.locking import vault_locked
from vault.rotation.bulk import rows_update

from .models import Reminder, ReminderChoice, ReminderSetting
from .selectors import reminder_setting_get

TAG_PURPOSE = "reminder-tag"
# Kinds that remind by default once the owner turns reminders on.
DEFAULT_KINDS = frozenset({"passport", "id_card"})
# Kinds with an expiry date; the others remind only when their owner turns it on per record.
REMINDABLE_KINDS = frozenset({"passport", "id_card", "driver_licence", "bank_card"})
# A sent row stays this long for the notice on the vault home page, then goes.
SHOWN_DAYS = 30
SEND_BATCH = 100


def _tag_key(*, keys: VaultKeys, version: int, owner_id) -> bytes:
    return hkdf_sha256(keys.key(version), info=Context(TAG_PURPOSE, str(owner_id)).encode())


def _tag_with(tag_key: bytes, *, record_id, model=Reminder) -> bytes:
    prefix = b"choice:" if model is ReminderChoice else b""
    return hmac.new(tag_key, prefix + str(record_id).encode(), hashlib.sha256).digest()


def _tag(*, keys: VaultKeys, version: int, owner_id, record_id, model=Reminder) -> bytes:
    return _tag_with(_tag_key(keys=keys, version=version, owner_id=owner_id), record_id=record_id, model=model)


def _rows_of(*, owner_id, keys: VaultKeys, record_id, versions=None, model=Reminder):
    """The record's rows, under any vault key version this session holds (or those given)."""
    rows = model.objects.none()
    for version in keys.vault_keys if versions is None else versions:
        tag = _tag(keys=keys, version=version, owner_id=owner_id, record_id=record_id, model=model)
        rows = rows | model.objects.filter(owner_id=owner_id, key_version=version, tag=tag)
    return rows


def reminders_wanted(*, owner, keys: VaultKeys, record_id, kind: str) -> bool:
    """Whether this record reminds: its kind's default, unless its owner flipped it."""
    if kind not in REMINDABLE_KINDS:
        return False
    flipped = _rows_of(owner_id=owner.pk, keys=keys, record_id=record_id, model=ReminderChoice).exists()
    return (kind in DEFAULT_KINDS) != flipped


def reminder_choice_set(*, owner, keys: VaultKeys, record_id, on: bool) -> None:
    """Turns one record's reminders on or off, and recomputes its rows at once, under
    the record's lock, so a concurrent update cannot leave rows of its old expiry date.
    An unknown or foreign record is RecordNotFound; a damaged one IntegrityError."""
    with vault_locked(user_id=owner.pk):
        record = record_get(owner=owner, record_id=record_id, for_update=True)
        kind, data, record_id = record.kind, record_unseal(record=record, keys=keys)[1].data, record.pk
        _rows_of(owner_id=owner.pk, keys=keys, record_id=record_id, model=ReminderChoice).delete()
        if kind in REMINDABLE_KINDS and on != (kind in DEFAULT_KINDS):
            version = keys.current_version
            ReminderChoice.objects.create(owner=owner, key_version=version, tag=_tag(
                keys=keys, version=version, owner_id=owner.pk, record_id=record_id, model=ReminderChoice))
        reminders_sync(owner=owner, keys=keys, record_id=record_id, kind=kind, data=data)


def _dates(*, setting: ReminderSetting, expires_on: date, today: date) -> list[date]:
    wanted = {expires_on - timedelta(days=days) for days in setting.offset_days()}
    return sorted(day for day in wanted if day >= today)


def reminders_sync(*, owner, keys: VaultKeys, record_id, kind: str, data: Mapping[str, Any]) -> None:
    """Replaces the record's unsent rows with those its expiry date asks for now.

    Called inside the record's write transaction, so the rows change with the record
    or not at all. A date already mailed for this record is not added again.
    """
    rows = _rows_of(owner_id=owner.pk, keys=keys, record_id=record_id)
    rows.filter(sent_at__isnull=True).delete()
    setting = reminder_setting_get(user=owner)
    expires_on = KINDS[kind].expires_on(data) if kind in KINDS else None
    if not setting.enabled or expires_on is None or not reminders_wanted(
        owner=owner, keys=keys, record_id=record_id, kind=kind
    ):
        return
    mailed = set(rows.values_list("remind_on", flat=True))
    version = keys.current_version
    tag = _tag(keys=keys, version=version, owner_id=owner.pk, record_id=record_id)
    Reminder.objects.bulk_create([
        Reminder(owner=owner, remind_on=day, tag=tag, key_version=version)
        for day in _dates(setting=setting, expires_on=expires_on, today=timezone.localdate())
        if day not in mailed
    ])


def reminders_forget(*, owner, keys: VaultKeys, record_id) -> None:
    """Removes every row of a deleted record, sent or not, and its choice."""
    for model in (Reminder, ReminderChoice):
        _rows_of(owner_id=owner.pk, keys=keys, record_id=record_id, model=model).delete()


def reminders_retag(*, owner_id: int, keys: VaultKeys, record_id, to_version: int) -> None:
    """Moves the record's rows to tags under vault key `to_version`.

    Key rotation calls this where it re-wraps or re-encrypts the record, in the same
    transaction, while the session still holds the old version: once the rotation
    drops that version, no row is left that only the old key could find.
    """
    old = [version for version in keys.vault_keys if version != to_version]
    for model in (Reminder, ReminderChoice):
        tag = _tag(keys=keys, version=to_version, owner_id=owner_id, record_id=record_id, model=model)
        _rows_of(owner_id=owner_id, keys=keys, record_id=record_id, versions=old, model=model).update(
            tag=tag, key_version=to_version
        )


def reminders_retag_many(*, owner_id: int, keys: VaultKeys, record_ids, to_version: int) -> None:
    """`reminders_retag` for many records at once (a rotation batch, in its transaction):
    one lookup per table for the rows under the session's other versions, then one
    update of the rows found. Only records that can remind have rows, so most batches
    find none."""
    old = [version for version in keys.vault_keys if version != to_version]
    record_ids = [str(record_id) for record_id in record_ids]
    if not old or not record_ids:
        return
    new_key = _tag_key(keys=keys, version=to_version, owner_id=owner_id)
    old_keys = {version: _tag_key(keys=keys, version=version, owner_id=owner_id) for version in old}
    for model in (Reminder, ReminderChoice):
        record_of = {
            (version, _tag_with(tag_key, record_id=record_id, model=model)): record_id
            for version, tag_key in old_keys.items() for record_id in record_ids
        }
        found = model.objects.filter(owner_id=owner_id, key_version__in=old, tag__in=[tag for _, tag in record_of])
        moved = []
        for row in found.only("pk", "key_version", "tag"):
            record_id = record_of.get((row.key_version, bytes(row.tag)))
            if record_id is not None:
                row.tag, row.key_version = _tag_with(new_key, record_id=record_id, model=model), to_version
                moved.append(row)
        rows_update(moved, ["tag", "key_version"])


def reminder_setting_update(*, user, enabled: bool, offsets: list[int] | None = None) -> ReminderSetting:
    """Turns reminders on or off; off removes every row of the owner at once."""
    with transaction.atomic():
        setting = ReminderSetting.objects.select_for_update().get_or_create(user=user)[0]
        setting.enabled = enabled
        if offsets is not None:
            setting.offsets = ",".join(str(days) for days in sorted(set(offsets), reverse=True))
        setting.save()
        if not enabled:
            Reminder.objects.filter(owner=user).delete()
    return setting


def reminders_sync_all(*, owner, keys: VaultKeys) -> None:
    """Computes the rows of every record that can remind, when the owner turns reminders
    on or changes the offsets while unlocked. Under the vault lock, so no record update
    interleaves; a record that fails to open is left without rows."""
    with vault_locked(user_id=owner.pk):
        for record in record_list(owner=owner).filter(kind__in=REMINDABLE_KINDS).select_for_update():
            try:
                data = record_unseal(record=record, keys=keys)[1].data
            except IntegrityError:
                continue
            reminders_sync(owner=owner, keys=keys, record_id=record.pk, kind=record.kind, data=data)


def reminders_send_due(*, today: date | None = None) -> int:
    """Mails every due, unsent row once, and returns how many it mailed.

    Each batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED and marked sent in
    the same transaction; the mail goes after the commit. Two runs at once never
    take the same row, and a retry finds it sent.
    """
    today = today or timezone.localdate()
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(remind_on__lte=today, sent_at__isnull=True)
                .select_related("owner").order_by("pk")[:SEND_BATCH]
            )
            if not batch:
                break
            now = timezone.now()
            Reminder.objects.filter(pk__in=[row.pk for row in batch]).update(sent_at=now)
            seam("reminders.send.claimed")  # tests hold a run here, its rows claimed
            for row in batch:
                mail_reminder_due(user=row.owner, on=row.remind_on)
        sent += len(batch)
    Reminder.objects.filter(sent_at__lt=timezone.now() - timedelta(days=SHOWN_DAYS)).delete()
    return sent
