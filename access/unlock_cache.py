"""The cache entry of an unlock session, found by its id alone (docs/format.md §7).

vault/unlock.py names entries from the unlock secret; the registry has only the
secret's one-way digest, so it names them the same documented way from that.
"""

from __future__ import annotations

from django.core.cache import cache


def _entry_key(*, user_id: int, epoch: int, session_id: str) -> str:
    return f"unlock:{user_id}:{epoch}:{session_id}"


def unlock_entries_existing(*, user_id: int, epoch: int, session_ids: list[str]) -> set[str]:
    """Which of these sessions have their entry under this epoch: one round trip for all."""
    keys = {_entry_key(user_id=user_id, epoch=epoch, session_id=session_id): session_id for session_id in session_ids}
    return {keys[key] for key in cache.get_many(list(keys))} if keys else set()


def unlock_entry_delete(*, user_id: int, epoch: int, session_id: str) -> None:
    cache.delete(_entry_key(user_id=user_id, epoch=epoch, session_id=session_id))
