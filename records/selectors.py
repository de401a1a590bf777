"""Reading records. Every lookup goes through the owner; a foreign id is a 404."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from coffer.lookups import parse_uuid
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys

from .errors import RecordNotFound
from .events import record_integrity_failure
from .models import Record
from .schemas import KINDS
from .sealing import Payload, open_payload, unwrap_dek


@dataclass(frozen=True)
class OpenedRecord:
    record: Record
    # None only in lists, for a record that failed its integrity check.
    payload: Payload | None


def _record_uuid(record_id) -> uuid.UUID:
    parsed = parse_uuid(record_id)
    if parsed is None:
        raise RecordNotFound()
    return parsed


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


# The longest search the API accepts, in characters.
SEARCH_MAX_LENGTH = 100


_NOT_ALNUM = re.compile(r"[\W_]+")
# Joins a record's values so that no word matches across two of them.
_BETWEEN = "\x00"


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _compact(text: str) -> str:
    """Letters and digits only, so `C01X 00T47` finds `C01X00T47`."""
    return _NOT_ALNUM.sub("", text)


def _searchable_values(opened: OpenedRecord) -> list[str]:
    """The label, the kind and every field but the fully secret ones (a CVV, an MRZ,
    a note's text), folded. Document numbers count: the owner may look one up."""
    record, payload = opened.record, opened.payload
    secret = KINDS[record.kind].fully_masked
    values = [payload.label, record.kind, record.kind.replace("_", " ")]
    values += [str(value) for key, value in payload.data.items() if key not in secret and value is not None]
    return [_folded(value) for value in values if value]


def search_matches(opened: OpenedRecord, query: str) -> bool:
    """Every word of the query appears within one searchable value of the record,
    as typed or with spaces and punctuation left out."""
    if opened.payload is None:
        return False
    values = _searchable_values(opened)
    text = _BETWEEN.join(values)
    compact = _BETWEEN.join(map(_compact, values))
    for term in _folded(query).split():
        term_compact = _compact(term)
        if term not in text and not (term_compact and term_compact in compact):
            return False
    return True


def record_search(*, owner, keys: VaultKeys, query: str, kind: str | None = None, request=None) -> list[OpenedRecord]:
    """Decrypt-and-match within the request: no index of any kind is stored
    (docs/records.md, Search). Newest first, like record_list."""
    opened = record_open_many(records=record_list(owner=owner, kind=kind), keys=keys, request=request)
    return [item for item in opened if search_matches(item, query)]
