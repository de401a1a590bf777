"""Exports of the audit log (CSV and JSON Lines) that can be checked outside Coffer.

Every event carries its hashed fields exactly as hashed, its prev_hash and its
hash; the checkpoints whose event falls in the export follow, with their
signatures and verify keys. The last exported event always has one (signed at
export time if the periodic ones have not reached it yet). docs/audit.md shows how to check a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from .checkpoints import CHECKPOINT_PURPOSE, checkpoint_at
from .hashing import canonical_event, canonical_timestamp
from .models import AuditEvent, Checkpoint
from .services import event_fields

FORMATS = ("jsonl", "csv")
BATCH_SIZE = 2000

CSV_COLUMNS = [
    "type", "id", "created_at", "actor_id", "actor_label", "subject_user_id", "action", "outcome",
    "ip_address", "target_kind", "target_id", "details", "prev_hash", "hash",
    # checkpoint rows only:
    "last_event_id", "key_version", "signature", "public_key",
]


@dataclass(frozen=True)
class ExportQuery:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    user_id: int | None = None  # events by or about this user

    @property
    def contiguous(self) -> bool:
        """Without a user filter an export holds every event of its range, so links can be checked."""
        return self.user_id is None

    def as_dict(self) -> dict:
        return {
            "from": canonical_timestamp(self.start) if self.start else None,
            "to": canonical_timestamp(self.end) if self.end else None,
            "user_id": self.user_id,
        }


def _matching(query: ExportQuery) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if query.start is not None:
        events = events.filter(created_at__gte=query.start)
    if query.end is not None:
        events = events.filter(created_at__lt=query.end)
    if query.user_id is not None:
        events = events.filter(Q(subject_user_id=query.user_id) | Q(actor_id=query.user_id))
    return events


def audit_export_count(query: ExportQuery) -> int:
    return _matching(query).count()


def audit_export_events(query: ExportQuery) -> Iterator[AuditEvent]:
    events = _matching(query)
    after = 0
    while True:
        batch = list(events.filter(id__gt=after).order_by("id")[:BATCH_SIZE])
        yield from batch
        if len(batch) < BATCH_SIZE:
            return
        after = batch[-1].pk


def _checkpoints(first_id: int, last_id: int) -> list[Checkpoint]:
    return list(
        Checkpoint.objects.filter(last_event_id__gte=first_id, last_event_id__lte=last_id).order_by("last_event_id")
    )


def audit_export_records(query: ExportQuery) -> Iterator[dict]:
    """One dict per line: events in id order, then the checkpoints that fall on them."""
    from vault.keyring import get_key_provider

    first_id = last_id = None
    exported: set[int] = set()
    for event in audit_export_events(query):
        first_id = event.pk if first_id is None else first_id
        last_id = event.pk
        if not query.contiguous:
            exported.add(event.pk)
        yield {"type": "event", "fields": event_fields(event), "prev_hash": event.prev_hash, "hash": event.hash}
    if first_id is None:
        return
    # The checker refuses an export whose last row no checkpoint covers: sign it now if need be.
    checkpoint_at(event_id=last_id)
    provider = get_key_provider()
    for checkpoint in _checkpoints(first_id, last_id):
        if not query.contiguous and checkpoint.last_event_id not in exported:
            continue
        try:
            public_key = provider.verify_key(checkpoint.key_version, purpose=CHECKPOINT_PURPOSE).hex()
        except KeyError:
            public_key = None
        yield {
            "type": "checkpoint",
            "id": checkpoint.pk,
            "created_at": canonical_timestamp(checkpoint.created_at),
            "last_event_id": checkpoint.last_event_id,
            "last_hash": checkpoint.last_hash,
            "key_version": checkpoint.key_version,
            "signature": checkpoint.signature,
            "public_key": public_key,
        }


def jsonl_lines(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        # The same serialisation as the hash input, so `fields` reads exactly as hashed.
        yield canonical_event(record).decode("utf-8") + "\n"


def _csv_row(record: dict) -> list[str]:
    def cell(value) -> str:
        return "" if value is None else str(value)

    if record["type"] == "event":
        fields = record["fields"]
        row = {**fields, "type": "event", "details": canonical_event(fields["details"]).decode("utf-8"),
               "prev_hash": record["prev_hash"], "hash": record["hash"]}
    else:
        row = {"type": "checkpoint", "id": record["id"], "created_at": record["created_at"],
               "last_event_id": record["last_event_id"], "hash": record["last_hash"],
               "key_version": record["key_version"], "signature": record["signature"],
               "public_key": record["public_key"]}
    return [cell(row.get(column)) for column in CSV_COLUMNS]


def csv_lines(records: Iterable[dict]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in records:
        writer.writerow(_csv_row(record))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def audit_export_own(*, user, fmt: str, request=None) -> Iterator[str]:
    """A person's own events (by or about them), the download itself recorded first."""
    from .services import audit_record

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    query = ExportQuery(user_id=user.pk)
    audit_record(action="audit.export", actor=user, request=request, target_kind="audit_chain",
                 details={"format": fmt, "events": audit_export_count(query)})
    return audit_export_lines(query, fmt)


def audit_export_lines(query: ExportQuery, fmt: str) -> Iterator[str]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    records = audit_export_records(query)
    return jsonl_lines(records) if fmt == "jsonl" else csv_lines(records)

