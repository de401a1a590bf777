"""Resumable uploads (docs/files.md of the server, "Resumable uploads"): a file sent in
segments of whole parts, each PATCHed at its offset. A dropped connection, a 503 or a
later call picks up at the offset the server holds.

Beside the file, `<file>.coffer-upload` (mode 0600) remembers the session: the server,
the session id, the file's size and modification time, and the last offset known. It
holds no secret: without the token and an unlocked vault the id opens nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from .errors import ApiError, NotFound, TransferError
from .models import Progress
from .transport import Transport

STATE_SUFFIX = ".coffer-upload"
STATE_VERSION = 1
# A segment holds as many whole parts as fit in this: fewer requests, and a drop costs at most one.
SEGMENT_BYTES = 64 * 1024 * 1024
PIECE_SIZE = 1024 * 1024


@dataclass
class UploadState:
    version: int
    server: str
    upload_id: str
    size: int
    mtime_ns: int
    offset: int


def state_path(path: Path) -> Path:
    return path.with_name(path.name + STATE_SUFFIX)


def _load_state(path: Path) -> UploadState | None:
    try:
        raw = json.loads(state_path(path).read_text(encoding="utf-8"))
        state = UploadState(**raw)
    except (OSError, ValueError, TypeError):
        return None
    return state if state.version == STATE_VERSION else None


def _save_state(path: Path, state: UploadState) -> None:
    target = state_path(path)
    temp = target.with_name(target.name + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(state), out)
    os.replace(temp, target)


def _forget_state(path: Path) -> None:
    state_path(path).unlink(missing_ok=True)


def upload_resumable(
    http: Transport,
    path: Path,
    *,
    headers: Callable[[], dict[str, str]],
    filename: str,
    content_type: str,
    record: str | None,
    role: str | None = None,
    replace: bool = False,
    attempts: int = 5,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The file's JSON once the last segment is in. Resumes the session that the state file
    beside `path` names, if it is for this server and this very file (size and mtime)."""
    stat = path.stat()
    size, mtime_ns = stat.st_size, stat.st_mtime_ns
    state = _load_state(path)
    offset: int | None = None
    if state and (state.server, state.size, state.mtime_ns) == (http.server, size, mtime_ns):
        try:
            offset = _where(http, state.upload_id, headers())
        except NotFound:
            offset = None  # expired, cancelled or finished: start again
    body: dict[str, Any] = {"size": size, "filename": filename, "content_type": content_type}
    if record:
        body["record"] = record
    if role:
        body.update(role=role, replace=replace)

    def start() -> UploadState:
        started = http.json("POST", "/api/v1/uploads/", json=body, headers=headers())
        new_state = UploadState(STATE_VERSION, http.server, str(started["id"]), size, mtime_ns, 0)
        _save_state(path, new_state)
        return new_state

    if offset is None or state is None:
        state, offset = start(), 0
    restarted = False
    part_size = int(_session(http, state.upload_id, headers())["part_size"])
    segment = max(1, SEGMENT_BYTES // part_size) * part_size
    failures = 0
    while True:
        if progress:
            progress(offset, size)
        length = min(segment, size - offset)
        try:
            response = http.send(
                "PATCH", _url(state.upload_id), content=_segment(path, offset, length, size, progress),
                headers={**headers(), "Upload-Offset": str(offset), "Content-Length": str(length),
                         "Content-Type": "application/octet-stream"},
            )
        except (httpx.TransportError, httpx.StreamError):
            failures += 1
            if failures >= attempts:
                raise TransferError(f"the upload stopped at byte {offset} of {size} after {attempts} tries") from None
            try:
                offset = _where(http, state.upload_id, headers())  # what the server stored before the break
            except NotFound:
                if restarted:
                    raise
                restarted = True
                state, offset = start(), 0
                continue
            state.offset = offset
            _save_state(path, state)
            continue
        except NotFound:
            # The session ended under us (cancelled, expired, or its parts spent by a
            # finish that died): once, start over with a new one.
            if restarted:
                raise
            restarted = True
            state, offset = start(), 0
            continue
        except ApiError as error:
            if error.code != "upload_offset_mismatch" or not isinstance(error.extra.get("offset"), int):
                raise
            offset = error.extra["offset"]  # a try the answer of which was lost did land
            continue
        answer = response.json()
        if response.status_code == 201:
            _forget_state(path)
            if progress:
                progress(size, size)
            return dict(answer)
        offset = int(answer["offset"])
        state.offset = offset
        _save_state(path, state)


def cancel_resumable(http: Transport, path: Path, *, headers: dict[str, str]) -> bool:
    """Cancels the session the state file beside `path` names; whether there was one."""
    state = _load_state(path)
    if state is None:
        return False
    try:
        http.send("DELETE", _url(state.upload_id), headers=headers)
    except NotFound:
        pass
    _forget_state(path)
    return True


def _url(upload_id: str) -> str:
    return f"/api/v1/uploads/{quote(upload_id, safe='')}"


def _session(http: Transport, upload_id: str, headers: dict[str, str]) -> dict[str, Any]:
    return dict(http.json("GET", _url(upload_id), headers=headers))


def _where(http: Transport, upload_id: str, headers: dict[str, str]) -> int:
    return int(_session(http, upload_id, headers)["offset"])


def _segment(path: Path, offset: int, length: int, size: int,
             progress: Progress | None) -> Callable[[], Iterator[bytes]]:
    """The segment's bytes, read again from the file for each attempt."""

    def body() -> Iterator[bytes]:
        with path.open("rb") as file:
            file.seek(offset)
            sent = 0
            while sent < length:
                piece = file.read(min(PIECE_SIZE, length - sent))
                if not piece:
                    raise TransferError("the file got shorter while it was uploaded")
                sent += len(piece)
                yield piece
                if progress:
                    progress(offset + sent, size)

    return body
