"""Typed exceptions. Every error Coffer answers carries a stable `code` (README.md of the
server: `{code, detail}` JSON, plus `fields` for bad input); the class follows the code
first and the HTTP status second, so `except VaultLocked` works whatever the status."""

from __future__ import annotations

from typing import Any


class CofferError(Exception):
    """Base of everything this package raises."""


class ApiError(CofferError):
    """Coffer refused a request. `code` is Coffer's stable error code."""

    def __init__(
        self,
        *,
        status: int,
        code: str,
        detail: str,
        fields: dict[str, Any] | None = None,
        retry_after: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.fields = fields or {}
        self.retry_after = retry_after
        self.extra = extra or {}


class InvalidRequest(ApiError):
    """400: bad input; `fields` names each bad field."""


class Unauthorized(ApiError):
    """401: no token, a revoked or expired one, or an app signature that does not verify."""


class Forbidden(ApiError):
    """403: e.g. `insufficient_scope`, `app_not_approved`."""


class WrongPin(ApiError):
    """`wrong_pin`: the attempt was counted. `attempts_remaining` says how many are left."""

    @property
    def attempts_remaining(self) -> int | None:
        value = self.extra.get("attempts_remaining")
        return value if isinstance(value, int) else None


class NotFound(ApiError):
    """404: unknown, malformed, or someone else's id (Coffer never says which)."""


class Conflict(ApiError):
    """409: e.g. `vault_exists`, `rotation_running`, `app_key_taken`."""


class IntegrityFailure(Conflict):
    """`integrity_error`: stored data failed its integrity check; nothing was returned."""


class PreconditionFailed(ApiError):
    """412: the record changed since it was read; read it again."""


class PreconditionRequired(ApiError):
    """428: a PATCH without If-Match."""


class PayloadTooLarge(ApiError):
    """413: `payload_too_large`, `file_too_large`."""


class UnsupportedFileType(ApiError):
    """415: a declared type outside Coffer's allowlist."""


class VaultLocked(ApiError):
    """423 `vault_locked`: unlock with the PIN first."""


class LockedOut(VaultLocked):
    """423 `locked_out`: too many wrong PINs; the account password must re-authorise."""


class RateLimited(ApiError):
    """429 that retries did not get past; `retry_after` is the server's wait in seconds."""


class ServiceUnavailable(ApiError):
    """503 that retries did not get past, e.g. `storage_unavailable`."""


class QuotaExceeded(ApiError):
    """507 `quota_exceeded`."""


class ServerError(ApiError):
    """Any other 5xx."""


class VerificationError(CofferError):
    """A grant or attestation did not verify. Nothing of it may be used."""


class TransferError(CofferError):
    """A download ended early more often than the retries allow. The server cuts a download
    short when a stored chunk fails its integrity check, so this can mean damage."""


_BY_CODE: dict[str, type[ApiError]] = {
    "wrong_pin": WrongPin,
    "integrity_error": IntegrityFailure,
    "vault_locked": VaultLocked,
    "locked_out": LockedOut,
    "precondition_failed": PreconditionFailed,
    "precondition_required": PreconditionRequired,
    "quota_exceeded": QuotaExceeded,
    "not_found": NotFound,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    415: UnsupportedFileType,
    423: VaultLocked,
    428: PreconditionRequired,
    429: RateLimited,
    503: ServiceUnavailable,
    507: QuotaExceeded,
}


def error_for(status: int, body: Any, retry_after: float | None) -> ApiError:
    """The typed exception for an error answer. A body that is not Coffer's JSON (a proxy's
    page, say) still gives a typed error, with the code `http_<status>`."""
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        code = body["code"]
        detail = str(body.get("detail", ""))
        fields = body.get("fields") if isinstance(body.get("fields"), dict) else None
        extra = {key: value for key, value in body.items() if key not in {"code", "detail", "fields"}}
    else:
        code, detail, fields, extra = f"http_{status}", "The server answered with an error.", None, {}
    cls = _BY_CODE.get(code) or _BY_STATUS.get(status) or (ServerError if status >= 500 else ApiError)
    return cls(status=status, code=code, detail=detail, fields=fields, retry_after=retry_after, extra=extra)
