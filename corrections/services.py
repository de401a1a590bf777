"""Writing corrections: an app reports one, a change to the record resolves it, the user
dismisses it. Every write is audited; no event holds the message or a field value.

Locks, in the order every writer here takes them: the record row, then the grant row,
then correction rows. A record's deletion takes the record row, then its grants'
(sharing.signals); a record update takes the vault row, then the record row, then the
record's corrections (through `corrections_after_record_update`). So a report and an
update of the same record never interleave: the report either commits before the update
looks for open corrections (and is resolved by it), or waits for the update's commit
(and stays open, about the changed record). None is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from coffer.lookups import parse_uuid
from coffer.seams import seam
from notify.mails import mail_correction_reported
from records.models import Record
from records.selectors import record_get
from sharing.errors import NotFound
from sharing.models import App, Grant
from vault.models import Vault

from .errors import NotShared, TooManyCorrections
from .models import Correction
from .sealing import message_context, seal_message
from .selectors import app_live_grant


def _details(correction: Correction, **more) -> dict:
    return {
        "grant_id": str(correction.grant_id), "record_id": str(correction.record_id),
        "field": correction.field or None, "scan_role": correction.scan_role or None, **more,
    }


# ---- the app reports ----


def correction_report(
    *, app: App, grant_id, record_id, field: str = "", scan_role: str = "", message: str, request=None
) -> Correction:
    """A problem the app found with a record of one of its live grants: a field, a scan role
    or (neither) the whole record, each of which the grant must share. The message is sealed
    to the user's X25519 key before it is stored. At most COFFER_CORRECTIONS_MAX_OPEN open
    per grant (409)."""
    grant = app_live_grant(app=app, grant_id=grant_id)
    record_uuid = parse_uuid(record_id)
    item = grant.items.filter(record_id=record_uuid).first() if record_uuid else None
    if item is None:
        raise NotFound("The grant does not hold this record.", field="record_id")
    if field and field not in item.fields:
        raise NotShared(field="field", what="field")
    if scan_role and scan_role not in item.scan_roles:
        raise NotShared(field="scan_role", what="scan role")
    seam("correction.report.commit")
    now = timezone.now()
    with transaction.atomic():
        record = Record.objects.select_for_update().filter(pk=record_uuid, owner_id=grant.user_id).first()
        # Re-checked under the lock: revoked or expired meanwhile is a 404 too.
        live = (
            Grant.objects.select_for_update()
            .filter(pk=grant.pk, revoked_at__isnull=True, expires_at__gt=now)
            .select_related("user")
            .first()
        )
        if record is None or live is None:
            raise NotFound()
        limit = settings.COFFER_CORRECTIONS_MAX_OPEN
        if Correction.objects.filter(grant=live, resolved_at__isnull=True).count() >= limit:
            raise TooManyCorrections(limit=limit)
        vault = Vault.objects.only("box_public_key").get(user_id=live.user_id)
        correction_id = uuid.uuid4()
        correction = Correction(
            id=correction_id, owner_id=live.user_id, grant=live, record=record, field=field, scan_role=scan_role,
            sealed_message=seal_message(
                box_public_key=bytes(vault.box_public_key), message=message,
                context=message_context(user_id=live.user_id, correction_id=str(correction_id)),
            ),
            created_at=now,
        )
        correction.save(force_insert=True)
        audit_record(
            action="correction.report", actor=None, subject=live.user, request=request,
            target_kind="correction", target_id=correction.pk, details=_details(correction, app_id=str(app.pk)),
        )
        mail_correction_reported(user=live.user, app_name=app.name, at=now)
    return correction


# ---- changes resolve ----


def _resolve(*, owner, record_id, about: Q, request=None) -> int:
    """Inside the caller's transaction: marks the matching open corrections resolved."""
    rows = list(
        Correction.objects.select_for_update()
        .filter(owner_id=owner.pk, record_id=record_id, resolved_at__isnull=True)
        .filter(about)
        .order_by("created_at", "id")
    )
    if not rows:
        return 0
    now = timezone.now()
    Correction.objects.filter(pk__in=[row.pk for row in rows]).update(
        resolved_at=now, resolved_reason=Correction.Reason.CHANGED
    )
    for row in rows:
        audit_record(
            action="correction.resolve", actor=None if request is not None else owner, subject=owner,
            request=request, target_kind="correction", target_id=row.pk,
            details=_details(row, reason=Correction.Reason.CHANGED.value),
        )
    return len(rows)


_WHOLE_RECORD = Q(field="", scan_role="")


def corrections_after_record_update(*, owner, record_id, before, after, request=None) -> int:
    """Called by records.services.record_update, in its transaction, with the old and the new
    payload (label and data). A field's corrections resolve when that field's value changed;
    whole-record ones when anything did."""
    names = set(before.data) | set(after.data)
    changed = sorted(name for name in names if before.data.get(name) != after.data.get(name))
    if not changed and before.label == after.label:
        return 0
    return _resolve(owner=owner, record_id=record_id, about=_WHOLE_RECORD | Q(field__in=changed), request=request)


def corrections_after_scan_change(*, owner, record_id, roles: Iterable[str] = (), request=None) -> int:
    """Called by files.services, in its transaction, when a scan of `roles` is attached,
    replaced or detached (or any file is attached to the record): those roles' corrections
    and the whole-record ones resolve."""
    return _resolve(owner=owner, record_id=record_id, about=_WHOLE_RECORD | Q(scan_role__in=[r for r in roles if r]),
                    request=request)


# ---- the user dismisses ----


def correction_dismiss(*, owner, record_id, correction_id, request=None) -> Correction:
    """Marks one of the record's corrections resolved by hand. A resolved one stays as it is."""
    with transaction.atomic():
        record = record_get(owner=owner, record_id=record_id)
        correction_uuid = parse_uuid(correction_id)
        correction = (
            Correction.objects.select_for_update().select_related("grant__app")
            .filter(owner=owner, record=record, pk=correction_uuid).first()
            if correction_uuid else None
        )
        if correction is None:
            raise NotFound()
        if correction.resolved_at is None:
            correction.resolved_at = timezone.now()
            correction.resolved_reason = Correction.Reason.DISMISSED
            correction.save(update_fields=["resolved_at", "resolved_reason"])
            audit_record(
                action="correction.dismiss", actor=None if request is not None else owner, subject=owner,
                request=request, target_kind="correction", target_id=correction.pk, details=_details(correction),
            )
    return correction
