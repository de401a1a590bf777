"""Scans shared with apps (docs/sharing.md §3.5).

At consent, while the vault is unlocked, each chosen scan is decrypted from the user's
file and encrypted again, chunk by chunk, in the same stream format (docs/format-stream.md)
under a fresh random key that goes only into the sealed grant. The app downloads the copy's
ciphertext and decrypts it itself. Neither the file's DEK nor any vault key ever reaches
the app, so revocation has nothing to rotate: deleting the copy is enough. Memory is
bounded by the read-ahead and the store's part buffers, whatever the scan's size.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from audit.services import audit_record
from coffer.lookups import parse_uuid
from files.models import File
from files.ranges import ByteRange, requested_range
from files.readahead import ReadAhead
from files.selectors import file_dek
from files.services import file_plaintext
from storage.base import BlobNotFound, BlobStore
from storage.factory import get_store
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import new_key
from vault.crypto.session import VaultKeys
from vault.crypto.stream import StreamEncryptor, ciphertext_size

from .canonical import scan_stream_context
from .errors import NotFound, ScanChanged
from .models import GrantScan
from .selectors import app_live_grants

logger = logging.getLogger(__name__)

# What one response piece holds at most: the read-ahead's ranges are cut to this.
READ_PIECE = 1024 * 1024


@dataclass(frozen=True)
class CopiedScan:
    """One scan's copy, stored; `key` lives only in the grant document, never in a row."""

    row: GrantScan
    key: bytes
    sha256: str

    def document_entry(self) -> dict:
        return {
            "id": str(self.row.pk),
            "role": self.row.role,
            "content_type": self.row.content_type,
            "size": self.row.plaintext_size,
            "sha256": self.sha256,
            "key": base64.b64encode(self.key).decode("ascii"),
        }


def _reencrypted(plaintext: Iterator[bytes], encryptor: StreamEncryptor, hasher) -> Iterator[bytes]:
    try:
        for piece in plaintext:
            hasher.update(piece)
            yield from encryptor.chunks(piece)
        yield encryptor.finalize()
    finally:
        close = getattr(plaintext, "close", None)
        if close is not None:
            close()


def scan_copy(
    *, store: BlobStore, file: File, keys: VaultKeys, grant_id: uuid.UUID, item_position: int, position: int
) -> CopiedScan:
    """Copies one of the user's scans under a fresh key, for the grant `grant_id`. The row
    is built, not saved. Raises IntegrityError when the file does not open, and ScanChanged
    when its object went away while it was read (the scan was deleted); either way the
    half-written copy is gone. A rotation's re-encryption leaves the old object to the blob
    GC, so a copy under way finishes from it, with the same plaintext."""
    scan_id, key = uuid.uuid4(), new_key()
    blob_key = store.new_key()
    hasher = hashlib.sha256()
    encryptor = StreamEncryptor(key, scan_stream_context(grant_id=str(grant_id), scan_id=str(scan_id)))
    try:
        plaintext = file_plaintext(file=file, dek=file_dek(file=file, keys=keys))
        stored = store.put(blob_key, _reencrypted(plaintext, encryptor, hasher))
    except BlobNotFound:
        _delete_quietly(store, [blob_key])
        raise ScanChanged() from None
    except BaseException:
        _delete_quietly(store, [blob_key])
        raise
    if stored != ciphertext_size(file.plaintext_size):
        _delete_quietly(store, [blob_key])
        raise IntegrityError()
    row = GrantScan(
        id=scan_id, grant_id=grant_id, item_position=item_position, position=position,
        record_id=file.record_id, file_id=file.pk, role=file.role, blob_key=blob_key,
        content_type=file.content_type, plaintext_size=file.plaintext_size, ciphertext_size=stored,
    )
    return CopiedScan(row=row, key=key, sha256=hasher.hexdigest())


def scans_still_current(copies: Iterable[CopiedScan]) -> None:
    """Under the vault lock, before the grant commits: every file copied is still the same
    object in the same role of the same record. A scan replaced, detached or rotated while it
    was copied raises ScanChanged, so a grant never certifies bytes the record no longer holds."""
    copies = list(copies)
    current = {
        row["id"]: row
        for row in File.objects.select_for_update()
        .filter(pk__in=[copy.row.file_id for copy in copies])
        .values("id", "record_id", "role", "plaintext_size")
    }
    for copy in copies:
        row = current.get(copy.row.file_id)
        same = row is not None and (row["record_id"], row["role"], row["plaintext_size"]) == (
            copy.row.record_id, copy.row.role, copy.row.plaintext_size,
        )
        if not same:
            raise ScanChanged()


def scans_discard(copies: Iterable[CopiedScan]) -> None:
    """A grant that failed after copying: its copies go at once (the blob GC is the backstop)."""
    _delete_quietly(get_store(), [copy.row.blob_key for copy in copies])


def scans_forget(scans: Iterable[GrantScan]) -> None:
    """Inside the transaction that ends a grant: the rows go now, the copies after the commit,
    or with a backup retention (COFFER_BLOB_RETENTION) by the blob GC once that has passed."""
    scans = list(scans)
    if not scans:
        return
    GrantScan.objects.filter(pk__in=[scan.pk for scan in scans]).delete()
    if not settings.COFFER_BLOB_RETENTION:
        store, keys = get_store(), [scan.blob_key for scan in scans]
        transaction.on_commit(lambda: _delete_quietly(store, keys))


# ---- the app's download ----


@dataclass
class ScanDownload:
    scan: GrantScan
    byte_range: ByteRange | None  # of the ciphertext; None: all of it
    body: Iterator[bytes]

    @property
    def length(self) -> int:
        return self.byte_range.length if self.byte_range else self.scan.ciphertext_size


def scan_download(*, app, grant_id, scan_id, range_header: str | None = None, request=None) -> ScanDownload:
    """The ciphertext of a scan in one of the app's live grants, streamed with Range; the app
    decrypts it with the key its grant holds. A grant that is revoked, expired or another
    app's, and a scan not in it, answer 404. Audited once per request."""
    grant_uuid, scan_uuid = parse_uuid(grant_id), parse_uuid(scan_id)
    grant = app_live_grants(app=app).filter(pk=grant_uuid).first() if grant_uuid else None
    scan = grant.scans.filter(pk=scan_uuid).first() if grant is not None and scan_uuid else None
    if scan is None:
        raise NotFound()
    store = get_store()
    try:
        whole = store.size(scan.blob_key) == scan.ciphertext_size
    except BlobNotFound:
        whole = False
    if not whole:
        # Revoked between the lookup and here, or damaged: either way nothing to serve.
        raise NotFound()
    byte_range = requested_range(range_header, scan.ciphertext_size)
    start, end = (byte_range.start, byte_range.end + 1) if byte_range else (0, scan.ciphertext_size)
    audit_record(
        action="grant.scan_fetch", actor=None, subject=grant.user, request=request,
        target_kind="grant", target_id=grant.pk,
        details={"app_id": str(app.pk), "scan_id": str(scan.pk), "role": scan.role,
                 "range": byte_range.content_range(scan.ciphertext_size) if byte_range else None},
    )
    return ScanDownload(scan=scan, byte_range=byte_range, body=_ciphertext(store, scan.blob_key, start, end))


def _ciphertext(store: BlobStore, blob_key: str, start: int, end: int) -> Iterator[bytes]:
    """Bytes start..end (exclusive) of the copy, read ahead. A copy deleted meanwhile (the
    grant was revoked) raises from the iterator, so the server aborts the response and the
    app can never take a cut-off stream for a whole one (the stream's last chunk says so too)."""
    if start >= end:
        return
    reader = ReadAhead(store, blob_key, start, end, depth=settings.COFFER_FILE_READ_AHEAD)
    try:
        offset = start
        while offset < end:
            piece = reader.read_at(offset, min(READ_PIECE, end - offset))
            if not piece:
                raise IntegrityError()  # shorter than its row says: never end the response as if whole
            offset += len(piece)
            yield piece
    finally:
        reader.close()


def _delete_quietly(store: BlobStore, blob_keys: list[str]) -> None:
    for blob_key in blob_keys:
        try:
            store.delete(blob_key)
        except Exception:
            # Ciphertext under a key nobody holds any more; the blob GC removes it.
            logger.warning("could not delete a shared scan's copy", exc_info=True)
