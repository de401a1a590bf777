"""How a decrypted record is shown: secret fields masked unless revealed, the
expiry flag and derived fields computed. Shared by the API and the web UI."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from django.utils import timezone

from .etags import etag_for
from .schemas import KINDS, Kind
from .selectors import OpenedRecord

MASK = "••••"


def mask_partly(value: str) -> str:
    """`•••• 4242`: the last four characters of long values, two of middling ones,
    none of short ones, so a mask never gives away most of a number."""
    chars = [char for char in value if char.isalnum()]
    visible = 4 if len(chars) >= 12 else 2 if len(chars) >= 6 else 0
    return f"{MASK} {''.join(chars[-visible:])}" if visible else MASK


@cache
def _field_order(kind_name: str) -> tuple[str, ...]:
    return tuple(KINDS[kind_name].serializer().fields)


def in_schema_order(kind: Kind, data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in _field_order(kind.name) if key in data}


def masked_data(kind: Kind, data: dict[str, Any]) -> dict[str, Any]:
    shown = {}
    for key, value in in_schema_order(kind, data).items():
        if key in kind.fully_masked:
            shown[key] = MASK
        elif key in kind.partly_masked:
            shown[key] = mask_partly(value)
        else:
            shown[key] = value
    return shown


def present_record(opened: OpenedRecord, *, reveal: bool = False, today: date | None = None) -> dict[str, Any]:
    record, payload = opened.record, opened.payload
    shown: dict[str, Any] = {
        "id": record.pk,
        "kind": record.kind,
        "schema_version": record.schema_version,
        "revision": record.revision,
        "etag": etag_for(record.revision),
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "revealed": False,
        "integrity_error": payload is None,
        "label": None,
        "data": None,
        "expired": None,
    }
    if payload is None:
        return shown
    kind = KINDS[record.kind]
    data = in_schema_order(kind, payload.data) if reveal else masked_data(kind, payload.data)
    shown.update(
        revealed=reveal,
        label=payload.label,
        data={**data, **kind.derived(payload.data)},
        expired=kind.expired(payload.data, today=today or timezone.localdate()),
    )
    return shown
