"""Wrapped keys: vault.crypto.wrap.unwrap_key and unwrap_with_recovery.

Untrusted input: a wrapped key read back from the database (a vault key under a KEK,
a DEK under a vault key, a vault key sealed to the recovery key). Only IntegrityError
may come out; a wrap opens only if it is the one made for that key and context, and
then gives back the wrapped 32-byte key.
"""

from __future__ import annotations

from nacl.public import PrivateKey

from fuzz import harness
from fuzz.record_blob import context_of
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import recovery_private_key
from vault.crypto.wrap import unwrap_key, unwrap_with_recovery, wrap_to_recovery

OK_VECTORS = ("core/wrap_ok", "core/dek_wrap_ok")

# Recovery wraps are sealed boxes (a fresh ephemeral key each time), so they have no
# fixed vectors: the seed corpus holds wraps made to this recovery key.
RECOVERY_CODE = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"
RECOVERY_SHARE = bytes(range(32))
RECOVERY_USER = "42"
RECOVERY_CONTEXT = Context("vault-key/recovery", RECOVERY_USER, "", 1)
RECOVERED_KEY = bytes(range(100, 132))


def recovery_key() -> PrivateKey:
    return recovery_private_key(RECOVERY_CODE, RECOVERY_SHARE, RECOVERY_USER)


def recovery_wrap() -> bytes:
    return wrap_to_recovery(bytes(recovery_key().public_key), RECOVERED_KEY, RECOVERY_CONTEXT)


WRAPS = [
    (bytes.fromhex(c["key"]), context_of(c), bytes.fromhex(c["blob"]), bytes.fromhex(c["plaintext"]))
    for c in map(harness.vector, OK_VECTORS)
]
PRIVATE_KEY = recovery_key()


def one_input(data: bytes) -> None:
    for kek, context, wrapped, key in WRAPS:
        try:
            opened = unwrap_key(kek, data, context)
        except IntegrityError:
            continue
        assert data == wrapped and opened == key, "a key unwrapped that was never wrapped"
    try:
        opened = unwrap_with_recovery(PRIVATE_KEY, data, RECOVERY_CONTEXT)
    except IntegrityError:
        pass
    else:
        assert opened == RECOVERED_KEY, "a recovery wrap opened to a key nobody wrapped"
    # The same bytes never open for another context.
    try:
        unwrap_with_recovery(PRIVATE_KEY, data, Context("vault-key/recovery", "43", "", 1))
    except IntegrityError:
        pass
    else:
        raise AssertionError("a recovery wrap opened for another user")


if __name__ == "__main__":
    harness.main(one_input)
