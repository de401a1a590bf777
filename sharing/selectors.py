"""Reading apps, grants and published user keys. A user's grants are looked up through
the user; an app's through the app. A foreign id is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from coffer.lookups import parse_uuid
from vault.models import Vault

from .errors import NotFound
from .models import App, Grant


# ---- apps ----


def app_get(*, app_id) -> App | None:
    app_uuid = parse_uuid(app_id)
    return None if app_uuid is None else App.objects.filter(id=app_uuid).first()


def app_get_approved(*, app_id) -> App:
    app = app_get(app_id=app_id)
    if app is None or not app.is_approved:
        raise NotFound("No approved app has this id.", field="app_id")
    return app


def app_list_approved() -> QuerySet[App]:
    """The apps a user may share with, for pickers in the UI."""
    return App.objects.filter(state=App.State.APPROVED).order_by("name", "id")


# ---- grants, as their user sees them ----


def grant_state(grant: Grant, *, now: datetime | None = None) -> str:
    if grant.revoked_at is not None:
        return "revoked"
    if grant.expires_at <= (now or timezone.now()):
        return "expired"
    return "live"


def grant_list(*, user) -> QuerySet[Grant]:
    return (
        Grant.objects.filter(user=user)
        .select_related("app")
        .prefetch_related("items")
        .order_by("-issued_at", "-id")
    )


def grant_get(*, user, grant_id, for_update: bool = False) -> Grant:
    grant_uuid = parse_uuid(grant_id)
    grants = Grant.objects.filter(user=user)
    if for_update:
        grants = grants.select_for_update()
    grant = None if grant_uuid is None else grants.filter(id=grant_uuid).first()
    if grant is None:
        raise NotFound()
    return grant


# ---- grants, as their app sees them ----


def app_live_grants(*, app: App, now: datetime | None = None) -> QuerySet[Grant]:
    """Grants the app may fetch: neither revoked nor expired. Nothing else is ever served."""
    return Grant.objects.filter(
        app=app, revoked_at__isnull=True, expires_at__gt=now or timezone.now()
    ).order_by("issued_at", "id")


# ---- published user keys ----


@dataclass(frozen=True)
class PublicKeys:
    user_id: int
    box_public_key: bytes
    sign_public_key: bytes


def user_public_keys(*, user_id: int) -> PublicKeys:
    """A user's X25519 and Ed25519 public keys; 404 for no such user, no vault or an inactive account."""
    vault = (
        Vault.objects.filter(user_id=user_id, user__is_active=True)
        .only("user_id", "box_public_key", "sign_public_key")
        .first()
    )
    if vault is None:
        raise NotFound()
    return PublicKeys(
        user_id=vault.user_id,
        box_public_key=bytes(vault.box_public_key),
        sign_public_key=bytes(vault.sign_public_key),
    )
