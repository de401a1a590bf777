"""coffer-client: Coffer's API from Python, for its users and for apps.

User side: `Coffer(server, token)` (a token from `token_create`). App side: `AppKeys`,
`AppClient`, and the offline checks `open_grant` and `verify_attestation`.
"""

from .app import (
    AppClient,
    AppKeys,
    AppSignature,
    request_message,
    verify_attestation_by_handle,
    verify_attestation_offline,
)
from .auth import ALL_SCOPES, token_create
from .canonical import canonical_json, parse_canonical
from .errors import (
    ApiError,
    CofferError,
    Conflict,
    Forbidden,
    IntegrityFailure,
    InvalidRequest,
    LockedOut,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    QuotaExceeded,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    TransferError,
    Unauthorized,
    UnsupportedFileType,
    VaultLocked,
    VerificationError,
    WrongPin,
)
from .models import Export, FileInfo, Grant, Record, Rotation, UnlockSession
from .transport import RetryPolicy
from .user import Coffer
from .verify import OpenedGrant, SharedRecord, SharedScan, VerifiedAttestation, open_grant, verify_attestation

__version__ = "0.1.0"

__all__ = [
    "ALL_SCOPES", "ApiError", "AppClient", "AppKeys", "AppSignature", "Coffer", "CofferError", "Conflict", "Export",
    "FileInfo", "Forbidden", "Grant", "IntegrityFailure", "InvalidRequest", "LockedOut", "NotFound",
    "OpenedGrant", "PayloadTooLarge", "PreconditionFailed", "PreconditionRequired",
    "QuotaExceeded", "RateLimited", "Record", "RetryPolicy", "Rotation", "ServerError", "ServiceUnavailable",
    "SharedRecord", "SharedScan", "TransferError", "Unauthorized", "UnlockSession", "UnsupportedFileType", "VaultLocked",
    "VerificationError", "VerifiedAttestation", "WrongPin", "canonical_json", "open_grant", "parse_canonical",
    "request_message", "token_create", "verify_attestation", "verify_attestation_by_handle",
    "verify_attestation_offline",
]
