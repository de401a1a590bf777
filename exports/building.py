"""One build of an export archive: snapshot, plan, digests, then the tar stream.

1. Snapshot: the ids of the vault's records and its files' rows, as they are now.
   Later records and files are not in this export; ones that change or go away
   before the build has written them make it start over (archive.VaultChanged).
2. Plan: each file's name and unique archive path (exports/naming.py).
3. Digests: records.json names each file's SHA-256 before the file's bytes, so each
   file is read once first; the digests are kept sealed (ExportItem), so a build
   after a crash reads only the files not hashed yet.
4. The archive (exports/archive.py): README.txt, records.json, records.schema.json,
   cxf.json, then every file, each checked against its planned size and digest.

Memory holds one chunk of a file at a time, one record at a time, plus the
snapshot's per-file metadata (ids, names, digests): never a file's content.
"""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from coffer.seams import seam
from files.models import File
from files.sealing import stream_context
from files.selectors import file_dek, file_filename
from files.streaming import decrypted_range
from records.models import Record
from records.presenting import present_record
from records.selectors import OpenedRecord, record_unseal
from storage.base import BlobNotFound
from storage.factory import get_store
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys

from .archive import Member, VaultChanged, archive_stream
from .documents import cxf_json, readme, records_json, records_schema, rfc3339
from .material import open_digest, seal_digest
from .models import ExportItem, ExportJob
from .naming import ArchivePaths

FLUSH_SECONDS = 1.0
_BATCH = 200
_FILE_FIELDS = ("id", "owner_id", "record_id", "blob_key", "content_type", "plaintext_size", "ciphertext_size",
                "created_at", "vault_key_version", "dek_version", "wrapped_dek", "sealed_filename")


class LeaseLost(Exception):
    """Another build of the job began (this worker's lease ran out): stop, write nothing."""


class Progress:
    """The job's counters and heartbeat, written at most once a second. Every write
    moves the lease, and fails (LeaseLost) once this build is no longer the job's newest."""

    def __init__(self, *, job: ExportJob, lease: timedelta) -> None:
        self.job, self.lease = job, lease
        self.items_done = self.bytes_done = 0
        self._written_at = 0.0
        self._owner = threading.get_ident()
        self._lock = threading.Lock()

    def start(self, *, items_total: int, bytes_total: int, bytes_done: int) -> None:
        self.items_done, self.bytes_done = 0, bytes_done
        self._write(items_total=items_total, bytes_total=bytes_total)

    def add(self, *, items: int = 0, nbytes: int = 0) -> None:
        """Counts (from any thread), and writes at most once a second when called from
        the builder's thread (reader threads have no database connection of their own)."""
        with self._lock:
            self.items_done += items
            self.bytes_done += nbytes
        if threading.get_ident() == self._owner and time.monotonic() - self._written_at >= FLUSH_SECONDS:
            self._write()

    def flush(self) -> None:
        self._write()

    def _write(self, **totals: int) -> None:
        now = timezone.now()
        moved = ExportJob.objects.filter(pk=self.job.pk, state=ExportJob.State.RUNNING, builds=self.job.builds).update(
            items_done=self.items_done, bytes_done=self.bytes_done, progressed_at=now, lease_until=now + self.lease,
            **totals,
        )
        if not moved:
            raise LeaseLost()
        self._written_at = time.monotonic()


@dataclass
class BuildInput:
    job: ExportJob
    keys: VaultKeys
    progress: Progress
    record_ids: list[uuid.UUID] = field(default_factory=list)
    files: list[File] = field(default_factory=list)
    # file id -> (original name, archive path), and -> SHA-256
    planned: dict[str, tuple[str, str]] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)

    @property
    def owner_id(self) -> int:
        return self.job.vault.user_id


def build_archive(build: BuildInput) -> Iterator[bytes]:
    _snapshot(build)
    hashed = _hashed_items(build)
    build.progress.start(items_total=len(build.record_ids) + len(build.files),
                         bytes_total=2 * sum(f.plaintext_size for f in build.files),
                         bytes_done=sum(item.size for item in hashed.values()))
    _plan(build)
    _digests(build, hashed)
    build.progress.flush()
    yield from archive_stream(_members(build), mtime=int(build.job.created_at.timestamp()),
                              on_written=lambda member: build.progress.add(items=member.items))


# ---- 1. snapshot ----


def _snapshot(build: BuildInput) -> None:
    build.record_ids = list(
        Record.objects.filter(owner_id=build.owner_id).order_by("created_at", "id").values_list("id", flat=True)
    )
    build.files = list(File.objects.filter(owner_id=build.owner_id).order_by("created_at", "id").only(*_FILE_FIELDS))
    known = set(build.record_ids)
    if any(f.record_id is not None and f.record_id not in known for f in build.files):
        raise VaultChanged()  # a record and its file appeared between the two queries


def _records_in_order(build: BuildInput, ids: list[uuid.UUID]) -> Iterator[tuple[Record, object]]:
    """(row, payload) of each id, in order, a batch of rows at a time; VaultChanged if one is gone."""
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        rows = {row.pk: row for row in Record.objects.filter(owner_id=build.owner_id, id__in=batch)}
        for record_id in batch:
            row = rows.get(record_id)
            if row is None:
                raise VaultChanged()
            _, payload = record_unseal(record=row, keys=build.keys)
            yield row, payload


# ---- 2. plan ----


def _plan(build: BuildInput) -> None:
    by_record: dict[uuid.UUID | None, list[File]] = defaultdict(list)
    for file in build.files:
        by_record[file.record_id].append(file)
    paths = ArchivePaths()
    with_files = [record_id for record_id in build.record_ids if record_id in by_record]
    for row, payload in _records_in_order(build, with_files):
        for file in by_record[row.pk]:
            _plan_file(build, paths, file, record_id=str(row.pk), label=payload.label)
    for file in by_record[None]:
        _plan_file(build, paths, file, record_id=None, label=None)


def _plan_file(build: BuildInput, paths: ArchivePaths, file: File, *, record_id: str | None, label: str | None) -> None:
    name = file_filename(file=file, dek=file_dek(file=file, keys=build.keys))
    build.planned[str(file.pk)] = (name, paths.path(record_id=record_id, label=label, filename=name, file_id=str(file.pk)))


# ---- 3. digests ----


def _hashed_items(build: BuildInput) -> dict[str, ExportItem]:
    current = {str(f.pk): f.blob_key for f in build.files}
    return {
        str(item.file_id): item
        for item in ExportItem.objects.filter(job_id=build.job.pk)
        if current.get(str(item.file_id)) == item.blob_key
    }


def _digests(build: BuildInput, hashed: dict[str, ExportItem]) -> None:
    """Every file's SHA-256: from the job's items where a build before this one took it,
    else read now, COFFER_EXPORT_HASH_THREADS files at once (libsodium and hashlib let
    go of the GIL). Reader threads touch only the store; this thread keeps the lease
    and writes the items."""
    job_id = str(build.job.pk)
    todo = []
    for file in build.files:
        item = hashed.get(str(file.pk))
        if item is None:
            todo.append(file)
        else:
            build.digests[str(file.pk)] = open_digest(job_id, str(file.pk), item.sealed_digest_server_version,
                                                      bytes(item.sealed_digest))
    if not todo:
        return
    seam("export.build.hash")
    pool = ThreadPoolExecutor(min(settings.COFFER_EXPORT_HASH_THREADS, len(todo)),
                              thread_name_prefix="coffer-export-hash")
    try:
        futures = {pool.submit(_sha256, build, file): file for file in todo}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=FLUSH_SECONDS, return_when=FIRST_COMPLETED)
            build.progress.add()  # the heartbeat, from this thread only
            for future in done:
                file = futures[future]
                try:
                    digest = future.result()
                except (BlobNotFound, IntegrityError) as error:
                    _unreadable(build, file, error)
                _remember(build, file, digest)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _sha256(build: BuildInput, file: File) -> bytes:
    digest = hashlib.sha256()
    for piece in _decrypted(build, file):
        digest.update(piece)
    return digest.digest()


def _remember(build: BuildInput, file: File, digest: bytes) -> None:
    build.digests[str(file.pk)] = digest
    version, sealed = seal_digest(str(build.job.pk), str(file.pk), digest)
    ExportItem.objects.update_or_create(
        job_id=build.job.pk, file_id=file.pk,
        defaults={"blob_key": file.blob_key, "size": file.plaintext_size, "sealed_digest": sealed,
                  "sealed_digest_server_version": version},
    )


def _decrypted(build: BuildInput, file: File) -> Iterator[bytes]:
    """The file's bytes, counted into the progress (no database: reader threads call it)."""
    pieces = decrypted_range(
        store=get_store(), blob_key=file.blob_key, dek=file_dek(file=file, keys=build.keys),
        context=stream_context(user_id=file.owner_id, file_id=str(file.pk), dek_version=file.dek_version),
        ciphertext_size=file.ciphertext_size, plaintext_size=file.plaintext_size,
        start=0, end=max(0, file.plaintext_size - 1), read_ahead=settings.COFFER_FILE_READ_AHEAD,
    )
    for piece in pieces:
        build.progress.add(nbytes=len(piece))  # writes only from the builder's thread
        yield piece


def _unreadable(build: BuildInput, file: File, error: Exception) -> None:
    """Raises for a missing or damaged object: VaultChanged if the file was deleted or
    replaced since the snapshot (the GC may then remove its object), else the error."""
    if not File.objects.filter(owner_id=build.owner_id, pk=file.pk, blob_key=file.blob_key).exists():
        raise VaultChanged() from None
    raise error


def _file_plaintext(build: BuildInput, file: File) -> Iterator[bytes]:
    try:
        yield from _decrypted(build, file)
    except (BlobNotFound, IntegrityError) as error:
        _unreadable(build, file, error)


# ---- 4. the archive ----


def _file_document(build: BuildInput, file: File) -> dict:
    name, path = build.planned[str(file.pk)]
    return {"id": str(file.pk), "name": name, "path": path, "size": file.plaintext_size,
            "sha256": build.digests[str(file.pk)].hex(), "content_type": file.content_type,
            "role": file.role or None, "created_at": rfc3339(file.created_at)}


def _record_documents(build: BuildInput) -> Iterator[dict]:
    by_record: dict[uuid.UUID, list[File]] = defaultdict(list)
    for file in build.files:
        if file.record_id is not None:
            by_record[file.record_id].append(file)
    for row, payload in _records_in_order(build, build.record_ids):
        yield {
            "id": str(row.pk), "kind": row.kind, "label": payload.label, "schema_version": row.schema_version,
            "created_at": rfc3339(row.created_at), "updated_at": rfc3339(row.updated_at),
            "fields": present_record(OpenedRecord(record=row, payload=payload), reveal=True)["data"],
            "files": [_file_document(build, file) for file in by_record.get(row.pk, [])],
        }


def _unattached_documents(build: BuildInput) -> Iterator[dict]:
    return (_file_document(build, file) for file in build.files if file.record_id is None)


def _archived_file(build: BuildInput, file: File) -> Iterator[bytes]:
    seam("export.build.file")
    yield from _file_plaintext(build, file)


def _members(build: BuildInput) -> Iterator[Member]:
    job = build.job
    head = {"username": job.vault.user.get_username(), "exported_at": job.created_at}
    documents = {"records": lambda: _record_documents(build), "unattached": lambda: _unattached_documents(build)}
    yield Member("README.txt", lambda: iter([readme(**head)]))
    yield Member("records.json", lambda: records_json(**head, **documents), items=len(build.record_ids))
    yield Member("records.schema.json", lambda: iter([records_schema()]))
    if cxf_json(**head, **documents) is not None:
        yield Member("cxf.json", lambda: cxf_json(**head, **documents))
    for file in build.files:
        yield Member(build.planned[str(file.pk)][1], lambda file=file: _archived_file(build, file),
                     size=file.plaintext_size, items=1)
