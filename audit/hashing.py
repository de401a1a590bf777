"""The canonical form of an audit event, its chain hash and the checkpoint message.

Pure: no Django import. docs/audit.md describes every byte.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from datetime import datetime, timezone
from typing import Any

GENESIS_HASH = "0" * 64
CHECKPOINT_LABEL = b"coffer/audit-checkpoint/v1"


def canonical_event(fields: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes docs/audit.md describes."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_event(fields)).hexdigest()


def canonical_timestamp(moment: datetime) -> str:
    """UTC, always six fractional digits: 2026-01-31T09:05:00.000000Z."""
    if moment.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_ip(text: str | None) -> str | None:
    """One spelling per address, whatever the client, the database or the Python version prints.

    IPv4 (and IPv4-mapped IPv6) as a dotted quad; other IPv6 in RFC 5952 form
    (lowercase, no leading zeros, the longest run of two or more zero groups as
    "::", the first on a tie), with no embedded dotted quad and no zone. Anything
    unparsable is None.
    """
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return ".".join(str(b) for b in address.packed)
    return _ipv6_text(address.packed)


def _ipv6_text(packed: bytes) -> str:
    groups = [int.from_bytes(packed[i : i + 2], "big") for i in range(0, 16, 2)]
    best_start, best_length, i = -1, 0, 0
    while i < 8:
        if groups[i] != 0:
            i += 1
            continue
        j = i
        while j < 8 and groups[j] == 0:
            j += 1
        if j - i > best_length:
            best_start, best_length = i, j - i
        i = j
    hexes = [f"{group:x}" for group in groups]
    if best_length < 2:
        return ":".join(hexes)
    return ":".join(hexes[:best_start]) + "::" + ":".join(hexes[best_start + best_length :])


def checkpoint_message(*, last_event_id: int, last_hash: str, created_at: str) -> bytes:
    """What a checkpoint signs: label, event id, that event's hash and the time, one per line."""
    if len(last_hash) != 64 or not all(c in "0123456789abcdef" for c in last_hash):
        raise ValueError("last_hash must be 64 lowercase hex digits")
    return b"\n".join(
        [CHECKPOINT_LABEL, str(int(last_event_id)).encode("ascii"), last_hash.encode("ascii"),
         created_at.encode("ascii")]
    )
