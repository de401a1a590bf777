"""Reads about a vault, with no key material."""

from __future__ import annotations

import math

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from .models import Vault
from .unlock import session_keys


def vault_state(*, user, unlock_secret: str | None) -> dict:
    vault = Vault.objects.filter(user=user).first()
    lockout_after = settings.COFFER_PIN_LOCKOUT_AFTER
    if vault is None:
        return {
            "state": "unset", "kdf": None, "key_version": None, "server_key_version": None,
            "failed_attempts": 0, "attempts_remaining": lockout_after, "retry_after": None,
            "idle_expires_at": None, "expires_at": None, "last_unlock_at": None, "recovery_issued_at": None,
        }
    session = None
    if vault.locked_out_at is not None:
        state = "locked_out"
    else:
        found = session_keys(vault=vault, unlock_secret=unlock_secret, touch=False) if unlock_secret else None
        state = "unlocked" if found else "locked"
        session = found[1] if found else None
    now = timezone.now()
    retry_after = None
    if vault.backoff_until is not None and vault.backoff_until > now:
        retry_after = math.ceil((vault.backoff_until - now).total_seconds())
    return {
        "state": state,
        "kdf": vault.kdf_params,
        "key_version": vault.keys.aggregate(v=Max("version"))["v"],
        "server_key_version": vault.server_key_version,
        "failed_attempts": vault.failed_attempts,
        "attempts_remaining": max(0, lockout_after - vault.failed_attempts),
        "retry_after": retry_after,
        "idle_expires_at": session.idle_expires_at if session else None,
        "expires_at": session.expires_at if session else None,
        "last_unlock_at": vault.last_unlock_at,
        "recovery_issued_at": vault.recovery_issued_at,
    }
