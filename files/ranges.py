"""The one byte range a download serves, from a Range header (RFC 9110 §14).

Only a single `bytes=` range is honoured. A header this module cannot use (another
unit, several ranges, bad syntax) is ignored and the whole file is sent, as the RFC
allows; a well-formed range that selects no byte of the file is RangeNotSatisfiable.

Positions are read by coffer.inputs.saturating_int: a position of any length past
the file means the same as one just past it, so 5,000 digits cost no int() of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coffer.inputs import saturating_int

from .errors import RangeNotSatisfiable

_SINGLE_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.ASCII)


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The range to send, or None for the whole file."""
    if not header:
        return None
    match = _SINGLE_RANGE.fullmatch(header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    past_the_end = size + 1
    if not first:
        # A suffix: the last N bytes. "bytes=-0" selects nothing.
        suffix = saturating_int(last, ceiling=past_the_end)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size=size)
        return ByteRange(max(0, size - suffix), size - 1)
    start = saturating_int(first, ceiling=past_the_end)
    end = saturating_int(last, ceiling=past_the_end) if last else size - 1
    if last and end < start:
        return None  # invalid syntax per the RFC: ignore the header
    if start >= size:
        raise RangeNotSatisfiable(size=size)
    return ByteRange(start, min(end, size - 1))
