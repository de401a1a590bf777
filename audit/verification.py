"""Walking the chain: the first altered or missing event, or intact up to a signed checkpoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from .checkpoints import KEY_RETIRED, VALID, checkpoint_latest_valid, checkpoint_signature_state
from .hashing import GENESIS_HASH, event_hash
from .models import AuditChainHead, AuditEvent, Checkpoint
from .services import NO_SUBJECT, audit_record, event_fields

BATCH_SIZE = 2000

ALTERED = "altered"
MISSING = "missing"
CHECKPOINT_MISMATCH = "checkpoint_mismatch"
BAD_SIGNATURE = "bad_signature"


@dataclass(frozen=True)
class ChainProblem:
    kind: str
    message: str
    event_id: int | None = None
    missing_from: int | None = None
    missing_to: int | None = None
    checkpoint_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ChainReport:
    start_event_id: int = 0  # the walk began after this event (0: at genesis)
    last_event_id: int = 0
    last_hash: str = GENESIS_HASH
    events_checked: int = 0
    problem: ChainProblem | None = None
    checkpoint: Checkpoint | None = None  # the newest checkpoint verified on the way
    checkpoints_verified: int = 0
    checkpoints_on_retired_keys: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def uncovered(self) -> int:
        """Events after the newest verified checkpoint, which no signature covers yet."""
        return self.last_event_id - (self.checkpoint.last_event_id if self.checkpoint else 0)

    def summary(self) -> str:
        if self.problem is not None:
            return f"BROKEN: {self.problem.message}"
        scope = "from genesis" if self.start_event_id == 0 else f"after event {self.start_event_id}"
        text = f"Intact: {self.events_checked} events checked {scope}, up to event {self.last_event_id}."
        if self.checkpoint is None:
            return text + " No signed checkpoint covers them yet."
        text += (
            f" Signed checkpoint #{self.checkpoint.pk} at event {self.checkpoint.last_event_id}"
            f" (key v{self.checkpoint.key_version}) verifies"
        )
        if self.uncovered:
            text += f"; {self.uncovered} later events are not yet under a checkpoint"
        return text + "."

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "start_event_id": self.start_event_id,
            "last_event_id": self.last_event_id,
            "events_checked": self.events_checked,
            "checkpoint_id": self.checkpoint.pk if self.checkpoint else None,
            "checkpoint_event_id": self.checkpoint.last_event_id if self.checkpoint else None,
            "checkpoints_verified": self.checkpoints_verified,
            "problem": self.problem.as_dict() if self.problem else None,
        }


def _missing(first: int, last: int) -> ChainProblem:
    what = f"event {first} is" if first == last else f"events {first} to {last} are"
    return ChainProblem(MISSING, f"{what} missing (deleted).", missing_from=first, missing_to=last)


def _altered(event_id: int, how: str) -> ChainProblem:
    return ChainProblem(ALTERED, f"event {event_id} was altered ({how}).", event_id=event_id)


def _events(after_id: int, upto: int) -> Iterator[AuditEvent]:
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=after_id, id__lte=upto).order_by("id")[:BATCH_SIZE])
        yield from batch
        if len(batch) < BATCH_SIZE:
            return
        after_id = batch[-1].pk


def _checkpoints(after_id: int) -> Iterator[Checkpoint]:
    while True:
        batch = list(Checkpoint.objects.filter(last_event_id__gt=after_id).order_by("last_event_id")[:BATCH_SIZE])
        yield from batch
        if len(batch) < BATCH_SIZE:
            return
        after_id = batch[-1].last_event_id


class _Walk:
    def __init__(self, report: ChainReport):
        self.report = report

    def check_checkpoint(self, checkpoint: Checkpoint, event_hash_at: str | None) -> ChainProblem | None:
        state = checkpoint_signature_state(checkpoint)
        if state == KEY_RETIRED:
            self.report.checkpoints_on_retired_keys.append(checkpoint.pk)
        elif state != VALID:
            return ChainProblem(
                BAD_SIGNATURE, f"checkpoint #{checkpoint.pk} has an invalid signature (forged or altered).",
                checkpoint_id=checkpoint.pk,
            )
        if event_hash_at != checkpoint.last_hash:
            return ChainProblem(
                CHECKPOINT_MISMATCH,
                f"the chain up to event {checkpoint.last_event_id} no longer matches signed checkpoint"
                f" #{checkpoint.pk}: events up to it were rewritten after it was signed.",
                event_id=checkpoint.last_event_id, checkpoint_id=checkpoint.pk,
            )
        if state == VALID:
            self.report.checkpoint = checkpoint
            self.report.checkpoints_verified += 1
        return None


def _check_anchor(walk: _Walk, start: Checkpoint) -> ChainProblem | None:
    """A walk that starts at a checkpoint trusts it only if its signature and its event still hold."""
    anchor = AuditEvent.objects.filter(id=start.last_event_id).first()
    if anchor is None:
        return _missing(start.last_event_id, start.last_event_id)
    problem = walk.check_checkpoint(start, anchor.hash)
    if problem is None and event_hash(anchor.prev_hash, event_fields(anchor)) != anchor.hash:
        problem = _altered(anchor.pk, "its hash does not match its contents")
    return problem


def audit_verify(*, start: Checkpoint | None = None, upto: int | None = None) -> ChainReport:
    """Walks the chain from genesis, or from a checkpoint whose signature verified, to the head.

    Reports the first problem in chain order: a missing id (a deleted event), an
    event whose hash does not match its fields (altered), an event whose
    prev_hash does not match its predecessor's hash (the predecessor was altered
    and its hash recomputed), a checkpoint with a bad signature or a hash the
    chain no longer has.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None:
        head_id = head.last_event_id
    else:  # walk what is there: its absence is reported below
        head_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    upto = head_id if upto is None else upto
    report = ChainReport()
    walk = _Walk(report)
    expected_id, prev_hash = 1, GENESIS_HASH
    if start is not None:
        report.start_event_id = start.last_event_id
        report.problem = _check_anchor(walk, start)
        if report.problem is not None:
            return report
        expected_id, prev_hash = start.last_event_id + 1, start.last_hash
    report.last_event_id, report.last_hash = expected_id - 1, prev_hash
    checkpoints = _checkpoints(expected_id - 1)
    pending = next(checkpoints, None)
    for event in _events(expected_id - 1, upto):
        if event.pk != expected_id:
            report.problem = _missing(expected_id, event.pk - 1)
            return report
        if event_hash(event.prev_hash, event_fields(event)) != event.hash:
            report.problem = _altered(event.pk, "its hash does not match its contents")
            return report
        if event.prev_hash != prev_hash:
            report.problem = (
                _altered(event.pk, "its prev_hash does not match the genesis hash")
                if event.pk == 1
                else _altered(event.pk - 1, f"its hash no longer matches event {event.pk}'s prev_hash")
            )
            return report
        while pending is not None and pending.last_event_id <= event.pk:
            report.problem = walk.check_checkpoint(pending, event.hash if pending.last_event_id == event.pk else None)
            if report.problem is not None:
                return report
            pending = next(checkpoints, None)
        report.events_checked += 1
        report.last_event_id, report.last_hash = event.pk, event.hash
        expected_id, prev_hash = event.pk + 1, event.hash
    last_id = expected_id - 1
    if upto > last_id:
        report.problem = _missing(last_id + 1, upto)
    elif pending is not None and not AuditEvent.objects.filter(id=pending.last_event_id).exists():
        # A signed checkpoint names an event that is gone: the tail was cut off.
        report.problem = _missing(last_id + 1, pending.last_event_id)
    elif head is None and last_id > 0:
        report.problem = ChainProblem("head_missing", "the chain head row is missing.")
    elif head is not None and upto == head_id and head.last_hash != prev_hash:
        report.problem = _altered(last_id, "its hash was rewritten: the chain head holds another")
    return report


def audit_verify_recorded(*, actor=None, request=None) -> ChainReport:
    """A full walk from genesis, itself recorded as an `audit.verify` event."""
    report = audit_verify()
    audit_record(
        action="audit.verify", outcome="success" if report.ok else "failure", actor=actor,
        subject=NO_SUBJECT, request=request, target_kind="audit_chain", details=report.as_dict(),
    )
    return report


@dataclass(frozen=True)
class ChainStatus:
    head_event_id: int
    recent: ChainReport | None  # the walk since the last valid checkpoint, if short enough
    last_full_check: AuditEvent | None

    @property
    def ok(self) -> bool | None:
        if self.recent is not None and not self.recent.ok:
            return False
        if self.last_full_check is not None and self.last_full_check.outcome != "success":
            return False
        return True if self.recent is not None else None


def audit_chain_status() -> ChainStatus:
    """What the admin shows: a walk from the newest valid checkpoint (bounded), and the last full check."""
    head = AuditChainHead.objects.filter(id=1).first()
    head_id = head.last_event_id if head else 0
    start = checkpoint_latest_valid()
    recent = None
    if head_id - (start.last_event_id if start else 0) <= settings.COFFER_AUDIT_STATUS_MAX_EVENTS:
        recent = audit_verify(start=start, upto=head_id)
    last_full = AuditEvent.objects.filter(action="audit.verify").order_by("-id").first()
    return ChainStatus(head_event_id=head_id, recent=recent, last_full_check=last_full)
