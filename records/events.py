"""Audit events for records. They name the record and its kind, never a value."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.services import audit_record

from .models import Record


def record_event(
    *, action: str, record: Record, request=None, outcome: str = AuditEvent.Outcome.SUCCESS, by_system: bool = False,
    **details,
) -> None:
    """The actor is the request's user, else the owner, or nobody for a server job."""
    audit_record(
        action=action,
        outcome=outcome,
        actor=None if request is not None or by_system else record.owner,
        subject=record.owner_id,  # the id: no query for the owner's row
        request=request,
        target_kind="record",
        target_id=record.pk,
        details={"kind": record.kind, **details},
    )


def record_integrity_failure(*, record: Record, request=None, operation: str, by_system: bool = False) -> None:
    record_event(
        action="record.integrity_failure",
        record=record,
        request=request,
        by_system=by_system,
        outcome=AuditEvent.Outcome.FAILURE,
        operation=operation,
        vault_key_version=record.vault_key_version,
        dek_version=record.dek_version,
    )
