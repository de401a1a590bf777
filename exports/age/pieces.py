"""Iterating byte pieces after some were read ahead."""

from __future__ import annotations

from collections.abc import Iterator


def prepended(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
