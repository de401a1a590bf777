"""What the driver knows about each vault, changed only once the server confirmed it.

The PIN and recovery code live here, in memory only. Secret changes (PIN change,
recovery) are serialised per vault against each other and against unlocks by a
readers-writer lock, so the driver always knows which PIN is current; everything else
(uploads, edits, rotations, downloads) runs alongside them. Each record and file is
edited, read or deleted by one client at a time (`item_lock`), so the value the driver
holds is the only value the server may return.
"""

from __future__ import annotations

import random
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from vault.pin_policy import WeakPin, validate_pin

from .content import Body


class SecretLock:
    """Many unlocks at once, or one PIN change or recovery alone."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def shared(self):
        with self._cond:
            self._cond.wait_for(lambda: not self._writer)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        with self._cond:
            self._cond.wait_for(lambda: not self._writer)
            self._writer = True
            self._cond.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


@dataclass
class RecordState:
    label: str
    data: dict
    etag: str


@dataclass
class FileState:
    filename: str
    body: Body


@dataclass
class VaultState:
    username: str
    token: str
    pin: str
    recovery_code: str | None
    secret_lock: SecretLock = field(default_factory=SecretLock)
    lock: threading.Lock = field(default_factory=threading.Lock)
    records: dict[str, RecordState] = field(default_factory=dict)
    files: dict[str, FileState] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)
    # Creates whose answer was lost: found (or not) by their unique label or filename at the end.
    unsure_records: dict[str, dict] = field(default_factory=dict)
    unsure_files: dict[str, FileState] = field(default_factory=dict)
    # A recovery whose answer was lost after it committed: the new code never reached us.
    recovery_code_unknown: bool = False
    # No recoveries during the run, so the final check always tries one recovery code
    # that has lived through every rotation and PIN change (lost answers can spend the others).
    keeps_recovery_code: bool = False
    # Bumped on each confirmed PIN change or recovery, which must end every other session.
    epoch: int = 0
    epoch_changed_at: float = 0.0

    @contextmanager
    def item_lock(self, items: dict, rng: random.Random):
        """A random item of `items` that no other client is using, or None."""
        with self.lock:
            free = [key for key in items if key not in self.busy]
            chosen = rng.choice(free) if free else None
            if chosen is not None:
                self.busy.add(chosen)
        try:
            yield chosen
        finally:
            if chosen is not None:
                with self.lock:
                    self.busy.discard(chosen)


def new_pin(rng: random.Random) -> str:
    while True:
        pin = "".join(rng.choice("0123456789") for _ in range(8))
        try:
            validate_pin(pin)
            return pin
        except WeakPin:
            continue
