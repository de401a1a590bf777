"""Sharing: app registration and approval, consent grants, attestations (DESIGN §7).

A grant is signed with the user's Ed25519 key and sealed to the app's X25519 key
(crypto_box_seal) at once; the server keeps only the sealed bytes. An attestation
is signed and handed back; the server keeps nothing but an audit event.
See docs/sharing.md and docs/attestations.md for every byte.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import IntegrityError as DbIntegrityError
from django.db import transaction
from django.utils import timezone
from nacl.public import PublicKey, SealedBox
from rest_framework.exceptions import ValidationError

from audit.services import NO_SUBJECT, audit_record
from records.errors import RecordNotFound
from records.models import Record
from coffer.seams import seam
from files.models import File
from files.selectors import file_list
from records.schemas import KINDS
from records.schemas.base import SCAN_ROLES
from storage.factory import get_store
from records.selectors import record_get, record_open
from vault.crypto.session import VaultKeys
from vault.locking import vault_locked
from vault.services import user_keys_open, vault_get

from .canonical import (
    GRANT_VERSION,
    CanonicalError,
    attestation_document,
    attestation_message,
    canonical_json,
    grant_envelope,
    grant_message,
)
from .errors import AppKeyTaken, GrantTooLarge, NotFound
from .models import App, Grant, GrantItem, GrantScan
from .scans import CopiedScan, scan_copy, scans_discard, scans_forget, scans_still_current
from .selectors import app_get_approved, grant_get

# ---- apps ----


def _app_event(action: str, app: App, *, actor=None, request=None, **details) -> None:
    audit_record(
        action=action, actor=actor, subject=NO_SUBJECT, request=request,
        target_kind="app", target_id=app.pk, details={"name": app.name, **details},
    )


def app_register(
    *, name: str, callback_url: str, box_public_key: bytes, sign_public_key: bytes, request=None
) -> App:
    """A new app, pending until an admin approves it (or at once, with COFFER_APPS_AUTO_APPROVE)."""
    auto_approve = settings.COFFER_APPS_AUTO_APPROVE
    now = timezone.now()
    app = App(
        name=name,
        callback_url=callback_url,
        box_public_key=box_public_key,
        sign_public_key=sign_public_key,
        state=App.State.APPROVED if auto_approve else App.State.PENDING,
        approved_at=now if auto_approve else None,
    )
    try:
        with transaction.atomic():
            app.save(force_insert=True)
            _app_event("app.register", app, request=request)
            if auto_approve:
                _app_event("app.approve", app, request=request, auto=True)
    except DbIntegrityError:
        raise AppKeyTaken() from None
    return app


def app_approve(*, app: App, actor, request=None) -> App:
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        if app.state != App.State.APPROVED:
            app.state, app.approved_at, app.revoked_at = App.State.APPROVED, timezone.now(), None
            app.save(update_fields=["state", "approved_at", "revoked_at"])
            _app_event("app.approve", app, actor=actor, request=request)
    return app


def app_revoke(*, app: App, actor, request=None) -> App:
    """Stops the app at once: its signed requests get 403, and every live grant to it is revoked."""
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        if app.state != App.State.REVOKED:
            app.state, app.revoked_at = App.State.REVOKED, timezone.now()
            app.save(update_fields=["state", "revoked_at"])
            grants = list(Grant.objects.select_for_update().filter(app=app, revoked_at__isnull=True))
            for grant in grants:
                _revoke(grant, actor=actor, request=request, reason="app_revoked")
            _app_event("app.revoke", app, actor=actor, request=request, grants_revoked=len(grants))
    return app


# ---- grants ----


@dataclass(frozen=True)
class GrantRequestItem:
    record_id: uuid.UUID
    # None: every field the record holds.
    fields: tuple[str, ...] | None
    # The record's name is the owner's own words ("Mum's card"): sent only when asked.
    share_label: bool = False
    # Every scan of each role (records.schemas.base.SCAN_ROLES), copied for the app (sharing.scans).
    scan_roles: tuple[str, ...] = ()


@cache
def _schema_fields(kind: str) -> frozenset[str]:
    return frozenset(KINDS[kind].serializer().fields)


def _whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _check_expiry(expires_at: datetime, now: datetime) -> datetime:
    expires_at = _whole_seconds(expires_at)
    if expires_at <= now + timedelta(seconds=settings.COFFER_GRANT_MIN_SECONDS):
        raise ValidationError({"expires_at": [
            f"Must be at least {settings.COFFER_GRANT_MIN_SECONDS} seconds in the future."
        ]})
    if expires_at > now + timedelta(days=settings.COFFER_GRANT_MAX_DAYS):
        raise ValidationError({"expires_at": [
            f"Must be at most {settings.COFFER_GRANT_MAX_DAYS} days in the future."
        ]})
    return expires_at


# {item index: {"fields" or "scans": messages}}
ItemErrors = dict[int, dict[str, list[str]]]


def _item_errors(errors: ItemErrors, count: int) -> ValidationError:
    return ValidationError({"items": [errors.get(i, {}) for i in range(count)]})


def _owned_records(user, items: Sequence[GrantRequestItem]) -> list[Record]:
    """The user's records, in order, with field names and scan roles checked against each kind."""
    records = []
    for item in items:
        try:
            records.append(record_get(owner=user, record_id=item.record_id))
        except RecordNotFound:
            raise NotFound(f"No record {item.record_id} in your vault.", field="items") from None
    errors: ItemErrors = {}
    for index, (item, record) in enumerate(zip(items, records)):
        unknown = [name for name in item.fields or () if name not in _schema_fields(record.kind)]
        if unknown:
            errors.setdefault(index, {})["fields"] = [
                f"'{name}' is not a field of a {record.kind} record." for name in unknown
            ]
        refused = [role for role in item.scan_roles if role not in KINDS[record.kind].scan_roles]
        if refused:
            errors.setdefault(index, {})["scans"] = [
                f"A {record.kind} record has no '{role}' scans." for role in refused
            ]
    if errors:
        raise _item_errors(errors, len(items))
    return records


def _shared_records(records: list[Record], items: Sequence[GrantRequestItem], keys: VaultKeys, request):
    """Decrypts each record and keeps exactly the chosen fields: (document records, item rows)."""
    shared, rows, errors = [], [], {}
    for index, (item, record) in enumerate(zip(items, records)):
        payload = record_open(record=record, keys=keys, request=request, operation="grant").payload
        names = sorted(payload.data) if item.fields is None else sorted(item.fields)
        missing = [name for name in names if name not in payload.data]
        if missing:
            errors[index] = {"fields": [f"This record has no value for '{name}'." for name in missing]}
            continue
        shared.append({
            "id": str(record.pk),
            "kind": record.kind,
            "schema_version": record.schema_version,
            "label": payload.label if item.share_label else "",
            "fields": {name: payload.data[name] for name in names},
            "scans": [],
        })
        rows.append(GrantItem(
            position=index, record_id=record.pk, fields=names, label_shared=item.share_label,
            scan_roles=[role for role in SCAN_ROLES if role in item.scan_roles],
        ))
    if errors:
        raise _item_errors(errors, len(items))
    return shared, rows


def _scans_to_share(user, records: list[Record], items: Sequence[GrantRequestItem]) -> list[list[File]]:
    """Each item's scans of the chosen roles, in role order, then oldest first. A role the
    record holds no scan of is a 400, as a field it holds no value for is."""
    chosen: list[list[File]] = []
    errors: ItemErrors = {}
    for index, (item, record) in enumerate(zip(items, records)):
        files = list(file_list(owner=user, record_id=record.pk).filter(role__in=item.scan_roles))
        files.sort(key=lambda file: (SCAN_ROLES.index(file.role), file.created_at, str(file.pk)))
        empty = [role for role in item.scan_roles if not any(file.role == role for file in files)]
        if empty:
            errors[index] = {"scans": [f"This record has no '{role}' scan." for role in empty]}
        chosen.append(files)
    if errors:
        raise _item_errors(errors, len(items))
    total, limit = sum(len(files) for files in chosen), settings.COFFER_GRANT_MAX_SCANS
    if total > limit:
        raise ValidationError({"items": [f"A grant may hold at most {limit} scans; this one would hold {total}."]})
    return chosen


def _sign_and_seal(document: dict[str, Any], *, user, keys: VaultKeys, app: App) -> bytes:
    """crypto_box_seal(0x01 || Ed25519 signature || canonical document) to the app's key."""
    document_bytes = canonical_json(document)
    limit = settings.COFFER_GRANT_MAX_BYTES
    if len(document_bytes) > limit:
        raise GrantTooLarge(limit=limit)
    _, signing_key = user_keys_open(vault=vault_get(user=user), keys=keys)
    signature = signing_key.sign(grant_message(document_bytes)).signature
    envelope = grant_envelope(signature=signature, document_bytes=document_bytes)
    return SealedBox(PublicKey(bytes(app.box_public_key))).encrypt(envelope)


def _copy_scans(grant_id, scans: list[list[File]], keys: VaultKeys) -> list[list[CopiedScan]]:
    store, copies = get_store(), []
    try:
        for item_position, files in enumerate(scans):
            copies.append([])
            for position, file in enumerate(files):
                copies[-1].append(scan_copy(store=store, file=file, keys=keys, grant_id=grant_id,
                                            item_position=item_position, position=position))
    except BaseException:
        scans_discard(copy for item in copies for copy in item)
        raise
    return copies


def grant_create(
    *,
    user,
    keys: VaultKeys,
    app_id,
    items: Sequence[GrantRequestItem],
    expires_at: datetime,
    request=None,
    now: datetime | None = None,
) -> Grant:
    """Shares exactly the chosen fields and scans of the user's records with an approved app:
    the grant document is signed by the user's Ed25519 key and sealed to the app's X25519 key,
    and each scan is copied under a key only that document holds (sharing.scans). An app or
    record that is not found, or not the user's, answers 404."""
    now = _whole_seconds(now or timezone.now())
    expires_at = _check_expiry(expires_at, now)
    app = app_get_approved(app_id=app_id)
    records = _owned_records(user, items)
    shared, item_rows = _shared_records(records, items, keys, request)
    scans = _scans_to_share(user, records, items)
    grant = Grant(id=uuid.uuid4(), app=app, user=user, issued_at=now, expires_at=expires_at)
    copies = _copy_scans(grant.pk, scans, keys)
    every_copy = [copy for item in copies for copy in item]
    try:
        for entry, item_copies in zip(shared, copies):
            entry["scans"] = [copy.document_entry() for copy in item_copies]
        grant.sealed_grant = _sign_and_seal({
            "version": GRANT_VERSION,
            "grant_id": str(grant.pk),
            "app_id": str(app.pk),
            "user_id": user.pk,
            "issued_at": int(now.timestamp()),
            "expires_at": int(expires_at.timestamp()),
            "records": shared,
        }, user=user, keys=keys, app=app)
        seam("grant.create.commit")
        # The vault row, then the files, then the records (vault.locking's order): a scan
        # replaced, or a record deleted, while the copies were made fails the grant, not the app.
        with vault_locked(user_id=user.pk):
            scans_still_current(every_copy)
            kept = Record.objects.select_for_update().filter(owner=user, pk__in=[r.pk for r in records]).count()
            if kept != len(records):
                raise NotFound("A record was deleted while it was being shared.", field="items")
            grant.save(force_insert=True)
            for row in item_rows:
                row.grant = grant
            GrantItem.objects.bulk_create(item_rows)
            GrantScan.objects.bulk_create([copy.row for copy in every_copy])
            audit_record(
                action="grant.create", actor=None if request is not None else user, subject=user, request=request,
                target_kind="grant", target_id=grant.pk,
                details={
                    "app_id": str(app.pk),
                    "record_ids": [str(record.pk) for record in records],
                    "scans": len(every_copy),
                    "expires_at": expires_at,
                },
            )
    except BaseException:
        scans_discard(every_copy)
        raise
    return grant


def _revoke(grant: Grant, *, actor=None, request=None, reason: str) -> None:
    """Ends a grant at once and forgets its sealed data. Call inside a transaction."""
    grant.revoked_at, grant.sealed_grant = timezone.now(), b""
    grant.save(update_fields=["revoked_at", "sealed_grant"])
    scans_forget(grant.scans.all())
    audit_record(
        action="grant.revoke", actor=actor, subject=grant.user, request=request,
        target_kind="grant", target_id=grant.pk, details={"app_id": str(grant.app_id), "reason": reason},
    )


def grant_revoke(*, user, grant_id, request=None) -> Grant:
    """Revokes one of the user's grants. Needs no unlocked vault; revoking twice is a no-op."""
    with transaction.atomic():
        grant = grant_get(user=user, grant_id=grant_id, for_update=True)
        if grant.revoked_at is None:
            _revoke(grant, actor=None if request is not None else user, request=request, reason="user")
    return grant


def grants_revoke_for_record(*, record_id, owner_id: int) -> int:
    """A deleted record ends every live grant that shares it."""
    with transaction.atomic():
        grant_ids = GrantItem.objects.filter(record_id=record_id, grant__user_id=owner_id).values("grant_id")
        grants = list(
            Grant.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(id__in=grant_ids, revoked_at__isnull=True)
        )
        for grant in grants:
            _revoke(grant, actor=grant.user, reason="record_deleted")
    return len(grants)


def grant_fetch(*, app: App, grants: Sequence[Grant], request=None) -> None:
    """Audits that the app was served these grants: one event per grant."""
    for grant in grants:
        audit_record(
            action="grant.fetch", actor=None, subject=grant.user, request=request,
            target_kind="grant", target_id=grant.pk, details={"app_id": str(app.pk)},
        )


def grants_purge_expired(*, now: datetime | None = None) -> int:
    """Forgets the sealed data and the scan copies of expired grants. They are never served either way."""
    expired = Grant.objects.filter(expires_at__lte=now or timezone.now())
    with transaction.atomic():
        scans_forget(GrantScan.objects.select_for_update().filter(grant__in=expired))
        return expired.exclude(sealed_grant=b"").update(sealed_grant=b"")


# ---- attestations ----


@dataclass(frozen=True)
class SignedAttestation:
    document: dict[str, Any]
    message: bytes  # the exact signed bytes: domain string || canonical JSON
    signature: bytes
    public_key: bytes


def attestation_sign(
    *, user, keys: VaultKeys, purpose: str, payload: Any, request=None, now: datetime | None = None
) -> SignedAttestation:
    """Signs {version, user_id, purpose, issued_at, payload} with the user's Ed25519 key.
    The server keeps no copy; the audit event names the purpose and size only."""
    try:
        payload_bytes = canonical_json(payload)
    except CanonicalError as exc:
        raise ValidationError({"payload": [f"No canonical form: {exc}."]}) from None
    limit = settings.COFFER_ATTESTATION_MAX_BYTES
    if len(payload_bytes) > limit:
        raise ValidationError({"payload": [f"At most {limit} bytes in canonical form."]})
    issued_at = int((now or timezone.now()).timestamp())
    document = attestation_document(user_id=user.pk, purpose=purpose, issued_at=issued_at, payload=payload)
    message = attestation_message(document)
    _, signing_key = user_keys_open(vault=vault_get(user=user), keys=keys)
    signature = signing_key.sign(message).signature
    audit_record(
        action="attestation.sign", actor=None if request is not None else user, subject=user, request=request,
        target_kind="attestation", details={"purpose": purpose, "bytes": len(message)},
    )
    return SignedAttestation(
        document=document, message=message, signature=signature, public_key=bytes(signing_key.verify_key)
    )
