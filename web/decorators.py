"""Tiny decorators for the pages: who may see them, and in which vault state."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from vault.api.unlocking import clear_unlock_cookie, unlock_secret_from
from vault.selectors import vault_state
from vault.services import VaultLocked, vault_get, vault_keys


def _unlock_url(request) -> str:
    url = reverse("unlock")
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return url


def autolock(user, unlock_secret: str | None) -> dict[str, int] | None:
    """Seconds until the unlock session ends: after idling, and at the latest. None if locked."""
    state = vault_state(user=user, unlock_secret=unlock_secret)
    if state["state"] != "unlocked":
        return None
    now = timezone.now()
    expires_in = (
        max(0, int((state["expires_at"] - now).total_seconds())) if state["expires_at"] else 0
    )
    lock_in = (
        max(0, int((state["idle_expires_at"] - now).total_seconds()))
        if state["idle_expires_at"]
        else 0
    )
    return {
        "lock_in": lock_in,
        "expires_in": expires_in,
        "idle_ttl": int(settings.COFFER_UNLOCK_IDLE_TTL.total_seconds()),
    }


def unlocked_vault_required(view):
    """The page needs the vault's keys: set a PIN or unlock first.

    Sets `request.vault_keys`, and `request.autolock` for the countdown that
    base.html shows. Keys never reach a template.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        unlock_secret = unlock_secret_from(request)
        try:
            request.vault_keys = vault_keys(user=request.user, unlock_secret=unlock_secret)
        except VaultLocked:
            if vault_get(user=request.user) is None:
                return redirect("vault-setup")
            response = redirect(_unlock_url(request))
            if unlock_secret:
                clear_unlock_cookie(response)
            return response
        request.autolock = autolock(request.user, unlock_secret)
        return view(request, *args, **kwargs)

    return wrapper


def shows_lock_state(view):
    """A page that needs no keys, but shows the lock button and countdown while unlocked.

    It does not count as vault activity: the idle countdown carries on.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        unlock_secret = unlock_secret_from(request)
        request.autolock = autolock(request.user, unlock_secret) if unlock_secret else None
        return view(request, *args, **kwargs)

    return wrapper
