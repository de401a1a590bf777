"""Writing files: upload, download (audited), delete. The blob is always written
before its row, and a blob no committed row names is deleted on the way out. Key
rotation lives in files/rotation.py, on the crypto calls of files/sealing.py."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError as RowConflict
from django.db import transaction
from django.utils import timezone

from records.models import Record
from records.schemas import get_kind
from records.schemas.base import SCAN_ROLE_LIMITS
from records.selectors import record_get
from storage.base import BlobNotFound, BlobStore
from coffer.seams import seam
from corrections.services import corrections_after_scan_change
from storage.factory import get_store
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.locking import keyset_sync, vault_locked
from vault.services import VaultLocked

from . import sniffing
from .errors import FileNotFound, QuotaExceeded, ScanRoleFull, ScanRoleNotAccepted, ScanRoleTaken
from .events import file_event, file_integrity_failure
from .models import File
from .naming import clean_filename
from .ranges import ByteRange, requested_range
from .sealing import new_dek, seal_filename, stream_context, wrap_dek
from .selectors import file_dek, file_filename, file_get, quota_used
from .streaming import decrypted_range
from .uploads import FileUpload, NewFileKeys, UploadLimits

logger = logging.getLogger(__name__)


def _limits(*, owner) -> UploadLimits:
    return UploadLimits(
        max_bytes=settings.COFFER_FILE_MAX_BYTES,
        quota=settings.COFFER_USER_QUOTA_BYTES,
        used=quota_used(owner=owner),
    )


def _delete_blob(store: BlobStore, blob_key: str) -> None:
    try:
        store.delete(blob_key)
    except Exception:
        # Only ciphertext under a key no row names: the orphan collector removes it.
        logger.warning("could not delete blob of a deleted or replaced file", exc_info=True)


def _stream_context(file: File) -> bytes:
    return stream_context(user_id=file.owner_id, file_id=str(file.pk), dek_version=file.dek_version)


# ---- upload ----


def file_upload_start(
    *, owner, keys: VaultKeys, filename: str | None, declared_type: str | None, expected_size: int | None = None
) -> FileUpload:
    """Everything an upload can be refused for before its first byte: the name (400),
    the declared type (415), the declared size (413) and the quota (507). Then a
    fresh DEK, wrapped by the current vault key, and the pipeline that will encrypt."""
    name = clean_filename(filename)
    declared = sniffing.declared_type(declared_type)
    limits = _limits(owner=owner)
    if expected_size is not None:
        limits.check(expected_size)
    elif limits.room == 0:
        raise QuotaExceeded(quota=limits.quota, used=limits.used)
    file_id, dek, dek_version = uuid.uuid4(), new_dek(), 1
    new_keys = NewFileKeys(
        file_id=file_id,
        dek=dek,
        wrapped_dek=wrap_dek(
            vault_key=keys.current,
            dek=dek,
            user_id=owner.pk,
            file_id=str(file_id),
            vault_key_version=keys.current_version,
        ),
        vault_key_version=keys.current_version,
        dek_version=dek_version,
        stream_context=stream_context(user_id=owner.pk, file_id=str(file_id), dek_version=dek_version),
    )
    return FileUpload(
        store=get_store(), owner_id=owner.pk, keys=new_keys, filename=name, declared_type=declared, limits=limits
    )


def scan_role_check(*, record: Record, role: str) -> None:
    """400 unless the record's kind accepts scans of `role` (records/schemas)."""
    accepted = get_kind(record.kind).scan_roles
    if role not in accepted:
        raise ScanRoleNotAccepted(role=role, kind=record.kind, accepted=accepted)


def _make_room(*, owner, record: Record, role: str, replace: bool, request) -> None:
    """Under the vault lock: 409 when the role is full, unless `replace` lets the new
    scan take the place of the role's one scan, whose row is deleted here (its blob
    after the commit, or by the blob GC after the retention)."""
    scan_role_check(record=record, role=role)
    taken = list(File.objects.select_for_update().filter(owner=owner, record=record, role=role))
    limit = SCAN_ROLE_LIMITS[role]
    if len(taken) < limit:
        return
    if limit > 1:
        raise ScanRoleFull(role=role, limit=limit)
    if not replace:
        raise ScanRoleTaken(role=role)
    for old in taken:
        _delete_row(file=old, request=request)


def file_create(
    *, owner, keys: VaultKeys, upload: FileUpload, record_id=None, role: str = "", replace: bool = False, request=None
) -> File:
    """The row for an upload whose blob is stored, in one transaction with its audit
    event, under the vault lock (vault.locking): a rotation that began while the
    blob streamed in has added a newer vault key version, and the DEK is re-wrapped
    under it here, so the finish can never destroy the version this row names. The
    quota is checked again under the same lock, so concurrent uploads cannot
    overshoot it together, nor two scans take one role (the second is refused, or,
    with `replace`, replaces the first). On any failure the blob is deleted."""
    try:
        seam("file.create.commit")
        with vault_locked(user_id=owner.pk) as vault:
            try:
                keys = keyset_sync(vault=vault, keys=keys)
            except IntegrityError:
                raise VaultLocked() from None  # the PIN changed since this session began
            record = record_get(owner=owner, record_id=record_id) if record_id else None
            if role:
                assert record is not None, "a scan role needs a record"
                _make_room(owner=owner, record=record, role=role, replace=replace, request=request)
            _limits(owner=owner).check(upload.plaintext_size)
            vault_key_version, wrapped_dek = upload.keys.vault_key_version, upload.keys.wrapped_dek
            if vault_key_version != keys.current_version:
                vault_key_version = keys.current_version
                wrapped_dek = wrap_dek(vault_key=keys.current, dek=upload.keys.dek, user_id=owner.pk,
                                       file_id=str(upload.file_id), vault_key_version=vault_key_version)
            file = File(
                id=upload.file_id,
                owner=owner,
                record=record,
                role=role,
                blob_key=upload.blob_key,
                content_type=upload.content_type,
                plaintext_size=upload.plaintext_size,
                ciphertext_size=upload.ciphertext_size,
                created_at=timezone.now(),
                vault_key_version=vault_key_version,
                dek_version=upload.keys.dek_version,
                wrapped_dek=wrapped_dek,
                sealed_filename=seal_filename(
                    dek=upload.keys.dek,
                    filename=upload.filename,
                    user_id=owner.pk,
                    file_id=str(upload.file_id),
                    dek_version=upload.keys.dek_version,
                ),
            )
            try:
                # No savepoint: a conflict ends the whole transaction, which the error rolls back.
                file.save(force_insert=True)
            except RowConflict:
                raise ScanRoleTaken(role=role) from None  # only the role's constraint can conflict here
            file_event(action="file.create", file=file, request=request, **({"role": role} if role else {}))
            if record is not None:
                corrections_after_scan_change(owner=owner, record_id=record.pk, roles=[role], request=request)
    except BaseException:
        upload.discard()
        raise
    upload.committed()
    return file


# ---- download ----


@dataclass
class Download:
    file: File
    filename: str
    byte_range: ByteRange | None  # None: the whole file
    body: Iterator[bytes]

    @property
    def length(self) -> int:
        return self.byte_range.length if self.byte_range else self.file.plaintext_size


def file_download(*, owner, keys: VaultKeys, file_id, range_header: str | None = None, request=None) -> Download:
    """Opens a file for streaming. Everything that can be checked before the first
    byte is (the key, the name, the object's size, the header, the first chunk):
    a failure there is audited and raised as IntegrityError (409). A failure later,
    mid-stream, is audited and raised from the body, which aborts the response."""
    file = file_get(owner=owner, file_id=file_id)
    byte_range = requested_range(range_header, file.plaintext_size)
    start, end = (byte_range.start, byte_range.end) if byte_range else (0, max(0, file.plaintext_size - 1))
    try:
        dek = file_dek(file=file, keys=keys)
        filename = file_filename(file=file, dek=dek)
        pieces = file_plaintext(file=file, dek=dek, start=start, end=end)
        first = next(pieces, b"")
    except (IntegrityError, BlobNotFound):
        file_integrity_failure(file=file, request=request, operation="download")
        raise IntegrityError() from None
    file_event(
        action="file.download",
        file=file,
        request=request,
        range=byte_range.content_range(file.plaintext_size) if byte_range else None,
    )
    return Download(file=file, filename=filename, byte_range=byte_range, body=_body(file, first, pieces, request))


def file_plaintext(*, file: File, dek: bytes, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Plaintext bytes start..end (inclusive; the whole file by default), read ahead from
    the store. The object's size and stream header are checked before this returns
    (IntegrityError or BlobNotFound); a damaged chunk raises from the iterator. Audits nothing."""
    return decrypted_range(
        store=get_store(),
        blob_key=file.blob_key,
        dek=dek,
        context=_stream_context(file),
        ciphertext_size=file.ciphertext_size,
        plaintext_size=file.plaintext_size,
        start=start,
        end=max(0, file.plaintext_size - 1) if end is None else end,
        read_ahead=settings.COFFER_FILE_READ_AHEAD,
    )


def _body(file: File, first: bytes, rest: Iterator[bytes], request) -> Iterator[bytes]:
    try:
        if first:
            yield first
        yield from rest
    except (IntegrityError, BlobNotFound):
        # Raised, never swallowed: the server must abort the response, so the
        # client cannot mistake what it got for the whole file.
        file_integrity_failure(file=file, request=request, operation="download")
        raise IntegrityError() from None
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


# ---- delete, detach ----


def _delete_row(*, file: File, request) -> None:
    """Inside a transaction: the row goes now; its blob after the commit, or, with a
    backup retention (COFFER_BLOB_RETENTION), by the blob GC once that has passed."""
    file_event(action="file.delete", file=file, request=request)
    blob_key = file.blob_key
    file.delete()
    if not settings.COFFER_BLOB_RETENTION:
        store = get_store()
        transaction.on_commit(lambda: _delete_blob(store, blob_key))


def file_delete(*, owner, file_id, request=None) -> None:
    """Removes the row. The object stays for the backup retention (COFFER_BLOB_RETENTION),
    then the blob GC deletes it; with no retention it goes once the row is committed. A
    scan deleted from its role resolves what apps reported about that role, as a detach does."""
    with transaction.atomic():
        file = file_get(owner=owner, file_id=file_id, for_update=True)
        if file.record_id is not None and file.role:
            corrections_after_scan_change(owner=owner, record_id=file.record_id, roles=[file.role], request=request)
        _delete_row(file=file, request=request)


def scan_detach(*, owner, record_id, file_id, request=None) -> File:
    """Takes a file off its record: it stays among the owner's files, with no role.
    404 unless the file is the owner's and attached to that record."""
    with transaction.atomic():
        record = record_get(owner=owner, record_id=record_id)
        file = file_get(owner=owner, file_id=file_id, for_update=True)
        if file.record_id != record.pk:
            raise FileNotFound()
        file_event(action="file.detach", file=file, request=request, role=file.role or None)
        corrections_after_scan_change(owner=owner, record_id=record.pk, roles=[file.role], request=request)
        file.record, file.role = None, ""
        file.save(update_fields=["record", "role"])
    return file
