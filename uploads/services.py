"""Resumable uploads: a File sent in segments over many requests (docs/files.md).

    upload_start   -> a session: the DEK, its wrap under the current vault key, the
                      stream header and an open multipart upload, all made up front
    upload_append  -> one segment: whole parts, each sealed at its chunk index and
                      stored as the part of its number; the offset moves only after
    (the final segment) -> the multipart upload is completed and files.services.file_create
                      makes the row, in one transaction under the vault lock
    upload_cancel  -> the row and the multipart upload go

The result is byte for byte what a one-shot upload of the same bytes under the same
DEK would store. A part is sealed deterministically by its position, so sending a
segment again writes the same ciphertext: the keyed digest claimed per part refuses
different bytes at a position already sealed once (a nonce is never reused).

Locks: the vault row, then the session row (vault/locking.py). Only the finish takes
the vault row; a segment takes no lock at all: its offset moves with one conditional
UPDATE, which is how two racing copies of one segment are told apart.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError as RowConflict
from django.db import transaction
from django.utils import timezone

from coffer.seams import seam
from files import sniffing
from files.errors import StorageUnavailable
from files.models import File
from files.naming import clean_filename
from files.sealing import new_dek, open_filename, seal_filename, stream_context, unwrap_dek, wrap_dek
from files.selectors import quota_used
from files.services import file_create, scan_role_check
from files.uploads import NewFileKeys, UploadLimits
from records.selectors import record_get
from storage.base import BlobStore, MultipartGone
from storage.factory import get_store
from vault.crypto.errors import IntegrityError
from vault.crypto.session import VaultKeys
from vault.crypto.stream import CHUNK_SIZE, ciphertext_size, encrypt_chunks, new_header
from vault.locking import keyset_sync, vault_locked
from vault.services import VaultLocked

from .errors import UploadNotFound, UploadOffsetMismatch, UploadSegmentChanged, UploadSegmentInvalid, UploadTooLong
from .models import UploadPart, UploadSession
from .selectors import upload_get

logger = logging.getLogger(__name__)

DEK_VERSION = 1
DIGEST_PERSON = b"coffer.upload.pd"

# Reads exactly n bytes of the request body, or raises (files.errors.UploadIncomplete).
BodyReader = Callable[[int], bytes]


def _limits(*, owner) -> UploadLimits:
    return UploadLimits(max_bytes=settings.COFFER_FILE_MAX_BYTES, quota=settings.COFFER_USER_QUOTA_BYTES,
                        used=quota_used(owner=owner))


def _context(session: UploadSession) -> bytes:
    return stream_context(user_id=session.owner_id, file_id=str(session.pk), dek_version=DEK_VERSION)


def _dek(session: UploadSession, keys: VaultKeys) -> bytes:
    try:
        return unwrap_dek(keys=keys, wrapped_dek=session.wrapped_dek, user_id=session.owner_id,
                          file_id=str(session.pk), vault_key_version=session.vault_key_version)
    except (IntegrityError, KeyError):
        # The session's keys predate a PIN change or a finished rotation it could not follow.
        raise VaultLocked() from None


def part_digest(*, dek: bytes, number: int, plaintext: bytes) -> bytes:
    """BLAKE2b-256 of a part's plaintext, keyed by a key derived from the DEK: equal
    digests say the bytes are equal, and nothing else without the DEK."""
    key = hashlib.blake2b(dek, digest_size=32, person=DIGEST_PERSON).digest()
    return hashlib.blake2b(number.to_bytes(4, "big") + plaintext, key=key, digest_size=32).digest()


# ---- start ----


def upload_start(*, owner, keys: VaultKeys, size: int, filename: str | None, declared_type: str | None,
                 record_id=None, role: str = "", replace: bool = False) -> UploadSession:
    """Everything a one-shot upload is refused for before its first byte (400, 404, 413,
    415, 507), then the session, its key wrapped under the vault key that is newest
    under the vault lock, and its multipart upload. A failure leaves neither."""
    name = clean_filename(filename)
    declared = sniffing.declared_type(declared_type)
    _limits(owner=owner).check(size)
    if record_id is not None:
        record = record_get(owner=owner, record_id=record_id)
        if role:
            scan_role_check(record=record, role=role)
    part_size = settings.COFFER_UPLOAD_PART_SIZE
    if -(-max(size, 1) // part_size) > 10_000:
        raise UploadTooLong(size=part_size * 10_000)
    session_id, dek = uuid.uuid4(), new_dek()
    store = get_store()
    blob_key = store.new_key()
    storage_upload_id = store.multipart_start(blob_key)
    try:
        with vault_locked(user_id=owner.pk) as vault:
            try:
                keys = keyset_sync(vault=vault, keys=keys)
            except IntegrityError:
                raise VaultLocked() from None
            context = stream_context(user_id=owner.pk, file_id=str(session_id), dek_version=DEK_VERSION)
            now = timezone.now()
            session = UploadSession.objects.create(
                id=session_id, owner=owner, record_id=record_id, role=role, replace=replace, size=size,
                part_size=part_size, declared_type=declared or "",
                sealed_filename=seal_filename(dek=dek, filename=name, user_id=owner.pk, file_id=str(session_id),
                                              dek_version=DEK_VERSION),
                blob_key=blob_key, storage_upload_id=storage_upload_id,
                vault_key_version=keys.current_version,
                wrapped_dek=wrap_dek(vault_key=keys.current, dek=dek, user_id=owner.pk, file_id=str(session_id),
                                     vault_key_version=keys.current_version),
                stream_header=new_header(dek, context),
                created_at=now, expires_at=now + timedelta(seconds=settings.COFFER_UPLOAD_SESSION_SECONDS),
            )
    except BaseException:
        _abort(store, blob_key, storage_upload_id)
        raise
    return session


# ---- segments ----


@dataclass(frozen=True)
class Appended:
    session: UploadSession | None  # None once the final segment made the file
    file: File | None = None
    filename: str = ""


def upload_append(*, owner, keys: VaultKeys, upload_id, offset: int, length: int, read: BodyReader,
                  request=None) -> Appended:
    """Stores one segment at `offset`: whole parts, or the rest of the file. The offset
    moves only once every part of the segment is stored, and only from `offset`: of two
    copies of one segment racing, one moves it and the other answers 409."""
    session = upload_get(owner=owner, upload_id=upload_id)
    if offset != session.offset:
        raise UploadOffsetMismatch(offset=session.offset)
    if offset + length > session.size:
        raise UploadTooLong(size=session.size)
    final = offset + length == session.size
    if not final and (length == 0 or length % session.part_size):
        raise UploadSegmentInvalid(part_size=session.part_size)
    dek = _dek(session, keys)
    store = get_store()
    first = offset // session.part_size + 1
    remaining, number = length, first
    while remaining > 0 or (final and number == first and length == 0):
        plaintext = read(min(session.part_size, remaining))
        remaining -= len(plaintext)
        _put_part(store, session, dek, number, plaintext, last=final and remaining == 0)
        number += 1
    seam("upload.segment.advance")
    if final:
        return _finish(owner=owner, keys=keys, upload_id=session.pk, offset=offset, dek=dek, request=request)
    moved = UploadSession.objects.filter(pk=session.pk, owner=owner, offset=offset).update(offset=offset + length)
    if not moved:
        raise UploadOffsetMismatch(offset=upload_get(owner=owner, upload_id=session.pk).offset)
    session.offset = offset + length
    return Appended(session=session)


def _put_part(store: BlobStore, session: UploadSession, dek: bytes, number: int, plaintext: bytes, *,
              last: bool) -> None:
    if number == 1 and not session.content_type:
        content_type = sniffing.check_type(plaintext[: sniffing.SNIFF_BYTES], declared=session.declared_type or None,
                                           whole_file=len(plaintext) < sniffing.SNIFF_BYTES)
        UploadSession.objects.filter(pk=session.pk).update(content_type=content_type)
        session.content_type = content_type
    digest = part_digest(dek=dek, number=number, plaintext=plaintext)
    seam("upload.part.claim")
    try:
        part, _ = UploadPart.objects.get_or_create(session_id=session.pk, number=number, defaults={"digest": digest})
    except (RowConflict, UploadPart.DoesNotExist):
        raise UploadNotFound() from None  # the session was cancelled or expired meanwhile
    if bytes(part.digest) != digest:
        raise UploadSegmentChanged()
    header = bytes(session.stream_header)
    sealed = encrypt_chunks(dek, header, _context(session), (number - 1) * session.part_size // CHUNK_SIZE,
                            plaintext, last=last)
    try:
        token = store.multipart_put(session.blob_key, session.storage_upload_id, number,
                                    header + sealed if number == 1 else sealed)
    except MultipartGone:
        # Cancelled or expired meanwhile, or completed by a finish that died before its
        # commit: the session cannot go on, so it goes (the client starts a new one).
        UploadSession.objects.filter(pk=session.pk).delete()
        raise UploadNotFound() from None
    except Exception:
        logger.warning("could not store part %s of an upload", number, exc_info=True)
        raise StorageUnavailable() from None
    UploadPart.objects.filter(pk=part.pk).update(token=token)


# ---- finish ----


@dataclass
class _CompletedUpload:
    """What files.services.file_create needs of an upload whose blob is stored."""

    store: BlobStore
    keys: NewFileKeys
    blob_key: str
    content_type: str
    plaintext_size: int
    ciphertext_size: int
    filename: str
    kept: bool = False

    @property
    def file_id(self) -> uuid.UUID:
        return self.keys.file_id

    def committed(self) -> None:
        self.kept = True

    def discard(self) -> None:
        if not self.kept:
            try:
                self.store.delete(self.blob_key)
            except Exception:
                logger.warning("could not delete the blob of a refused upload", exc_info=True)


def _finish(*, owner, keys: VaultKeys, upload_id, offset: int, dek: bytes, request) -> Appended:
    """Completes the multipart upload and makes the File, under the vault lock then the
    session row (a cancel waits, then finds no session). Any refusal here (quota, a
    role taken meanwhile) ends the session: its parts are spent."""
    seam("upload.finish.commit")
    store = get_store()
    completed: _CompletedUpload | None = None
    gone = False
    try:
        with vault_locked(user_id=owner.pk) as vault:
            try:
                keyset_sync(vault=vault, keys=keys)  # before the parts are spent: a stale session answers 423
            except IntegrityError:
                raise VaultLocked() from None
            session = UploadSession.objects.select_for_update().filter(pk=upload_id, owner=owner).first()
            if session is None:
                raise UploadNotFound()
            if session.offset != offset:
                raise UploadOffsetMismatch(offset=session.offset)
            parts = list(session.parts.order_by("number").values_list("number", "token"))
            if len(parts) != max(1, -(-session.size // session.part_size)) or not all(t for _, t in parts):
                raise UploadOffsetMismatch(offset=session.offset)  # a part was never stored
            try:
                stored = store.multipart_complete(session.blob_key, session.storage_upload_id, parts)
            except MultipartGone:
                gone = True
                raise UploadNotFound() from None
            completed = _CompletedUpload(
                store=store,
                keys=NewFileKeys(file_id=session.pk, dek=dek, wrapped_dek=bytes(session.wrapped_dek),
                                 vault_key_version=session.vault_key_version, dek_version=DEK_VERSION,
                                 stream_context=_context(session)),
                blob_key=session.blob_key, content_type=session.content_type, plaintext_size=session.size,
                ciphertext_size=stored,
                filename=open_filename(dek=dek, sealed=bytes(session.sealed_filename), user_id=owner.pk,
                                       file_id=str(session.pk), dek_version=DEK_VERSION),
            )
            if stored != ciphertext_size(session.size):
                raise StorageUnavailable()
            file = file_create(owner=owner, keys=keys, upload=completed, record_id=session.record_id,
                               role=session.role, replace=session.replace, request=request)
            session.delete()
    except BaseException:
        if completed is not None:
            completed.discard()
        if completed is not None or gone:
            UploadSession.objects.filter(pk=upload_id).delete()  # its multipart upload is spent
        raise
    return Appended(session=None, file=file, filename=completed.filename)


# ---- cancel, expire ----


def _abort(store: BlobStore, blob_key: str, storage_upload_id: str) -> None:
    try:
        store.multipart_abort(blob_key, storage_upload_id)
    except Exception:
        # Only ciphertext parts under a key nothing names; the store's stale-upload sweep removes them.
        logger.warning("could not abort a multipart upload", exc_info=True)


def upload_cancel(*, owner, upload_id) -> None:
    """Removes the session and its parts. A finish holding the session makes this wait, then 404."""
    seam("upload.cancel.commit")
    with transaction.atomic():
        session = upload_get(owner=owner, upload_id=upload_id, for_update=True)
        get_store().multipart_abort(session.blob_key, session.storage_upload_id)
        session.delete()


def uploads_expire(*, now=None) -> int:
    """Removes sessions past their expiry, their multipart uploads first (a session whose
    upload cannot be aborted now stays for the next run). Skips a session a request holds."""
    now = now or timezone.now()
    store = get_store()
    removed = 0
    for session_id in UploadSession.objects.filter(expires_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            session = (UploadSession.objects.select_for_update(skip_locked=True)
                       .filter(pk=session_id, expires_at__lte=now).first())
            if session is None:
                continue
            try:
                store.multipart_abort(session.blob_key, session.storage_upload_id)
            except Exception:
                logger.warning("could not abort an expired upload's multipart upload", exc_info=True)
                continue
            session.delete()
            removed += 1
    return removed


def upload_sessions_forget(*, owner_id: int) -> None:
    """Inside an account's deletion, before its rows cascade away: once that commits,
    abort the owner's open multipart uploads (a failure is left to the store's sweep)."""
    store = get_store()
    sessions = list(UploadSession.objects.filter(owner_id=owner_id).values_list("blob_key", "storage_upload_id"))
    transaction.on_commit(lambda: [_abort(store, key, upload_id) for key, upload_id in sessions])
