"""The file checks: every File row's object is in the store, with the row's size and a
well-formed stream header. Nothing is decrypted: the header is checked as far as it can
be without the key (docs/format-stream.md), which is what a restore can get wrong.

The store is listed once. A row that does not match the listing is a suspect, not yet
a finding: an upload or a re-encryption may have committed after the listing. Suspects
are looked at again, row and object both, before they are reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum

from coffer.retry import with_retries
from files.models import File
from storage.base import BlobNotFound, BlobStore, is_blob_key
from vault.crypto import stream
from vault.crypto.errors import IntegrityError

from .blob_index import BlobIndex
from .report import ConsistencyReport


class Problem(Enum):
    MISSING = "file_object_exists"
    SIZE = "file_object_size"
    HEADER = "file_object_header"


@dataclass(frozen=True, slots=True)
class FileRow:
    id: str
    blob_key: str
    ciphertext_size: int
    plaintext_size: int


_FIELDS = ("id", "blob_key", "ciphertext_size", "plaintext_size")


def _rows(queryset, *, batch: int) -> Iterator[list[FileRow]]:
    rows: list[FileRow] = []
    for values in queryset.order_by().values_list(*_FIELDS).iterator(chunk_size=batch):
        rows.append(FileRow(str(values[0]), *values[1:]))
        if len(rows) == batch:
            yield rows
            rows = []
    if rows:
        yield rows


def _row_size_possible(row: FileRow) -> bool:
    # A row's own sizes must agree with the format before any object is looked at.
    try:
        return stream.plaintext_size(row.ciphertext_size) == row.plaintext_size
    except IntegrityError:
        return False


def _read_header(store: BlobStore, key: str) -> bytes:
    return with_retries(lambda: store.read_range(key, 0, stream.HEADER_SIZE),
                        what="reading a stream header", permanent=(BlobNotFound,))


def _header_problem(store: BlobStore, key: str) -> Problem | None:
    try:
        stream.parse_header(_read_header(store, key))
    except BlobNotFound:
        return Problem.MISSING
    except IntegrityError:
        return Problem.HEADER
    return None


def _first_look(store: BlobStore, index: BlobIndex, row: FileRow) -> Problem | None:
    if not is_blob_key(row.blob_key):
        return Problem.MISSING
    listed = index.size(row.blob_key)
    if listed is None:
        return Problem.MISSING
    if listed != row.ciphertext_size or not _row_size_possible(row):
        return Problem.SIZE
    return _header_problem(store, row.blob_key)


def _second_look(store: BlobStore, row: FileRow) -> Problem | None:
    """The object as it is now, asked for directly (one HEAD), not from the listing."""
    if not is_blob_key(row.blob_key):
        return Problem.MISSING
    try:
        size = with_retries(lambda: store.size(row.blob_key), what="reading an object's size",
                            permanent=(BlobNotFound,))
    except BlobNotFound:
        return Problem.MISSING
    if size != row.ciphertext_size or not _row_size_possible(row):
        return Problem.SIZE
    return _header_problem(store, row.blob_key)


def check_file_objects(report: ConsistencyReport, *, store: BlobStore, index: BlobIndex, batch: int,
                       pool: ThreadPoolExecutor) -> None:
    exists, sized, headed = report["file_object_exists"], report["file_object_size"], report["file_object_header"]
    for rows in _rows(File.objects.all(), batch=batch):
        problems = pool.map(lambda row: _first_look(store, index, row), rows)
        suspects = [row.id for row, problem in zip(rows, problems, strict=True) if problem is not None]
        findings = dict.fromkeys((row.id for row in rows), None)
        if suspects:
            # Deleted since: no longer a file. Moved to another object: judged by that one.
            now = [FileRow(str(values[0]), *values[1:])
                   for values in File.objects.filter(pk__in=suspects).order_by().values_list(*_FIELDS)]
            for row_id in suspects:
                del findings[row_id]
            findings.update(zip((row.id for row in now), pool.map(lambda row: _second_look(store, row), now),
                                strict=True))
        for row_id, problem in findings.items():
            exists.checked += 1
            if problem is Problem.MISSING:
                exists.flag(row_id)
                continue
            sized.checked += 1
            if problem is Problem.SIZE:
                sized.flag(row_id)
                continue
            headed.checked += 1
            if problem is Problem.HEADER:
                headed.flag(row_id)
