"""Opening sealed grants (docs/sharing.md §3, §5.1) and verifying attestations
(docs/attestations.md §4). Pure functions, usable offline: the caller gives the keys."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
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
GRANT_RECORD_KEYS = frozenset({"id", "kind", "schema_version", "label", "fields"})
ATTESTATION_KEYS = frozenset({"version", "user_id", "purpose", "issued_at", "payload"})
CLOCK_SKEW_SECONDS = 300

# Gives the Ed25519 public key (32 bytes) of a user id, from a source the caller trusts.
UserSignKey = Callable[[int], bytes]


@dataclass(frozen=True)
class SharedRecord:
    id: str
    kind: str
    schema_version: int
    label: str
    fields: dict[str, Any]


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
            "records": [record.__dict__ for record in self.records],
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
    if not isinstance(document, dict) or set(document) != GRANT_KEYS or document["version"] != 1:
        raise VerificationError("not a version 1 grant")
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
        isinstance(r, dict) and set(r) == GRANT_RECORD_KEYS and isinstance(r["fields"], dict) for r in records
    ):
        raise VerificationError("malformed records")
    return OpenedGrant(
        grant_id=document["grant_id"], app_id=document["app_id"], user_id=document["user_id"],
        issued_at=document["issued_at"], expires_at=document["expires_at"],
        records=tuple(SharedRecord(**record) for record in records),
    )


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
