"""Coffer's hooks into django-allauth: the vault locks at sign-out, TOTP secrets are sealed.

Everything else about accounts (sign-up, sign-in, email, passwords, second factors,
sessions, rate limits) is allauth's own; docs/accounts.md says which setting does what.
"""

from __future__ import annotations

import base64

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter

from vault.keyring import get_key_provider

# The server-keyring wrap of a TOTP secret (docs/format.md, "Where everything is stored").
TOTP_WRAP_PURPOSE = "mfa.totp"
TOTP_SEALED_PREFIX = "sealed:"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """The one trusted-proxy rule (coffer/proxies.py), for allauth's rate limits and sessions too."""
        from coffer.proxies import request_client_address

        return request_client_address(request) or super().get_client_ip(request)

    def authentication_failed(self, request, **credentials) -> None:
        from .services import user_sign_in_failed

        typed = credentials.get("username") or credentials.get("email") or credentials.get("phone") or ""
        user_sign_in_failed(login=str(typed), request=request)

    def logout(self, request) -> None:
        """Signing out locks the vault first: an unlock session never outlives its sign-in."""
        from vault.api.unlocking import unlock_secret_from
        from vault.services import vault_lock

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            unlock_secret = unlock_secret_from(request)
            if unlock_secret:
                vault_lock(user=user, unlock_secret=unlock_secret, request=request)
        super().logout(request)


class MFAAdapter(DefaultMFAAdapter):
    """TOTP secrets are stored sealed under the server keyring, never in the clear.

    A database dump alone then yields no second factor. The sealed form names the
    keyring version, so a server-key rotation leaves older secrets readable.
    """

    def encrypt(self, text: str) -> str:
        version, wrapped = get_key_provider().wrap(text.encode(), purpose=TOTP_WRAP_PURPOSE, subject="")
        return f"{TOTP_SEALED_PREFIX}{version}:{base64.b64encode(wrapped).decode()}"

    def decrypt(self, encrypted_text: str) -> str:
        version, _, wrapped = encrypted_text.removeprefix(TOTP_SEALED_PREFIX).partition(":")
        secret = get_key_provider().unwrap(int(version), base64.b64decode(wrapped),
                                           purpose=TOTP_WRAP_PURPOSE, subject="")
        return secret.decode()
