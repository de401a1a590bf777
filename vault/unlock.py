"""Unlock sessions in the cache (DESIGN §4).

The cache holds only the vault keys sealed under a key derived from the client's
unlock secret, under an id that is a one-way digest of that secret. Neither a
cache dump nor the client alone reveals a key.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from vault.crypto.errors import IntegrityError
from vault.crypto.keys import new_unlock_secret, unlock_session_id
from vault.crypto.session import VaultKeys, open_session, seal_session

from .models import Vault


@dataclass(frozen=True)
class UnlockSession:
    unlock_secret: str
    idle_expires_at: datetime
    expires_at: datetime
    # The API token that opened it (None: a browser's signed-in session); it ends with it.
    token_id: int | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"UnlockSession(expires_at={self.expires_at.isoformat()})"


def _cache_key(vault: Vault, unlock_secret: str) -> str:
    return f"unlock:{vault.user_id}:{vault.unlock_epoch}:{unlock_session_id(unlock_secret)}"


# Sliding the idle expiry costs a cache write; skip it while the expiry is this fresh.
TOUCH_RESOLUTION_SECONDS = 15

# The cache entry's own format version (docs/format.md, "Unlock sessions"); an entry of any
# other format reads as a locked session.
ENTRY_FORMAT = 1


def _entry(
    blob: bytes, expires_at: datetime, idle_expires_at: datetime, key_set_version: int, token_id: int | None
) -> dict:
    return {
        "format": ENTRY_FORMAT,
        "blob": base64.b64encode(blob).decode("ascii"),
        "expires_at": expires_at.timestamp(),
        "idle_expires_at": idle_expires_at.timestamp(),
        # Which set of vault key versions the blob holds; see vault_keys().
        "key_set_version": key_set_version,
        "token_id": token_id,
    }


def _read_entry(entry) -> dict | None:
    """The entry with its blob as bytes, or None for anything but a well-formed format-1 entry."""
    if not isinstance(entry, dict) or type(entry.get("format")) is not int or entry["format"] != ENTRY_FORMAT:
        return None
    try:
        blob = base64.b64decode(entry["blob"], validate=True)
        fields = {name: entry[name] for name in ("expires_at", "idle_expires_at", "key_set_version", "token_id")}
    except (KeyError, TypeError, binascii.Error):
        return None
    expiries = [fields["expires_at"], fields["idle_expires_at"]]
    if not all(type(value) in (int, float) and math.isfinite(value) for value in expiries):
        return None
    if type(fields["key_set_version"]) is not int or not (fields["token_id"] is None or type(fields["token_id"]) is int):
        return None
    return {**fields, "blob": blob}


def _store(
    key: str, blob: bytes, expires_at: datetime, now: datetime, key_set_version: int, token_id: int | None
) -> datetime:
    idle_expires_at = min(now + settings.COFFER_UNLOCK_IDLE_TTL, expires_at)
    timeout = max(1, int((idle_expires_at - now).total_seconds()))
    cache.set(key, _entry(blob, expires_at, idle_expires_at, key_set_version, token_id), timeout=timeout)
    return idle_expires_at


def session_open(*, vault: Vault, keys: VaultKeys, token_id: int | None = None) -> UnlockSession:
    """`vault` as read under the vault lock, so its epoch and key-set version match `keys`."""
    unlock_secret = new_unlock_secret()
    now = timezone.now()
    expires_at = now + settings.COFFER_UNLOCK_ABSOLUTE_TTL
    blob = seal_session(unlock_secret, str(vault.user_id), vault.unlock_epoch, keys)
    idle_expires_at = _store(_cache_key(vault, unlock_secret), blob, expires_at, now, vault.key_set_version, token_id)
    return UnlockSession(unlock_secret, idle_expires_at, expires_at, token_id)


def _live_entry(vault: Vault, unlock_secret: str, now: datetime) -> tuple[str, dict] | None:
    """The cache key and entry of a session that has not expired, or None."""
    try:
        key = _cache_key(vault, unlock_secret)
    except IntegrityError:
        return None
    entry = _read_entry(cache.get(key))
    if entry is None or entry["expires_at"] <= now.timestamp():
        return None
    return key, entry


def session_keys(*, vault: Vault, unlock_secret: str, touch: bool = True) -> tuple[VaultKeys, UnlockSession] | None:
    """The keys of a live session, sliding its idle expiry; None if locked or expired."""
    now = timezone.now()
    found = _live_entry(vault, unlock_secret, now)
    if found is None:
        return None
    key, entry = found
    try:
        keys = open_session(unlock_secret, str(vault.user_id), vault.unlock_epoch, entry["blob"])
    except IntegrityError:
        return None
    expires_at = datetime.fromtimestamp(entry["expires_at"], tz=now.tzinfo)
    idle_expires_at = datetime.fromtimestamp(entry["idle_expires_at"], tz=now.tzinfo)
    ideal = min(now + settings.COFFER_UNLOCK_IDLE_TTL, expires_at)
    if touch and (ideal - idle_expires_at).total_seconds() >= TOUCH_RESOLUTION_SECONDS:
        idle_expires_at = _store(key, entry["blob"], expires_at, now, entry["key_set_version"], entry["token_id"])
    keys.key_set_version = entry["key_set_version"]
    return keys, UnlockSession(unlock_secret, idle_expires_at, expires_at, entry["token_id"])


def session_opener_alive(*, session: UnlockSession, request_token_id: int | None = None) -> bool:
    """A session opened with an API token lives only as long as that token does."""
    if session.token_id is None or session.token_id == request_token_id:
        return True  # a request authenticated with the very token has just proved it alive
    from accounts.selectors import token_is_live

    return token_is_live(token_id=session.token_id)


def session_carry_over(*, vault_before: Vault, vault_after: Vault, unlock_secret: str, keys: VaultKeys) -> bool:
    """Moves the caller's live session to the vault's new epoch, with the keys of the new
    PIN: a PIN change ends every session but the one that made it."""
    now = timezone.now()
    found = _live_entry(vault_before, unlock_secret, now)
    if found is None:
        return False
    old_key, entry = found
    blob = seal_session(unlock_secret, str(vault_after.user_id), vault_after.unlock_epoch, keys)
    expires_at = datetime.fromtimestamp(entry["expires_at"], tz=now.tzinfo)
    _store(_cache_key(vault_after, unlock_secret), blob, expires_at, now, vault_after.key_set_version,
           entry["token_id"])
    cache.delete(old_key)
    return True


def session_replace_keys(*, vault: Vault, unlock_secret: str, keys: VaultKeys, key_set_version: int) -> None:
    """Reseal a live session after its key set changed (rotation), keeping its expiries."""
    key = _cache_key(vault, unlock_secret)
    entry = _read_entry(cache.get(key))
    if entry is None:
        return
    blob = seal_session(unlock_secret, str(vault.user_id), vault.unlock_epoch, keys)
    now = timezone.now()
    _store(key, blob, datetime.fromtimestamp(entry["expires_at"], tz=now.tzinfo), now, key_set_version,
           entry["token_id"])


def session_close(*, vault: Vault, unlock_secret: str) -> None:
    try:
        cache.delete(_cache_key(vault, unlock_secret))
    except IntegrityError:
        pass
