"""Checking an app's signed request (docs/sharing.md §4): timestamp window, single-use
nonce, Ed25519 signature over the canonical request string. No bearer secrets."""

from __future__ import annotations

import base64
import binascii
import re
import time

from django.core.cache import cache
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from .canonical import request_message
from .errors import AppSignatureInvalid

MAX_SKEW_SECONDS = 300
# A nonce is remembered as long as a request carrying it could still be accepted.
NONCE_TTL_SECONDS = 2 * MAX_SKEW_SECONDS

TIMESTAMP_HEADER = "X-App-Timestamp"
NONCE_HEADER = "X-App-Nonce"
SIGNATURE_HEADER = "X-App-Signature"
APP_ID_HEADER = "X-App-Id"

_TIMESTAMP = re.compile(r"0|[1-9][0-9]{0,11}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")


def decode_b64(text: str, size: int) -> bytes | None:
    """Strict standard base64 (RFC 4648 §4, padded) of exactly `size` bytes, else None."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    if len(raw) != size or base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def signed_request_verify(*, sign_public_key: bytes, app_id: str, request, now: float | None = None) -> None:
    """Raises AppSignatureInvalid unless the request is signed by this key, fresh and unreplayed."""
    timestamp = request.headers.get(TIMESTAMP_HEADER)
    nonce = request.headers.get(NONCE_HEADER)
    signature_b64 = request.headers.get(SIGNATURE_HEADER)
    if not timestamp or not nonce or not signature_b64:
        raise AppSignatureInvalid(
            f"Sign the request: send {TIMESTAMP_HEADER}, {NONCE_HEADER} and {SIGNATURE_HEADER}."
        )
    if not _TIMESTAMP.fullmatch(timestamp) or not _NONCE.fullmatch(nonce):
        raise AppSignatureInvalid()
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        raise AppSignatureInvalid(
            f"{TIMESTAMP_HEADER} is more than {MAX_SKEW_SECONDS} seconds from the server's clock."
        )
    signature = decode_b64(signature_b64, 64)
    if signature is None:
        raise AppSignatureInvalid()
    message = request_message(
        app_id=app_id, method=request.method, path=request.get_full_path(),
        timestamp=timestamp, nonce=nonce, body=request.body,
    )
    try:
        VerifyKey(sign_public_key).verify(message, signature)
    except (BadSignatureError, ValueError):
        raise AppSignatureInvalid() from None
    # Only after the signature holds, so nobody else can burn an app's nonces.
    if not cache.add(f"sharing:nonce:{sign_public_key.hex()}:{nonce}", 1, timeout=NONCE_TTL_SECONDS):
        raise AppSignatureInvalid("This nonce was already used.")
