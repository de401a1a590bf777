"""Secrets a client types or sends: recovery codes and unlock secrets.

vault.crypto.keys.parse_recovery_code takes what a person typed; unlock_session_id
(through _unlock_secret_bytes) takes the X-Vault-Unlock header or the unlock cookie.
Only IntegrityError may come out. A code or secret that parses is canonical in the
documented way, and every generated one parses back to its bytes.
"""

from __future__ import annotations

import string

from fuzz import harness
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import (
    CROCKFORD,
    RECOVERY_CODE_BYTES,
    new_recovery_code,
    new_unlock_secret,
    parse_recovery_code,
    unlock_session_id,
    unlock_session_key,
)

# What a recovery code may hold besides Crockford digits: separators, lower case,
# and O, I, L for 0, 1, 1 (the docstring of parse_recovery_code).
RECOVERY_CHARACTERS = set(CROCKFORD) | set(CROCKFORD.lower()) | set("OILoil -")
UNLOCK_SECRET_CHARACTERS = set(string.ascii_letters + string.digits + "-_")


def _check_recovery_code(text: str) -> None:
    try:
        raw = parse_recovery_code(text)
    except IntegrityError:
        return
    assert len(raw) == RECOVERY_CODE_BYTES
    assert set(text) <= RECOVERY_CHARACTERS, f"a recovery code with other characters parsed: {text!r}"
    assert parse_recovery_code(new_recovery_code(lambda n: raw)) == raw


def _check_unlock_secret(text: str) -> None:
    try:
        session_id = unlock_session_id(text)
    except IntegrityError:
        return
    assert len(text) == 43 and set(text) <= UNLOCK_SECRET_CHARACTERS, f"a non-canonical unlock secret: {text!r}"
    assert len(bytes.fromhex(session_id)) == 32 and len(unlock_session_key(text)) == 32


def one_input(data: bytes) -> None:
    text = harness.text_of(data)
    _check_recovery_code(text)
    _check_unlock_secret(text)
    # Round trips from the fuzz bytes as key material.
    raw = data[:RECOVERY_CODE_BYTES].ljust(RECOVERY_CODE_BYTES, b"\x00")
    assert parse_recovery_code(new_recovery_code(lambda n: raw)) == raw
    secret = new_unlock_secret(lambda n: data[:32].ljust(32, b"\x00"))
    assert unlock_session_id(secret) == unlock_session_id(secret)


if __name__ == "__main__":
    harness.main(one_input)
