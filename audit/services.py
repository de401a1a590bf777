"""Writing audit events. Events never hold plaintext, keys or secrets."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone

from coffer.proxies import request_client_address

from .hashing import canonical_ip, canonical_timestamp, event_hash
from .models import AuditChainHead, AuditEvent

# Pass as `subject` when an event concerns no single user (an admin list, a server job).
# Otherwise `subject` is the user the event is about (or their id); it defaults to the actor.
NO_SUBJECT = object()


def client_ip(request) -> str | None:
    """The client's address by the trusted-proxy rule (coffer/proxies.py), never a proxy's."""
    if request is None:
        return None
    return canonical_ip(request_client_address(request))


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The hashed fields of an event, in the form docs/audit.md specifies."""
    return {
        "id": event.pk,
        "created_at": canonical_timestamp(event.created_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "subject_user_id": event.subject_user_id,
        "action": event.action,
        "outcome": event.outcome,
        "ip_address": canonical_ip(event.ip_address),
        "target_kind": event.target_kind,
        "target_id": event.target_id,
        "details": event.details,
    }


def _as_stored(details: dict[str, Any] | None) -> dict[str, Any]:
    # Hash exactly what the JSON column will give back (UUIDs and dates become strings).
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def audit_record(
    *,
    action: str,
    outcome: str = AuditEvent.Outcome.SUCCESS,
    actor=None,
    subject=None,
    request=None,
    target_kind: str = "",
    target_id: Any = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain.

    The row lock on the chain head serialises appends, so concurrent writers
    still form one chain. Inside a caller's transaction the event commits or
    rolls back with it; callers audit refusals outside their transaction.
    """
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if subject is None:
        subject = actor
    elif subject is NO_SUBJECT:
        subject = None
    subject_user_id = subject if isinstance(subject, int) else getattr(subject, "pk", None)
    # No savepoint inside a caller's transaction: nothing here is retried after an
    # error, which rolls the caller's transaction back with the event.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            id=head.last_event_id + 1,
            created_at=timezone.now(),
            actor=actor,
            actor_label=getattr(actor, "username", "") or "",
            subject_user_id=subject_user_id,
            action=action,
            outcome=str(outcome),
            ip_address=client_ip(request),
            target_kind=target_kind,
            target_id=str(target_id or ""),
            details=_as_stored(details),
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(event.prev_hash, event_fields(event))
        head.last_event_id, head.last_hash = event.pk, event.hash
        _append(event, head)
    return event


def _append(event: AuditEvent, head: AuditChainHead) -> None:
    """Inserts the event and moves the (locked) chain head to it. On PostgreSQL in one
    statement, one round trip instead of two; the same rows either way."""
    if connection.vendor != "postgresql":
        event.save(force_insert=True)
        head.save(update_fields=["last_event_id", "last_hash"])
        return
    insert = InsertQuery(AuditEvent)
    insert.insert_values(AuditEvent._meta.local_concrete_fields, [event])
    [(insert_sql, insert_params)] = insert.get_compiler(connection=connection).as_sql()
    table, head_table = AuditEvent._meta.db_table, AuditChainHead._meta.db_table
    sql = (
        f'WITH appended AS ({insert_sql} RETURNING "id") '
        f'UPDATE "{head_table}" SET "last_event_id" = %s, "last_hash" = %s '
        f'WHERE "id" = %s AND EXISTS (SELECT 1 FROM appended)'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*insert_params, head.last_event_id, head.last_hash, head.pk])
        if cursor.rowcount != 1:  # pragma: no cover - the head is locked above
            raise AssertionError(f"audit chain head {head.pk} not moved ({table})")
    event._state.adding, event._state.db = False, connection.alias
