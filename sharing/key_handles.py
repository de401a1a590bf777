"""Published public keys: by an opaque handle the user shares, or to an app holding a grant.

Every miss is the same 404: an unknown or malformed handle, a handle replaced or
withdrawn, an account without a vault or deactivated, an app without a live grant.
So no answer tells which accounts exist or have a vault.
"""

from __future__ import annotations

import re
import secrets

from django.db import transaction

from audit.services import audit_record
from vault.models import Vault

from .errors import NotFound
from .models import App, KeyHandle
from .selectors import PublicKeys, app_live_grants

HANDLE_BYTES = 16
HANDLE_PATTERN = re.compile(r"[A-Za-z0-9_-]{22}")


def _new_handle() -> str:
    """Random, URL-safe, and never starting with "-": people paste handles after a command
    line option (`--key-handle H`), where a leading dash reads as another option."""
    while (handle := secrets.token_urlsafe(HANDLE_BYTES)).startswith("-"):
        pass
    return handle


def key_handle_get(*, user) -> KeyHandle | None:
    return KeyHandle.objects.filter(user=user).first()


def key_handle_rotate(*, user, request=None) -> KeyHandle:
    """A new random handle; the old one stops working at once."""
    if not Vault.objects.filter(user=user).exists():
        raise NotFound("Set up your vault first: it holds the keys to publish.")
    with transaction.atomic():
        KeyHandle.objects.filter(user=user).delete()
        handle = KeyHandle.objects.create(user=user, handle=_new_handle())
    audit_record(action="sharing.key_handle.rotate", actor=user, request=request, target_kind="key_handle",
                 target_id=handle.pk)
    return handle


def key_handle_delete(*, user, request=None) -> None:
    deleted, _ = KeyHandle.objects.filter(user=user).delete()
    if deleted:
        audit_record(action="sharing.key_handle.delete", actor=user, request=request)


def _keys(vault: Vault | None) -> PublicKeys:
    if vault is None:
        raise NotFound()
    return PublicKeys(user_id=vault.user_id, box_public_key=bytes(vault.box_public_key),
                      sign_public_key=bytes(vault.sign_public_key))


def public_keys_by_handle(*, handle: str) -> PublicKeys:
    if not HANDLE_PATTERN.fullmatch(handle):
        raise NotFound()
    vault = (Vault.objects.filter(user__key_handle__handle=handle, user__is_active=True)
             .only("user_id", "box_public_key", "sign_public_key").first())
    return _keys(vault)


def public_keys_for_app(*, app: App, user_id: int) -> PublicKeys:
    """A user's keys, to an app that holds a live grant from them (to verify what they signed)."""
    if not app_live_grants(app=app).filter(user_id=user_id).exists():
        raise NotFound()
    vault = (Vault.objects.filter(user_id=user_id, user__is_active=True)
             .only("user_id", "box_public_key", "sign_public_key").first())
    return _keys(vault)



