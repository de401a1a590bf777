"""The canonical form of an audit event and its chain hash. Pure: no Django import."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_event(fields: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes docs/audit.md describes."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_event(fields)).hexdigest()
