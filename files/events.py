"""Audit events for files. They name the file, its type and size, never its name or bytes."""

from __future__ import annotations

from audit.models import AuditEvent
from audit.services import audit_record

from .models import File


def file_event(
    *, action: str, file: File, request=None, outcome: str = AuditEvent.Outcome.SUCCESS, by_system: bool = False,
    **details,
) -> None:
    """The actor is the request's user, else the owner, or nobody for a server job."""
    audit_record(
        action=action,
        outcome=outcome,
        actor=None if request is not None or by_system else file.owner,
        subject=file.owner,
        request=request,
        target_kind="file",
        target_id=file.pk,
        details={"content_type": file.content_type, "size": file.plaintext_size, **details},
    )


def file_integrity_failure(*, file: File, request=None, operation: str, by_system: bool = False) -> None:
    file_event(
        action="file.integrity_failure",
        file=file,
        request=request,
        by_system=by_system,
        outcome=AuditEvent.Outcome.FAILURE,
        operation=operation,
        vault_key_version=file.vault_key_version,
        dek_version=file.dek_version,
    )
