"""The audit export checker: the program in docs/audit.md §7 (read_jsonl, read_csv, check_export).

Untrusted input: an exported file, which may have been edited since Coffer wrote it.
The input is the file's bytes; the first byte picks JSON Lines or CSV, and whether the
export is checked as contiguous (a date range) or not (filtered by user).

The checker documents no exception: on a malformed file it stops with one, which is a
refusal. What must never happen is an "OK" (no problems) for a file whose content
differs from what Coffer exported: every event it accepts must be an exported event
(fields, prev_hash and hash), in a contiguous run when checked as contiguous, and
every checkpoint it accepts must be an exported one, its event id an integer.
The seed files are real exports (audit.export's writers) of a signed chain.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

from nacl.signing import SigningKey

from fuzz import harness

harness.django_setup()

from audit.export import csv_lines, jsonl_lines  # noqa: E402
from audit.hashing import GENESIS_HASH, canonical_ip, canonical_timestamp, checkpoint_message, event_hash  # noqa: E402

DOCS = harness.ROOT / "docs" / "audit.md"
SIGNING_KEY = SigningKey(bytes(range(32)))
KEY_VERSION = 2
PUBLIC_KEYS = {KEY_VERSION: bytes(SIGNING_KEY.verify_key)}
FORMATS = ("jsonl", "csv")


def _exported_records() -> list[dict]:
    """Six events of a chain, signed at events 3 and 6: what audit_export_records yields."""
    start = datetime(2026, 1, 31, 9, 5, tzinfo=timezone.utc)
    records, prev_hash, hashes = [], GENESIS_HASH, {}
    for n in range(1, 7):
        fields = {
            "id": n,
            "created_at": canonical_timestamp(start + timedelta(seconds=n)),
            "actor_id": 7 if n % 2 else None,
            "actor_label": "alice" if n % 2 else "",
            "subject_user_id": 7,
            "action": ("vault.unlock", "record.reveal", "account.login")[n % 3],
            "outcome": ("success", "failure", "denied")[n % 3],
            "ip_address": canonical_ip(("2001:db8::1", "192.0.2.7", None)[n % 3]),
            "target_kind": "record" if n % 2 else "",
            "target_id": f"rec-{n}" if n % 2 else "",
            "details": {"kind": "passport", "ü": n, "nested": {"b": [1, True, None], "a": "\u2028"}},
        }
        digest = event_hash(prev_hash, fields)
        records.append({"type": "event", "fields": fields, "prev_hash": prev_hash, "hash": digest})
        prev_hash, hashes[n] = digest, digest
    for checkpoint_id, event_id in ((1, 3), (2, 6)):
        created_at = canonical_timestamp(start + timedelta(minutes=event_id))
        message = checkpoint_message(last_event_id=event_id, last_hash=hashes[event_id], created_at=created_at)
        records.append({
            "type": "checkpoint", "id": checkpoint_id, "created_at": created_at, "last_event_id": event_id,
            "last_hash": hashes[event_id], "key_version": KEY_VERSION,
            "signature": SIGNING_KEY.sign(message).signature.hex(), "public_key": PUBLIC_KEYS[KEY_VERSION].hex(),
        })
    return records


RECORDS = _exported_records()
EVENTS = {r["fields"]["id"]: (r["fields"], r["prev_hash"], r["hash"]) for r in RECORDS if r["type"] == "event"}
CHECKPOINTS = {
    (r["last_event_id"], r["last_hash"], r["created_at"]) for r in RECORDS if r["type"] == "checkpoint"
}


def export_bytes(fmt: str) -> bytes:
    lines = jsonl_lines(RECORDS) if fmt == "jsonl" else csv_lines(RECORDS)
    return "".join(lines).encode("utf-8")


class _Checker:
    """docs/audit.md's program, run on bytes in memory instead of a named file."""

    def __init__(self) -> None:
        text = DOCS.read_text(encoding="utf-8")
        code = re.search(r"<!-- verify-export.py -->\n```python\n(.*?)```", text, re.S).group(1)
        self.file = b""
        self.namespace: dict = {"__name__": "docs_audit_checker", "open": self._open}
        exec(compile(code, str(DOCS), "exec"), self.namespace)

    def _open(self, path, encoding=None, newline=None):
        return io.TextIOWrapper(io.BytesIO(self.file), encoding=encoding, newline=newline)

    def records(self, fmt: str, file: bytes) -> list:
        self.file = file
        return list(self.namespace["read_jsonl" if fmt == "jsonl" else "read_csv"]("export"))

    def problems(self, records: list, *, contiguous: bool) -> list:
        return self.namespace["check_export"](records, PUBLIC_KEYS, contiguous)


CHECKER = _Checker()


def _accepted_content_is_exported(records: list, *, contiguous: bool) -> None:
    events = [r for r in records if r["type"] != "checkpoint"]
    for record in events:
        fields = record["fields"]
        exported = EVENTS.get(fields["id"]) if type(fields["id"]) is int else None
        assert exported == (fields, record["prev_hash"], record["hash"]), f"an altered event passed: {record!r}"
    if contiguous:
        ids = [r["fields"]["id"] for r in events]
        assert ids == list(range(ids[0], ids[0] + len(ids))) if ids else True, "events out of order passed"
    for record in records:
        if record["type"] == "checkpoint":
            key = (record["last_event_id"], record["last_hash"], record["created_at"])
            assert type(record["last_event_id"]) is int and key in CHECKPOINTS, (
                f"an altered checkpoint passed: {record!r}"
            )


def one_input(data: bytes) -> None:
    if not data:
        return
    fmt, contiguous, file = FORMATS[data[0] & 1], not data[0] & 2, data[1:]
    try:
        records = CHECKER.records(fmt, file)
        problems = CHECKER.problems(records, contiguous=contiguous)
    except Exception:  # noqa: BLE001 - the program stops on a malformed file: a refusal, never an OK
        return
    if not problems:
        _accepted_content_is_exported(records, contiguous=contiguous)


if __name__ == "__main__":
    harness.main(one_input, instrument=(*harness.DEFAULT_INSTRUMENTED, "audit.export", "csv", "docs_audit_checker"))
