"""The unlock session: vault.crypto.session.open_session.

Untrusted input: the sealed session blob read back from the cache, and the unlock
secret the client sends. The first input byte picks what is fuzzed:

    0  the blob, opened with the right secret
    1  the payload inside the blob (sealed here, so the decoder sees it)
    2  the unlock secret, against a valid blob

Only IntegrityError may come out. A blob opens only if it is the one sealed; a
payload that decodes is canonical (it encodes back to the same bytes).
"""

from __future__ import annotations

from fuzz import harness
from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import unlock_session_key
from vault.crypto.session import PURPOSE, VaultKeys, _encode, open_session, seal_session

SECRET = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"  # bytes 0..31
USER_ID = "42"
EPOCH = 3
KEYS = VaultKeys(kek=bytes(range(32, 64)), vault_keys={1: bytes(range(64, 96)), 2: bytes(range(96, 128))})


def _counter_nonce(size: int) -> bytes:
    return bytes(range(size))


BLOB = seal_session(SECRET, USER_ID, EPOCH, KEYS, rng=_counter_nonce)


def _same(a: VaultKeys, b: VaultKeys) -> bool:
    return a.kek == b.kek and a.vault_keys == b.vault_keys


def _blob(blob: bytes) -> None:
    try:
        keys = open_session(SECRET, USER_ID, EPOCH, blob)
    except IntegrityError:
        return
    assert blob == BLOB and _same(keys, KEYS), "a session blob opened that was never sealed"


def _payload(payload: bytes) -> None:
    context = Context(PURPOSE, USER_ID, "", EPOCH)
    blob = aead.seal(unlock_session_key(SECRET), payload, context, rng=_counter_nonce)
    try:
        keys = open_session(SECRET, USER_ID, EPOCH, blob)
    except IntegrityError:
        return
    assert _encode(keys) == payload, "a session payload decoded that does not encode back to itself"
    assert keys.vault_keys, "a session without a vault key decoded"
    assert all(len(key) == 32 for key in (keys.kek, *keys.vault_keys.values()))


def _secret(text: str) -> None:
    try:
        keys = open_session(text, USER_ID, EPOCH, BLOB)
    except IntegrityError:
        return
    assert text == SECRET and _same(keys, KEYS), "a session opened with another secret"


def one_input(data: bytes) -> None:
    if not data:
        return
    mode, rest = data[0] % 3, data[1:]
    if mode == 0:
        _blob(rest)
    elif mode == 1:
        _payload(rest)
    else:
        _secret(harness.text_of(rest))


if __name__ == "__main__":
    harness.main(one_input)
