"""What a rotation does to each kind of item. Apps provide a handler per item kind;
settings.COFFER_ROTATION_HANDLERS lists them, so the engine imports no app."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from vault.crypto.session import VaultKeys


class RotationHandler(Protocol):
    item_kind: str

    def stragglers(self, *, job) -> Iterable[tuple[str, int]]:
        """(item id, size in bytes) of every item of the job's vault not yet under its target version."""

    def process(self, *, job, item, keys: VaultKeys) -> None:
        """Drive one item to `done`. Idempotent: it may be called again from any state after a crash."""


@dataclass
class Batch:
    """What a handler did with a batch of items: rows moved (the engine marks their items
    done in the same transaction), and items left to the one-at-a-time path."""

    moved: list = field(default_factory=list)
    left: list = field(default_factory=list)


class BatchRotationHandler(RotationHandler, Protocol):
    """A handler whose items each move in one small write can move many per transaction."""

    def batches(self, *, job) -> bool:
        """Whether this job's items of this kind go in batches."""

    def process_batch(self, *, job, items: list, keys: VaultKeys) -> Batch:
        """Moves the rows of `items` onto the job's target version, inside the caller's
        transaction (the vault row and the items are locked): no commit, no other
        transaction. An item whose row is gone or already moved counts as moved."""


@lru_cache(maxsize=1)
def handlers() -> dict[str, RotationHandler]:
    loaded = [import_string(path)() for path in settings.COFFER_ROTATION_HANDLERS]
    return {handler.item_kind: handler for handler in loaded}
