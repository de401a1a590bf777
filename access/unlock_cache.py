"""The cache entry of an unlock session, found by its id alone (docs/format.md §7).

vault/unlock.py names entries from the unlock secret; the registry has only the
secret's one-way digest, so it names them the same documented way from that.
"""

from __future__ import annotations

from django.core.cache import cache


def _entry_key(*, user_id: int, epoch: int, session_id: str) -> str:
    return f"unlock:{user_id}:{epoch}:{session_id}"


def unlock_entry_exists(*, user_id: int, epoch: int, session_id: str) -> bool:
    return cache.has_key(_entry_key(user_id=user_id, epoch=epoch, session_id=session_id))


def unlock_entry_delete(*, user_id: int, epoch: int, session_id: str) -> None:
    cache.delete(_entry_key(user_id=user_id, epoch=epoch, session_id=session_id))
