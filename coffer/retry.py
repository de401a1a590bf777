"""Transient faults (storage or database unreachable for a while) are retried with
exponential backoff and jitter, for minutes; the caller decides what is permanent.

    delay(n) = c/2 + U(0, c/2),  c = min(RETRY_MAX, RETRY_BASE · 2^(n-1))

With the production settings (1 s, 60 s, 16 attempts) that is about eight to
sixteen minutes of trying before a fault counts as permanent.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


def retry_delay(attempts: int, *, rng: Callable[[], float] = random.random) -> float:
    ceiling = min(settings.COFFER_ROTATION_RETRY_MAX_SECONDS,
                  settings.COFFER_ROTATION_RETRY_BASE_SECONDS * 2 ** min(attempts - 1, 30))
    return ceiling / 2 + rng() * ceiling / 2


def max_attempts() -> int:
    return settings.COFFER_ROTATION_MAX_ATTEMPTS


def with_retries(
    operation: Callable[[], T], *, what: str, permanent: tuple[type[BaseException], ...] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Runs `operation`, retrying every exception but the `permanent` ones; the last is raised."""
    attempts = 0
    while True:
        try:
            return operation()
        except permanent:
            raise
        except Exception as exc:
            attempts += 1
            if attempts >= max_attempts():
                raise
            delay = retry_delay(attempts)
            logger.warning("%s failed (%s), attempt %s; retrying in %.1f s", what, type(exc).__name__, attempts, delay)
            sleep(delay)
