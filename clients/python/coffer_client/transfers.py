"""File transfers as streams: an upload read from its file in pieces (and read again if a
503 makes it start over), and a download written as it arrives, resumed with Range from
where it stopped when the connection drops."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import httpx

from .errors import TransferError
from .models import Progress
from .transport import Transport

PIECE_SIZE = 1024 * 1024
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")

Source = str | os.PathLike[str] | BinaryIO


def upload_body(source: Source, progress: Progress | None) -> tuple[int, Callable[[], Iterator[bytes]]]:
    """(size, a callable giving the body from its first byte each time it is called)."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        size = path.stat().st_size

        def from_path() -> Iterator[bytes]:
            with path.open("rb") as file:
                yield from _pieces(file, size, progress)

        return size, from_path
    start = source.tell()
    size = source.seek(0, os.SEEK_END) - start
    source.seek(start)

    def from_file() -> Iterator[bytes]:
        source.seek(start)
        yield from _pieces(source, size, progress)

    return size, from_file


def _pieces(file: BinaryIO, size: int, progress: Progress | None) -> Iterator[bytes]:
    sent = 0
    if progress:
        progress(0, size)
    while sent < size:
        piece = file.read(min(PIECE_SIZE, size - sent))
        if not piece:
            raise TransferError("the file got shorter while it was uploaded")
        sent += len(piece)
        yield piece
        if progress:
            progress(sent, size)


def download(
    http: Transport,
    url: str,
    destination: Path,
    *,
    headers: dict[str, str],
    size: int,
    resume: bool,
    attempts: int,
    progress: Progress | None,
    auth: httpx.Auth | None = None,
) -> Path:
    """Writes the file to `<destination>.part`, then renames it. A `.part` left by an earlier
    try is continued from its end when `resume` is true. `auth` signs each request (apps)."""
    partial = destination.with_name(destination.name + ".part")
    offset = partial.stat().st_size if resume and partial.exists() else 0
    if offset > size:
        offset = 0
    with partial.open("ab" if offset else "wb") as out:
        for _ in range(attempts):
            if progress:
                progress(offset, size)
            if offset >= size:
                break
            try:
                offset = _receive(http, url, out, headers=headers, offset=offset, size=size, progress=progress,
                                  auth=auth)
            except (httpx.TransportError, httpx.StreamError):
                out.flush()
                offset = out.tell()  # what arrived before the break is kept
    if offset != size:
        raise TransferError(f"the download stopped at byte {offset} of {size} after {attempts} tries")
    os.replace(partial, destination)
    return destination


def _receive(
    http: Transport, url: str, out: BinaryIO, *, headers: dict[str, str], offset: int, size: int,
    progress: Progress | None, auth: httpx.Auth | None = None,
) -> int:
    # identity: offsets and ranges count the file's own bytes, never a compressed form.
    headers = {**headers, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    with http.streaming("GET", url, headers=headers, auth=auth) as response:
        if offset and response.status_code != 206:
            raise TransferError("the server did not honour the range")
        if offset:
            match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset or int(match.group(3)) != size:
                raise TransferError("the server answered another range")
        for piece in response.iter_bytes():
            out.write(piece)
            offset += len(piece)
            if progress:
                progress(offset, size)
    return offset


def byte_range(http: Transport, url: str, *, headers: dict[str, str], start: int, end: int | None) -> Iterator[bytes]:
    """The plaintext bytes start..end (inclusive; to the end when None) of a file."""
    spec = f"bytes={start}-" if end is None else f"bytes={start}-{end}"
    with http.streaming("GET", url, headers={**headers, "Range": spec, "Accept-Encoding": "identity"}) as response:
        yield from response.iter_bytes()
