"""POSIX tar (pax format) written as a stream: a header per member, its bytes, zero
padding to the next 512-byte block, and two zero blocks at the end. Headers come from
the standard library's tarfile, so long or non-ASCII names get pax records."""

from __future__ import annotations

import tarfile

BLOCK = 512
END_OF_ARCHIVE = bytes(2 * BLOCK)


def member_header(name: str, size: int, *, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, mtime, 0o644, tarfile.REGTYPE
    info.uname = info.gname = ""
    return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def padding(size: int) -> bytes:
    return bytes(-size % BLOCK)
