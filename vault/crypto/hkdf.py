"""HKDF-SHA256 (RFC 5869), composed from the standard library's HMAC."""

import hashlib
import hmac

HASH_LEN = 32


def hkdf_sha256(ikm: bytes, *, info: bytes, salt: bytes = b"", length: int = 32) -> bytes:
    if not 0 < length <= 255 * HASH_LEN:
        raise ValueError("invalid HKDF output length")
    prk = hmac.new(salt or bytes(HASH_LEN), ikm, hashlib.sha256).digest()
    okm, block = b"", b""
    for counter in range(1, -(-length // HASH_LEN) + 1):
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm += block
    return okm[:length]
