"""ETags and If-Match for records. The ETag names the record's revision."""

from __future__ import annotations

import re

from coffer.inputs import bounded_int

_STRONG_TAG = re.compile(r'"([^"]*)"')
# The largest revision an ETag can name: PostgreSQL's integer.
MAX_REVISION = 2**31 - 1


def etag_for(revision: int) -> str:
    return f'"{revision}"'


class WildcardIfMatch(ValueError):
    """`If-Match: *` guards against nothing in a lost-update race, so it is refused."""


def parse_if_match(header: str) -> frozenset[int]:
    """The revisions an If-Match header accepts. Weak, foreign or malformed tags match
    nothing (If-Match compares strongly, octet by octet: RFC 9110 §8.8.3.2), so `"01"`
    is not `"1"`, and no tag, however long, reaches int() unbounded."""
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in tags:
        raise WildcardIfMatch()
    revisions = set()
    for tag in tags:
        match = _STRONG_TAG.fullmatch(tag)
        revision = bounded_int(match.group(1), minimum=1, maximum=MAX_REVISION) if match else None
        if revision is not None:
            revisions.add(revision)
    return frozenset(revisions)
