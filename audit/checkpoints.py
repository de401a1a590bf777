"""Signed checkpoints: the server's Ed25519 signature over the chain hash at one event.

The signing key is derived from the server keyring (KeyProvider.sign), so nobody
holding only the database can make one. A checkpoint is signed only after the
chain since the previous one verifies.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from vault.keyring import get_key_provider

from .hashing import canonical_timestamp, checkpoint_message
from .models import AuditChainHead, AuditEvent, Checkpoint

logger = logging.getLogger(__name__)

CHECKPOINT_PURPOSE = "audit-checkpoint"

VALID = "valid"
INVALID = "invalid"
KEY_RETIRED = "key_retired"


class ChainBroken(Exception):
    """The chain failed verification, so no checkpoint was signed."""

    def __init__(self, report):
        super().__init__(report.summary())
        self.report = report


def checkpoint_bytes(checkpoint: Checkpoint) -> bytes:
    return checkpoint_message(
        last_event_id=checkpoint.last_event_id,
        last_hash=checkpoint.last_hash,
        created_at=canonical_timestamp(checkpoint.created_at),
    )


def audit_public_keys() -> dict[int, bytes]:
    """Every keyring version's checkpoint verify key, to publish and pin outside Coffer."""
    provider = get_key_provider()
    return {version: provider.verify_key(version, purpose=CHECKPOINT_PURPOSE) for version in provider.versions}


def checkpoint_signature_state(checkpoint: Checkpoint) -> str:
    """VALID, INVALID, or KEY_RETIRED when its key version has left the keyring."""
    try:
        public_key = get_key_provider().verify_key(checkpoint.key_version, purpose=CHECKPOINT_PURPOSE)
    except KeyError:
        return KEY_RETIRED
    try:
        VerifyKey(public_key).verify(checkpoint_bytes(checkpoint), bytes.fromhex(checkpoint.signature))
    except (BadSignatureError, ValueError):
        return INVALID
    return VALID


def checkpoint_latest_valid(*, below_event_id: int | None = None, look_back: int = 20) -> Checkpoint | None:
    """The newest checkpoint whose signature verifies (older ones may be on a retired key)."""
    checkpoints = Checkpoint.objects.order_by("-last_event_id")
    if below_event_id is not None:
        checkpoints = checkpoints.filter(last_event_id__lte=below_event_id)
    for checkpoint in checkpoints[:look_back]:
        if checkpoint_signature_state(checkpoint) == VALID:
            return checkpoint
    return None


def checkpoint_create() -> Checkpoint | None:
    """Signs the chain head, after verifying the chain since the last valid checkpoint.

    Returns the checkpoint (the existing one if nothing was appended since), None
    for an empty chain, or raises ChainBroken.
    """
    from .verification import audit_verify

    head = AuditChainHead.objects.filter(id=1).first()
    if head is None or head.last_event_id == 0:
        return None
    latest = Checkpoint.objects.order_by("-last_event_id").first()
    if latest is not None and latest.last_event_id >= head.last_event_id:
        return latest
    report = audit_verify(start=checkpoint_latest_valid(), upto=head.last_event_id)
    if not report.ok:
        logger.error("audit chain broken, no checkpoint signed: %s", report.summary())
        raise ChainBroken(report)
    return _checkpoint_sign(last_event_id=head.last_event_id, last_hash=head.last_hash)


def checkpoint_at(*, event_id: int) -> Checkpoint:
    """A checkpoint at exactly this event, so an export's last row is signed (docs/audit.md §6).

    Signed only after the chain up to the event verifies; an older event may get its
    checkpoint late, which verification handles, as it walks checkpoints in event order.
    """
    from .verification import audit_verify

    existing = Checkpoint.objects.filter(last_event_id=event_id).first()
    if existing is not None:
        return existing
    report = audit_verify(start=checkpoint_latest_valid(below_event_id=event_id), upto=event_id)
    if not report.ok:
        logger.error("audit chain broken, no checkpoint signed: %s", report.summary())
        raise ChainBroken(report)
    last_hash = AuditEvent.objects.values_list("hash", flat=True).get(pk=event_id)
    return _checkpoint_sign(last_event_id=event_id, last_hash=last_hash)


def _checkpoint_sign(*, last_event_id: int, last_hash: str) -> Checkpoint:
    checkpoint = Checkpoint(created_at=timezone.now(), last_event_id=last_event_id, last_hash=last_hash)
    checkpoint.key_version, signature = get_key_provider().sign(
        checkpoint_bytes(checkpoint), purpose=CHECKPOINT_PURPOSE
    )
    checkpoint.signature = signature.hex()
    try:
        with transaction.atomic():
            checkpoint.save(force_insert=True)
    except IntegrityError:  # a concurrent run signed the same event
        return Checkpoint.objects.get(last_event_id=last_event_id)
    # Also in the logs, so a copy of every checkpoint lives outside the database.
    logger.info(
        "audit checkpoint: event=%s hash=%s at=%s key_version=%s signature=%s",
        checkpoint.last_event_id, checkpoint.last_hash, canonical_timestamp(checkpoint.created_at),
        checkpoint.key_version, checkpoint.signature,
    )
    return checkpoint
