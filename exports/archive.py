"""The export archive as one stream of tar bytes (docs/export.md, "The archive").

An archive is a sequence of members; each member is a name and a producer of its
bytes. A member whose size is not known beforehand (the JSON documents) is produced
twice: once to measure its size and SHA-256 for the tar header, once to write it. A
second run that differs means the vault changed under the export: VaultChanged, and
the build starts over. Files come with their size known, and only their length is
checked: their bytes are authenticated chunk by chunk as they are decrypted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .documents import ROOT
from .tar import END_OF_ARCHIVE, member_header, padding


class VaultChanged(Exception):
    """A record or file changed or went away while the export read it."""


@dataclass(frozen=True)
class Member:
    name: str  # under coffer-export/
    produce: Callable[[], Iterator[bytes]]
    size: int | None = None  # None: produced twice, measured first
    items: int = 0  # records or files it holds, for the job's progress


def measure(pieces: Iterable[bytes]) -> tuple[int, bytes]:
    digest, size = hashlib.sha256(), 0
    for piece in pieces:
        digest.update(piece)
        size += len(piece)
    return size, digest.digest()


def checked(pieces: Iterable[bytes], size: int, sha256: bytes | None) -> Iterator[bytes]:
    """`pieces`, refused (VaultChanged) the moment they run past `size`, or at the end
    if their length (or, given one, their digest) differs: a tar member must be exactly
    what its header says."""
    digest, seen = hashlib.sha256(), 0
    for piece in pieces:
        seen += len(piece)
        if seen > size:
            raise VaultChanged()
        if sha256 is not None:
            digest.update(piece)
        yield piece
    if seen != size or (sha256 is not None and digest.digest() != sha256):
        raise VaultChanged()


def archive_stream(members: Iterable[Member], *, mtime: int,
                   on_written: Callable[[Member], None] = lambda member: None) -> Iterator[bytes]:
    for member in members:
        if member.size is None:
            size, sha256 = measure(member.produce())
        else:
            size, sha256 = member.size, None
        yield member_header(f"{ROOT}/{member.name}", size, mtime=mtime)
        yield from checked(member.produce(), size, sha256)
        yield padding(size)
        on_written(member)
    yield END_OF_ARCHIVE
