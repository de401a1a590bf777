"""Reading corrections: an app's own, through its live grant; a user's, through the record.
A foreign or unknown id is a 404, as everywhere in Coffer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from nacl.public import PrivateKey

from coffer.lookups import parse_uuid
from records.selectors import record_get
from sharing.errors import NotFound
from sharing.models import App, Grant
from sharing.selectors import app_live_grants
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.models import Vault
from vault.services import user_keys_open

from .models import Correction
from .sealing import message_context, open_message


# ---- the app's view ----


def app_live_grant(*, app: App, grant_id) -> Grant:
    """One of the app's live grants; revoked, expired, another app's or unknown: 404."""
    grant_uuid = parse_uuid(grant_id)
    grant = app_live_grants(app=app).filter(pk=grant_uuid).first() if grant_uuid else None
    if grant is None:
        raise NotFound()
    return grant


def app_grant_corrections(*, app: App, grant_id) -> QuerySet[Correction]:
    """The app's own corrections for one live grant, oldest first. Never the message: the app wrote it."""
    grant = app_live_grant(app=app, grant_id=grant_id)
    return Correction.objects.filter(grant=grant).only(
        "id", "grant_id", "record_id", "field", "scan_role", "created_at", "resolved_at", "resolved_reason",
    ).order_by("created_at", "id")


# ---- the user's view ----


@dataclass(frozen=True)
class OpenedCorrection:
    correction: Correction
    app_name: str
    # None while the vault is locked, or when the sealed message failed its integrity check.
    message: str | None
    integrity_error: bool = False


def _box_private_key(*, owner, keys: VaultKeys) -> PrivateKey:
    box_key, _ = user_keys_open(vault=Vault.objects.get(user=owner), keys=keys)
    return box_key


def corrections_open(
    *, owner, corrections: Iterable[Correction], keys: VaultKeys | None
) -> list[OpenedCorrection]:
    """Each correction with its message opened when `keys` are given (an unlocked vault)."""
    box_key = _box_private_key(owner=owner, keys=keys) if keys is not None else None
    opened = []
    for correction in corrections:
        message, damaged = None, False
        if box_key is not None:
            try:
                message = open_message(
                    box_private_key=box_key, sealed=bytes(correction.sealed_message),
                    context=message_context(user_id=owner.pk, correction_id=str(correction.pk)),
                )
            except IntegrityError:
                damaged = True
        opened.append(OpenedCorrection(correction=correction, app_name=correction.grant.app.name,
                                       message=message, integrity_error=damaged))
    return opened


def record_corrections(*, owner, record_id, open_only: bool = False) -> QuerySet[Correction]:
    """A record's corrections, newest first; 404 for a record that is not the owner's."""
    record = record_get(owner=owner, record_id=record_id)
    rows = Correction.objects.filter(owner=owner, record=record).select_related("grant__app")
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    return rows.order_by("-created_at", "id")


# How long a resolved correction stays on its record's page, so the user sees it was resolved.
RECENTLY_RESOLVED = timedelta(days=30)


def record_corrections_shown(*, owner, record_id, now=None) -> QuerySet[Correction]:
    """For the record page: the open corrections, then those resolved in the last 30 days."""
    since = (now or timezone.now()) - RECENTLY_RESOLVED
    rows = record_corrections(owner=owner, record_id=record_id).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=since)
    )
    return rows.order_by(F("resolved_at").desc(nulls_first=True), "-created_at", "id")


def owner_open_corrections(*, owner) -> QuerySet[Correction]:
    """Every open correction of the owner, by grant, newest first (the Sharing page)."""
    return (
        Correction.objects.filter(owner=owner, resolved_at__isnull=True)
        .select_related("grant__app")
        .order_by("grant__issued_at", "grant_id", "-created_at", "id")
    )
