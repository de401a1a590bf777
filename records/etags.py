"""ETags and If-Match for records. The ETag names the record's revision."""

from __future__ import annotations

import re

_STRONG_REVISION = re.compile(r'"(\d{1,10})"')


def etag_for(revision: int) -> str:
    return f'"{revision}"'


class WildcardIfMatch(ValueError):
    """`If-Match: *` guards against nothing in a lost-update race, so it is refused."""


def parse_if_match(header: str) -> frozenset[int]:
    """The revisions an If-Match header accepts. Weak or foreign tags match nothing
    (If-Match compares strongly, RFC 9110 §13.1.1)."""
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in tags:
        raise WildcardIfMatch()
    return frozenset(int(m.group(1)) for tag in tags if (m := _STRONG_REVISION.fullmatch(tag)))
