"""SIGKILLs the worker, the web server (gunicorn's master and workers) and the S3
server at random, and starts each again on the same port and data directory."""

from __future__ import annotations

import random
import threading
import time

from .api import Tally
from .stack import Stack

KINDS = ("worker", "web", "s3")


class Killer:
    def __init__(self, stack: Stack, tally: Tally, rng: random.Random, *, interval: float, max_kills: int | None):
        self.stack, self.tally, self.rng = stack, tally, rng
        self.interval, self.max_kills = interval, max_kills
        self.stop = threading.Event()
        self.kills = 0
        self.failure: Exception | None = None
        self._bag: list[str] = []

    def done(self) -> bool:
        return self.max_kills is not None and self.kills >= self.max_kills

    def run(self) -> None:
        try:
            while not self.stop.is_set() and not self.done():
                # Mean `interval` seconds between kills, never two at the same moment.
                if self.stop.wait(self.rng.uniform(0.3, 1.7) * self.interval):
                    break
                self.kill_one(self._next())
        except Exception as exc:  # a service that will not start again ends the run
            self.failure = exc
            self.stop.set()

    def _next(self) -> str:
        # A shuffled bag of one kill of each kind: even short runs kill every kind.
        if not self._bag:
            self._bag = list(KINDS)
            self.rng.shuffle(self._bag)
        return self._bag.pop()

    def kill_one(self, name: str) -> None:
        outage = self.tally.outage_begins(name)
        self.stack.kill(name)
        self.kills += 1
        time.sleep(self.rng.uniform(0.0, 1.0))  # down for a moment, as a crashed container is
        for attempt in range(5):
            try:
                self.stack.start(name)
                break
            except RuntimeError:
                self.stack.kill(name)
                if attempt == 4:
                    raise
                time.sleep(1)
        outage.back_at = time.monotonic()
