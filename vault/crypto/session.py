"""The unlock session: the keys an unlocked vault needs, sealed under the client's unlock secret.

The server keeps only this blob, in the cache; the client keeps only the secret.
    payload = KEK (32) || count (u16) || count x (key version u32 || vault key 32)
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import nacl.utils

from . import aead
from .aead import KEY_SIZE, Rng
from .context import Context
from .errors import IntegrityError
from .keys import unlock_session_key

PURPOSE = "unlock-session"


@dataclass
class VaultKeys:
    """What an unlocked vault holds: its KEK and every live vault key by version."""

    kek: bytes
    vault_keys: dict[int, bytes] = field(default_factory=dict)
    # Which generation of the vault's key set this is (not secret; not sealed).
    key_set_version: int = -1
    # Loads the versions stored now (a rotation may have added one since this set was
    # read); key() calls it once before giving up on a version it lacks.
    reload: Callable[[VaultKeys], VaultKeys] | None = field(default=None, repr=False, compare=False)

    @property
    def current_version(self) -> int:
        return max(self.vault_keys)

    @property
    def current(self) -> bytes:
        return self.vault_keys[self.current_version]

    def key(self, version: int) -> bytes:
        """The vault key of this version; a version this session lacks opens nothing."""
        vault_key = self.vault_keys.get(version)
        if vault_key is None and self.reload is not None:
            try:
                self.vault_keys = dict(self.reload(self).vault_keys)
            except IntegrityError:
                pass
            vault_key = self.vault_keys.get(version)
        if vault_key is None:
            raise IntegrityError()
        return vault_key

    def __repr__(self) -> str:  # never print keys
        return f"VaultKeys(versions={sorted(self.vault_keys)})"


def _encode(keys: VaultKeys) -> bytes:
    out = bytearray(keys.kek) + struct.pack(">H", len(keys.vault_keys))
    for version, key in sorted(keys.vault_keys.items()):
        out += struct.pack(">I", version) + key
    return bytes(out)


def _decode(raw: bytes) -> VaultKeys:
    if len(raw) < KEY_SIZE + 2:
        raise IntegrityError()
    (count,) = struct.unpack(">H", raw[KEY_SIZE : KEY_SIZE + 2])
    if count == 0 or len(raw) != KEY_SIZE + 2 + count * (4 + KEY_SIZE):
        raise IntegrityError()
    keys = VaultKeys(kek=raw[:KEY_SIZE])
    offset = KEY_SIZE + 2
    for _ in range(count):
        (version,) = struct.unpack(">I", raw[offset : offset + 4])
        if keys.vault_keys and version <= max(keys.vault_keys):  # strictly ascending, as _encode writes
            raise IntegrityError()
        keys.vault_keys[version] = raw[offset + 4 : offset + 4 + KEY_SIZE]
        offset += 4 + KEY_SIZE
    return keys


def seal_session(unlock_secret: str, user_id: str, epoch: int, keys: VaultKeys, *, rng: Rng = nacl.utils.random) -> bytes:
    context = Context(PURPOSE, user_id, "", epoch)
    return aead.seal(unlock_session_key(unlock_secret), _encode(keys), context, rng=rng)


def open_session(unlock_secret: str, user_id: str, epoch: int, blob: bytes) -> VaultKeys:
    context = Context(PURPOSE, user_id, "", epoch)
    return _decode(aead.open_(unlock_session_key(unlock_secret), blob, context))
