"""The byte forms Coffer signs for apps and verifiers (docs/attestations.md, docs/sharing.md).

Pure: no Django import, so a verifier, a test vector or the docs can rely on it alone.

Canonical JSON is RFC 8785 (JCS) restricted to integers: objects with keys sorted by
UTF-16 code units, no whitespace, strings escaped as ECMAScript's JSON.stringify does,
UTF-8 output, and numbers only as integers within ±(2**53 - 1). Anything else is refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

CANONICAL_MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2**53 - 1

ATTESTATION_DOMAIN = b"coffer-attestation-v1\n"
GRANT_DOMAIN = b"coffer-grant-v1\n"
REQUEST_DOMAIN = "coffer-app-request-v1"

ATTESTATION_VERSION = 1
ATTESTATION_KEYS = frozenset({"version", "user_id", "purpose", "issued_at", "payload"})

# Version 2 added each record's `scans`; version 1 grants, issued before, still open.
GRANT_VERSION = 2
GRANT_ENVELOPE_VERSION = b"\x01"
SIGNATURE_SIZE = 64
GRANT_KEYS = frozenset({"version", "grant_id", "app_id", "user_id", "issued_at", "expires_at", "records"})
GRANT_RECORD_KEYS = {
    1: frozenset({"id", "kind", "schema_version", "label", "fields"}),
    2: frozenset({"id", "kind", "schema_version", "label", "fields", "scans"}),
}
GRANT_SCAN_KEYS = frozenset({"id", "role", "content_type", "size", "sha256", "key"})
SCAN_CONTEXT_DOMAIN = "coffer-grant-scan-v1"


class CanonicalError(ValueError):
    """A value or byte string that has no canonical form, or is not in it."""


# ---- canonical JSON ----


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _string(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError("strings must be well-formed Unicode (no lone surrogates)") from None
    # ensure_ascii=False escapes exactly ", \, \b \f \n \r \t and other controls as \u00xx.
    return json.dumps(text, ensure_ascii=False)


def _encode(value: Any, depth: int, out: list[str]) -> None:
    if depth > CANONICAL_MAX_DEPTH:
        raise CanonicalError(f"nesting deeper than {CANONICAL_MAX_DEPTH} levels")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalError("integers must lie within ±(2**53 - 1)")
        out.append(str(int(value)))
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, depth + 1, out)
        out.append("]")
    elif isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise CanonicalError("object keys must be strings")
        out.append("{")
        for index, key in enumerate(sorted(value, key=_utf16_order)):
            if index:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _encode(value[key], depth + 1, out)
        out.append("}")
    elif isinstance(value, float):
        raise CanonicalError("numbers must be integers; send decimals as strings or scaled integers")
    else:
        raise CanonicalError(f"{type(value).__name__} has no JSON form")


def canonical_json(value: Any) -> bytes:
    out: list[str] = []
    _encode(value, 0, out)
    return "".join(out).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise CanonicalError("duplicate object key")
    return document


def _refuse_number(text: str):
    raise CanonicalError("numbers must be integers")


def parse_canonical(raw: bytes) -> Any:
    """Parses bytes that MUST already be canonical JSON; anything else is refused."""
    try:
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_refuse_number,
            parse_constant=_refuse_number,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise CanonicalError("not canonical JSON") from None
    if canonical_json(value) != raw:
        raise CanonicalError("not canonical JSON")
    return value


# ---- attestations ----


def attestation_document(*, user_id: int, purpose: str, issued_at: int, payload: Any) -> dict[str, Any]:
    return {
        "version": ATTESTATION_VERSION,
        "user_id": user_id,
        "purpose": purpose,
        "issued_at": issued_at,
        "payload": payload,
    }


def attestation_message(document: dict[str, Any]) -> bytes:
    """The exact bytes the user's Ed25519 key signs."""
    return ATTESTATION_DOMAIN + canonical_json(document)


def attestation_parse(message: bytes) -> dict[str, Any]:
    """The document inside signed attestation bytes, checked for shape and canonical form."""
    if not message.startswith(ATTESTATION_DOMAIN):
        raise CanonicalError("not an attestation")
    document = parse_canonical(message[len(ATTESTATION_DOMAIN):])
    if not isinstance(document, dict) or set(document) != ATTESTATION_KEYS:
        raise CanonicalError("not an attestation")
    if document["version"] != ATTESTATION_VERSION:
        raise CanonicalError("unknown attestation version")
    well_typed = (
        _is_int(document["user_id"]) and _is_int(document["issued_at"]) and isinstance(document["purpose"], str)
    )
    if not well_typed:
        raise CanonicalError("not an attestation")
    return document


# ---- grants ----


def grant_message(document_bytes: bytes) -> bytes:
    """The exact bytes the user's Ed25519 key signs for a grant."""
    return GRANT_DOMAIN + document_bytes


def grant_envelope(*, signature: bytes, document_bytes: bytes) -> bytes:
    """The plaintext sealed to the app: version 0x01 || signature (64) || canonical document."""
    if len(signature) != SIGNATURE_SIZE:
        raise CanonicalError("an Ed25519 signature is 64 bytes")
    return GRANT_ENVELOPE_VERSION + signature + document_bytes


def grant_envelope_split(plaintext: bytes) -> tuple[bytes, bytes]:
    """(signature, document bytes) from an unsealed grant envelope."""
    if len(plaintext) < 1 + SIGNATURE_SIZE + 2 or plaintext[:1] != GRANT_ENVELOPE_VERSION:
        raise CanonicalError("not a grant envelope")
    return plaintext[1 : 1 + SIGNATURE_SIZE], plaintext[1 + SIGNATURE_SIZE :]


def _is_grant_record(item: Any, version: int) -> bool:
    if not isinstance(item, dict) or set(item) != GRANT_RECORD_KEYS[version] or not isinstance(item["fields"], dict):
        return False
    scans = item.get("scans", [])
    return isinstance(scans, list) and all(isinstance(scan, dict) and set(scan) == GRANT_SCAN_KEYS for scan in scans)


def grant_parse(document_bytes: bytes) -> dict[str, Any]:
    document = parse_canonical(document_bytes)
    if not isinstance(document, dict) or set(document) != GRANT_KEYS or document["version"] not in GRANT_RECORD_KEYS:
        raise CanonicalError("not a grant")
    records = document["records"]
    if not isinstance(records, list) or not all(_is_grant_record(item, document["version"]) for item in records):
        raise CanonicalError("not a grant")
    return document


def scan_stream_context(*, grant_id: str, scan_id: str) -> bytes:
    """The stream context (docs/format-stream.md) of a scan shared in a grant: ASCII lines
    of the domain, the grant id and the scan id, both lowercase hyphenated UUIDs."""
    return f"{SCAN_CONTEXT_DOMAIN}\n{grant_id}\n{scan_id}".encode("ascii")


# ---- signed app requests ----


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def request_message(*, app_id: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What an app signs for each request. `app_id` is empty when registering."""
    lines = [REQUEST_DOMAIN, app_id, method.upper(), path, timestamp, nonce, body_digest(body)]
    return "\n".join(lines).encode("utf-8")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
