"""Where a request carries its unlock secret: the X-Vault-Unlock header (apps) or an
HttpOnly, SameSite=Strict cookie (browsers)."""

from __future__ import annotations

from django.conf import settings

from vault.crypto.session import VaultKeys
from vault.services import vault_keys
from vault.unlock import UnlockSession


def unlock_secret_from(request) -> str | None:
    return request.META.get(settings.COFFER_UNLOCK_HEADER) or request.COOKIES.get(settings.COFFER_UNLOCK_COOKIE)


def require_vault_keys(request) -> VaultKeys:
    """The unlocked vault's keys, or 423 Locked."""
    from accounts.models import AccessToken

    auth = getattr(request, "auth", None)
    token_id = auth.pk if isinstance(auth, AccessToken) else None
    return vault_keys(user=request.user, unlock_secret=unlock_secret_from(request), request_token_id=token_id)


def set_unlock_cookie(response, session: UnlockSession) -> None:
    response.set_cookie(
        settings.COFFER_UNLOCK_COOKIE,
        session.unlock_secret,
        expires=session.expires_at,
        httponly=True,
        secure=settings.COFFER_UNLOCK_COOKIE_SECURE,
        samesite="Strict",
        path="/",
    )


def clear_unlock_cookie(response) -> None:
    response.delete_cookie(settings.COFFER_UNLOCK_COOKIE, path="/", samesite="Strict")
