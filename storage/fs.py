"""Blob store on a local filesystem: the embedded default."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from storage.base import (
    BlobInfo,
    BlobNotFound,
    MultipartGone,
    check_blob_key,
    check_range,
    is_blob_key,
    new_blob_key,
)

TEMP_DIR_NAME = ".tmp"
# Parts of open multipart uploads: root/.uploads/<upload id>/<part number>. The dot keeps
# them out of list_blobs, and the uploads app's expiry task, not abort_stale_uploads,
# removes abandoned ones (a session stays open far longer than a temp file).
UPLOADS_DIR_NAME = ".uploads"
_DIR_MODE = 0o700


class FileSystemStore:
    """Blobs live at root/ab/cd/<key>; writes land in root/.tmp first.

    The temp directory sits inside the root so that os.replace never crosses a
    filesystem boundary and stays atomic.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.temp_dir = self.root / TEMP_DIR_NAME
        self.temp_dir.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)

    def new_key(self) -> str:
        return new_blob_key()

    def put(self, key: str, chunks: Iterable[bytes]) -> int:
        path = self._path(key)
        fd, temp_name = tempfile.mkstemp(dir=self.temp_dir, suffix=".part")
        temp_path = Path(temp_name)
        replaced = False
        try:
            with os.fdopen(fd, "wb") as temp_file:
                total = 0
                for chunk in chunks:
                    temp_file.write(chunk)
                    total += len(chunk)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            self._make_dirs(path.parent)
            os.replace(temp_path, path)
            replaced = True
            # The rename is only durable once the directory entry is on disk.
            _fsync_dir(path.parent)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            if replaced:
                path.unlink(missing_ok=True)
            raise
        return total

    def read_range(self, key: str, start: int, length: int) -> bytes:
        check_range(start, length)
        with self._open(key) as blob:
            blob.seek(start)
            return blob.read(length)

    def iter_range(
        self, key: str, start: int, length: int, block: int = 1 << 20
    ) -> Iterator[bytes]:
        check_range(start, length)
        if block <= 0:
            raise ValueError("block must be positive")
        blob = self._open(key)  # opened now, so a missing key raises before streaming
        return _stream(blob, start, length, block)

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        # Empty fan-out directories are kept: removing one could race with a put
        # that has just created it and is about to rename into it.
        self._path(key).unlink(missing_ok=True)

    def list_blobs(self) -> Iterator[BlobInfo]:
        for path in self.root.glob("??/??/*"):
            if not is_blob_key(path.name) or path != self._path(path.name):
                continue  # not ours: never offer a stranger's file to the collector
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue  # deleted while we were listing
            modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
            yield BlobInfo(key=path.name, size=stat.st_size, modified=modified)

    def abort_stale_uploads(self, older_than: timedelta) -> int:
        # A temp file only outlives its put when the process died mid-write;
        # every write bumps its mtime, so a slow live upload is not stale.
        cutoff = time.time() - older_than.total_seconds()
        removed = 0
        for temp_path in self.temp_dir.iterdir():
            try:
                if temp_path.stat().st_mtime < cutoff:
                    temp_path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def multipart_start(self, key: str) -> str:
        check_blob_key(key)
        upload_id = new_blob_key()
        self._make_dirs(self.root / UPLOADS_DIR_NAME)
        (self.root / UPLOADS_DIR_NAME / upload_id).mkdir(mode=_DIR_MODE)
        return upload_id

    def multipart_put(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        check_blob_key(key)
        staging = self._staging(upload_id)
        fd, temp_name = tempfile.mkstemp(dir=self.temp_dir, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as temp_file:
                temp_file.write(data)
                temp_file.flush()
                os.fsync(temp_file.fileno())
            if not staging.is_dir():
                raise MultipartGone(upload_id)
            os.replace(temp_name, staging / _part_name(number))
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return str(len(data))

    def multipart_complete(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> int:
        staging = self._staging(upload_id)
        if not staging.is_dir():
            raise MultipartGone(upload_id)
        paths = [staging / _part_name(number) for number, _ in parts]
        try:
            size = self.put(key, itertools.chain.from_iterable(_read_blocks(path) for path in paths))
        except FileNotFoundError:
            raise MultipartGone(upload_id) from None
        shutil.rmtree(staging, ignore_errors=True)
        return size

    def multipart_abort(self, key: str, upload_id: str) -> None:
        check_blob_key(key)
        shutil.rmtree(self._staging(upload_id), ignore_errors=True)

    def _staging(self, upload_id: str) -> Path:
        return self.root / UPLOADS_DIR_NAME / check_blob_key(upload_id)

    def _path(self, key: str) -> Path:
        check_blob_key(key)
        return self.root / key[:2] / key[2:4] / key

    def _open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def _make_dirs(self, directory: Path) -> None:
        missing = []
        while not directory.is_dir():
            missing.append(directory)
            directory = directory.parent
        for new_dir in reversed(missing):
            new_dir.mkdir(mode=_DIR_MODE, exist_ok=True)
            _fsync_dir(new_dir.parent)


def _stream(blob: BinaryIO, start: int, length: int, block: int) -> Iterator[bytes]:
    with blob:
        blob.seek(start)
        remaining = length
        while remaining > 0:
            piece = blob.read(min(block, remaining))
            if not piece:
                return
            remaining -= len(piece)
            yield piece


def _part_name(number: int) -> str:
    if not 1 <= number <= 10_000:
        raise ValueError("part numbers run from 1 to 10000")
    return f"{number:05d}"


def _read_blocks(path: Path, block: int = 1 << 20) -> Iterator[bytes]:
    with path.open("rb") as part:
        while piece := part.read(block):
            yield piece


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
