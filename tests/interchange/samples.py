"""An export's records.json document (docs/export.md) holding one record of every kind."""

from __future__ import annotations

import hashlib

from tests.records.samples import KIND_NAMES, valid

RECORD_IDS = {kind: f"00000000-0000-4000-8000-{index:012d}" for index, kind in enumerate(KIND_NAMES, start=1)}
SCAN = b"%PDF-1.7 a scan\n"


def revealed(kind: str) -> dict:
    """The data as the API shows it revealed: canonical, derived fields added."""
    from records.schemas import KINDS

    spec = KINDS[kind]
    data = spec.validate(valid(kind))
    return {**data, **spec.derived(data)}


def export_document() -> dict:
    records = []
    for kind in KIND_NAMES:
        records.append({
            "id": RECORD_IDS[kind], "kind": kind, "label": f"My {kind}", "schema_version": 1,
            "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-02-03T04:05:06Z",
            "fields": revealed(kind), "files": [],
        })
    records[0]["files"].append({
        "id": "11111111-1111-4111-8111-111111111111", "name": "scan.pdf", "path": "files/My id_card/scan.pdf",
        "size": len(SCAN), "sha256": hashlib.sha256(SCAN).hexdigest(), "content_type": "application/pdf",
        "created_at": "2026-01-02T03:04:05Z",
    })
    loose = {
        "id": "22222222-2222-4222-8222-222222222222", "name": "lease.pdf", "path": "files/lease.pdf",
        "size": 3, "sha256": hashlib.sha256(b"abc").hexdigest(), "content_type": "application/pdf",
        "created_at": "2026-01-02T03:04:05Z",
    }
    return {"format": "coffer-export", "version": 1, "exported_at": "2026-03-01T00:00:00Z",
            "username": "alice", "records": records, "files": [loose]}
