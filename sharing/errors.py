"""The refusals sharing services raise. The API handler renders each as {code, detail}."""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed

from coffer.errors import DomainError

APP_AUTH_SCHEME = "Coffer-App-Signature"


class NotFound(DomainError):
    """An app, grant or record that does not exist, or is not yours: always 404."""

    def __init__(self, detail: str = "Not found.", *, field: str | None = None):
        super().__init__("not_found", detail, status=404, field=field)


class AppKeyTaken(DomainError):
    def __init__(self):
        super().__init__(
            "app_key_taken", "An app with this Ed25519 public key is already registered.",
            status=409, field="sign_public_key",
        )


class GrantTooLarge(DomainError):
    def __init__(self, *, limit: int):
        super().__init__(
            "payload_too_large", f"A grant may hold at most {limit} bytes; share fewer records or fields.",
            status=413, extra={"limit": limit},
        )


class ScanChanged(DomainError):
    def __init__(self):
        super().__init__(
            "scan_changed", "A scan changed while it was being shared; nothing was shared. Try again.",
            status=409,
        )


class AppSignatureInvalid(AuthenticationFailed):
    """A signed app request that does not verify. One message for every cryptographic
    failure and for an unknown app, so a caller learns nothing about which check failed."""

    default_detail = "The request signature is not valid."
