"""Opening sealed grants (docs/sharing.md §3, §5.1) and verifying attestations
(docs/attestations.md §4). Pure functions, usable offline: the caller gives the keys."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.public import PrivateKey, SealedBox
from nacl.signing import VerifyKey

from .canonical import b64decode, canonical_json, is_int, parse_canonical
from .errors import VerificationError

GRANT_DOMAIN = b"coffer-grant-v1\n"
ATTESTATION_DOMAIN = b"coffer-attestation-v1\n"
GRANT_ENVELOPE_VERSION = 0x01
SIGNATURE_SIZE = 64
GRANT_KEYS = frozenset({"version", "grant_id", "app_id", "user_id", "issued_at", "expires_at", "records"})
# Version 2 added each record's `scans` (docs/sharing.md §3.5); version 1 grants still open.
GRANT_RECORD_KEYS = {
    1: frozenset({"id", "kind", "schema_version", "label", "fields"}),
    2: frozenset({"id", "kind", "schema_version", "label", "fields", "scans"}),
}
GRANT_SCAN_KEYS = frozenset({"id", "role", "content_type", "size", "sha256", "key"})
SCAN_CONTEXT_DOMAIN = "coffer-grant-scan-v1"
ATTESTATION_KEYS = frozenset({"version", "user_id", "purpose", "issued_at", "payload"})
CLOCK_SKEW_SECONDS = 300

# Gives the Ed25519 public key (32 bytes) of a user id, from a source the caller trusts.
UserSignKey = Callable[[int], bytes]


@dataclass(frozen=True)
class SharedScan:
    """A scan in a grant: download it with AppClient.download_scan, which decrypts it with
    `key` and checks its SHA-256 against the user's signed `sha256`."""

    id: str
    role: str
    content_type: str
    size: int
    sha256: str
    key: bytes = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        """Everything but the key."""
        return {"id": self.id, "role": self.role, "content_type": self.content_type, "size": self.size,
                "sha256": self.sha256}


@dataclass(frozen=True)
class SharedRecord:
    id: str
    kind: str
    schema_version: int
    label: str
    fields: dict[str, Any]
    scans: tuple[SharedScan, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "schema_version": self.schema_version, "label": self.label,
                "fields": self.fields, "scans": [scan.as_json() for scan in self.scans]}


@dataclass(frozen=True)
class OpenedGrant:
    """A grant that unsealed and verified: the user's own signed statement."""

    grant_id: str
    app_id: str
    user_id: int
    issued_at: int
    expires_at: int
    records: tuple[SharedRecord, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "grant_id": self.grant_id, "app_id": self.app_id, "user_id": self.user_id,
            "issued_at": self.issued_at, "expires_at": self.expires_at,
            "records": [record.as_json() for record in self.records],
        }


@dataclass(frozen=True)
class VerifiedAttestation:
    user_id: int
    purpose: str
    issued_at: int
    payload: Any


def _verify_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    try:
        VerifyKey(public_key).verify(message, signature)
    except (BadSignatureError, ValueError):
        raise VerificationError("the signature does not verify") from None


def open_grant(
    served: dict[str, Any],
    *,
    app_id: str,
    box_key: PrivateKey,
    user_sign_key: UserSignKey,
    now: float | None = None,
) -> OpenedGrant:
    """Unseals one grant as GET /api/v1/apps/me/grants/ serves it and checks every step of
    docs/sharing.md §5.1. Raises VerificationError if any fails."""
    now = time.time() if now is None else now
    try:
        envelope = SealedBox(box_key).decrypt(b64decode(served.get("sealed_grant")))
    except CryptoError:
        raise VerificationError("the grant does not unseal with this app's key") from None
    if len(envelope) < 1 + SIGNATURE_SIZE + 2 or envelope[0] != GRANT_ENVELOPE_VERSION:
        raise VerificationError("unknown grant envelope")
    signature, document_bytes = envelope[1 : 1 + SIGNATURE_SIZE], envelope[1 + SIGNATURE_SIZE :]
    document = parse_canonical(document_bytes)
    if not isinstance(document, dict) or set(document) != GRANT_KEYS or document["version"] not in GRANT_RECORD_KEYS:
        raise VerificationError("not a grant of a known version")
    if not is_int(document["user_id"]) or document["user_id"] != served.get("user_id"):
        raise VerificationError("the grant names another user")
    _verify_signature(user_sign_key(document["user_id"]), GRANT_DOMAIN + document_bytes, signature)
    # Signed, so what follows is the user's own statement; check it binds to us and now.
    if document["app_id"] != app_id:
        raise VerificationError("the grant was made for another app")
    if document["grant_id"] != served.get("id"):
        raise VerificationError("the grant id does not match")
    if not is_int(document["expires_at"]) or document["expires_at"] <= now:
        raise VerificationError("the grant has expired")
    if not is_int(document["issued_at"]) or document["issued_at"] > now + CLOCK_SKEW_SECONDS:
        raise VerificationError("the grant is issued in the future")
    records = document["records"]
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and set(r) == GRANT_RECORD_KEYS[document["version"]] and isinstance(r["fields"], dict)
        for r in records
    ):
        raise VerificationError("malformed records")
    return OpenedGrant(
        grant_id=document["grant_id"], app_id=document["app_id"], user_id=document["user_id"],
        issued_at=document["issued_at"], expires_at=document["expires_at"],
        records=tuple(
            SharedRecord(**{**record, "scans": tuple(_scan(scan) for scan in _list(record.get("scans", [])))})
            for record in records
        ),
    )


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise VerificationError("malformed scans")
    return value


def _scan(entry: Any) -> SharedScan:
    if not isinstance(entry, dict) or set(entry) != GRANT_SCAN_KEYS:
        raise VerificationError("malformed scan")
    digest = entry["sha256"]
    well_formed = (
        all(isinstance(entry[name], str) for name in ("id", "role", "content_type", "sha256", "key"))
        and is_int(entry["size"]) and entry["size"] >= 0
        and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)
    )
    if not well_formed:
        raise VerificationError("malformed scan")
    return SharedScan(id=entry["id"], role=entry["role"], content_type=entry["content_type"], size=entry["size"],
                      sha256=digest, key=b64decode(entry["key"], 32))


def scan_context(*, grant_id: str, scan_id: str) -> bytes:
    """The stream context of a shared scan (docs/sharing.md §3.5)."""
    return f"{SCAN_CONTEXT_DOMAIN}\n{grant_id}\n{scan_id}".encode("ascii")


def verify_attestation(signed: dict[str, Any], *, user_sign_key: UserSignKey) -> VerifiedAttestation:
    """Checks an attestation (the JSON POST /api/v1/attestations/ answered) by every step of
    docs/attestations.md §4. The response's own `public_key` is never trusted on its own."""
    message = b64decode(signed.get("canonical"))
    signature = b64decode(signed.get("signature"), SIGNATURE_SIZE)
    if not message.startswith(ATTESTATION_DOMAIN):
        raise VerificationError("not an attestation")
    signed_bytes = message[len(ATTESTATION_DOMAIN) :]
    document = parse_canonical(signed_bytes)
    if not isinstance(document, dict) or set(document) != ATTESTATION_KEYS or document["version"] != 1:
        raise VerificationError("not a version 1 attestation")
    if not (is_int(document["user_id"]) and is_int(document["issued_at"]) and isinstance(document["purpose"], str)):
        raise VerificationError("malformed attestation")
    public_key = user_sign_key(document["user_id"])
    if "public_key" in signed and b64decode(signed["public_key"], 32) != public_key:
        raise VerificationError("signed by a key that is not the user's published key")
    _verify_signature(public_key, message, signature)
    if "attestation" in signed and canonical_json(signed["attestation"]) != signed_bytes:
        raise VerificationError("the attestation shown is not the one signed")
    return VerifiedAttestation(
        user_id=document["user_id"], purpose=document["purpose"],
        issued_at=document["issued_at"], payload=document["payload"],
    )
