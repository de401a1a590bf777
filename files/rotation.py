"""How a rotation job moves one file onto the new vault key version.

`rewrap` re-wraps the files' DEKs in batches, in the engine's one transaction under the
vault lock (the blobs are sealed under the DEKs and stay as they are). `reencrypt`
rewrites each blob (a step moves a few files at once, each on its own thread under its
own lease: vault.rotation.services._step_items): write a new object under a new DEK
(written), decrypt it back and compare digests
with the old plaintext (verified), swap the row's pointer in one transaction
(swapped), then delete the old object (done). Each state is persisted, so a worker
killed anywhere resumes from the last one; a new object orphaned by a crash before
`written` is deleted on resume, or by the blob GC.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from django.conf import settings

from coffer.seams import seam
from storage.base import BlobNotFound
from storage.factory import get_store
from vault.crypto.errors import IntegrityError
from vault.crypto.stream import StreamEncryptor, decrypt_stream
from vault.locking import vault_locked
from vault.models import RotationItem, RotationJob
from vault.rotation.bulk import rows_update
from vault.rotation.handlers import Batch
from vault.rotation.services import item_advance, item_extend_lease

from .models import File
from .readahead import ReadAhead
from .sealing import new_dek, open_filename, seal_filename, stream_context, unwrap_dek, wrap_dek

READ_BLOCK = 4 * 1024 * 1024
State = RotationItem.State


class FileRotationHandler:
    item_kind = "file"

    def stragglers(self, *, job: RotationJob):
        files = File.objects.filter(owner_id=job.vault.user_id).exclude(vault_key_version=job.target_version)
        return files.values_list("pk", "ciphertext_size")

    def process(self, *, job: RotationJob, item: RotationItem, keys) -> None:
        file = _file_of(job, item)
        if not _gone(item, file):
            try:
                if job.kind == RotationJob.Kind.REWRAP:
                    _rewrap(job, item, file, keys)
                else:
                    _reencrypt(job, item, file, keys)
                return
            except (BlobNotFound, File.DoesNotExist):
                # Deleted while this step read it (its object goes with it), or truly missing.
                if not _gone(item, _file_of(job, item)):
                    raise
        # The file was deleted or replaced meanwhile: nothing left to move. A half-made copy
        # is dropped; after a swap the new object was the file's own, and the GC judges it.
        if item.state != State.SWAPPED:
            _discard_new_blob(item)
        item_advance(item, State.DONE)

    def batches(self, *, job: RotationJob) -> bool:
        return job.kind == RotationJob.Kind.REWRAP

    def process_batch(self, *, job: RotationJob, items: list[RotationItem], keys) -> Batch:
        """Re-wraps the DEKs of the items' files, inside the engine's transaction (the vault
        row and the items locked). A file deleted since counts as moved: nothing is left to do."""
        files = File.objects.select_for_update().filter(owner_id=job.vault.user_id,
                                                        pk__in=[item.item_id for item in items])
        by_id = {str(file.pk): file for file in files.order_by("pk")}
        batch, changed = Batch(), []
        for item in items:
            file = by_id.get(item.item_id)
            if file is not None and file.vault_key_version != job.target_version:
                try:
                    dek = _old_dek(file, keys)
                except IntegrityError:
                    batch.left.append(item)  # damaged: `process` reports it, one at a time
                    continue
                file.wrapped_dek = wrap_dek(vault_key=keys.key(job.target_version), dek=dek, user_id=file.owner_id,
                                            file_id=str(file.pk), vault_key_version=job.target_version)
                file.vault_key_version = job.target_version
                changed.append(file)
            batch.moved.append(item)
        rows_update(changed, ["wrapped_dek", "vault_key_version"])
        return batch


def _file_of(job: RotationJob, item: RotationItem) -> File | None:
    return File.objects.filter(pk=item.item_id, owner_id=job.vault.user_id).first()


def _gone(item: RotationItem, file: File | None) -> bool:
    if file is None:
        return True
    copying = item.state in (State.PENDING, State.WRITTEN, State.VERIFIED)
    return copying and bool(item.old_blob_key) and file.blob_key != item.old_blob_key


def _rewrap(job, item, file, keys) -> None:
    if item.state != State.DONE:
        with vault_locked(user_id=file.owner_id):
            file = File.objects.select_for_update().get(pk=file.pk)
            if file.vault_key_version != job.target_version:
                dek = _old_dek(file, keys)
                wrapped = wrap_dek(vault_key=keys.key(job.target_version), dek=dek, user_id=file.owner_id,
                                   file_id=str(file.pk), vault_key_version=job.target_version)
                file.wrapped_dek, file.vault_key_version = wrapped, job.target_version
                file.save(update_fields=["wrapped_dek", "vault_key_version"])
            item_advance(item, State.SWAPPED)
        item_advance(item, State.DONE)


def _reencrypt(job, item, file, keys) -> None:
    store = get_store()
    digest = None
    if item.state == State.PENDING:
        if file.vault_key_version == job.target_version:
            item_advance(item, State.DONE)  # uploaded under the new key while the job ran
            return
        _discard_new_blob(item)  # a copy begun before a crash is not trusted
        dek = new_dek()
        new_key = store.new_key()
        staged = wrap_dek(vault_key=keys.key(job.target_version), dek=dek, user_id=file.owner_id,
                          file_id=str(file.pk), vault_key_version=job.target_version)
        item_advance(item, State.PENDING, new_blob_key=new_key, old_blob_key=file.blob_key, staged_wrapped_dek=staged)
        seam("file.rotation.copy")
        hasher = hashlib.sha256()
        encryptor = StreamEncryptor(dek, stream_context(user_id=file.owner_id, file_id=str(file.pk), dek_version=file.dek_version + 1))
        store.put(new_key, _reencrypted(item, _plaintext(store, file, keys, item), hasher, encryptor))
        digest = hasher.digest()
        item_advance(item, State.WRITTEN)
    if item.state == State.WRITTEN:
        if digest is None:
            digest = _digest(_plaintext(store, file, keys, item))
        if _digest(_staged_plaintext(store, file, keys, item, job)) != digest:
            _discard_new_blob(item)
            item_advance(item, State.PENDING)
            raise IntegrityError()
        item_advance(item, State.VERIFIED)
    if item.state == State.VERIFIED:
        with vault_locked(user_id=file.owner_id):
            locked = File.objects.select_for_update().get(pk=file.pk)
            if locked.blob_key == item.old_blob_key:
                _swap(locked, item, keys, job)
            item_advance(item, State.SWAPPED)
    if item.state == State.SWAPPED:
        # The old object is the blob GC's now, never deleted here: a download that began
        # before the swap may still be reading it, and a database backup taken before the
        # swap still names it (COFFER_BLOB_RETENTION).
        item_advance(item, State.DONE)


def _swap(file: File, item: RotationItem, keys, job: RotationJob) -> None:
    old_dek = _old_dek(file, keys)
    new_dek_bytes = _staged_dek(file, item, keys, job)
    filename = open_filename(dek=old_dek, sealed=file.sealed_filename, user_id=file.owner_id,
                             file_id=str(file.pk), dek_version=file.dek_version)
    file.dek_version += 1
    file.sealed_filename = seal_filename(dek=new_dek_bytes, filename=filename, user_id=file.owner_id,
                                         file_id=str(file.pk), dek_version=file.dek_version)
    file.blob_key, file.wrapped_dek = item.new_blob_key, bytes(item.staged_wrapped_dek)
    file.vault_key_version = job.target_version
    file.save(update_fields=["dek_version", "sealed_filename", "blob_key", "wrapped_dek", "vault_key_version"])


def _staged_dek(file: File, item: RotationItem, keys, job: RotationJob) -> bytes:
    return unwrap_dek(keys=keys, wrapped_dek=item.staged_wrapped_dek, user_id=file.owner_id,
                      file_id=str(file.pk), vault_key_version=job.target_version)


def _old_dek(file: File, keys) -> bytes:
    return unwrap_dek(keys=keys, wrapped_dek=file.wrapped_dek, user_id=file.owner_id,
                      file_id=str(file.pk), vault_key_version=file.vault_key_version)


def _plaintext(store, file: File, keys, item: RotationItem) -> Iterator[bytes]:
    context = stream_context(user_id=file.owner_id, file_id=str(file.pk), dek_version=file.dek_version)
    return _decrypted(store, item.old_blob_key or file.blob_key, file.ciphertext_size, _old_dek(file, keys), context, item)


def _staged_plaintext(store, file: File, keys, item: RotationItem, job: RotationJob) -> Iterator[bytes]:
    dek = _staged_dek(file, item, keys, job)
    context = stream_context(user_id=file.owner_id, file_id=str(file.pk), dek_version=file.dek_version + 1)
    return _decrypted(store, item.new_blob_key, store.size(item.new_blob_key), dek, context, item)


def _decrypted(store, blob_key: str, size: int, dek: bytes, context: bytes, item: RotationItem) -> Iterator[bytes]:
    return decrypt_stream(dek, context, _blocks(store, blob_key, size, item))


def _blocks(store, blob_key: str, size: int, item: RotationItem) -> Iterator[bytes]:
    # Ranges are read ahead on a few threads (files.readahead, as downloads do), so the
    # store's reads overlap the decryption, re-encryption and upload of what came before.
    ahead = ReadAhead(store, blob_key, 0, size, depth=settings.COFFER_FILE_READ_AHEAD)
    try:
        for offset in range(0, size, READ_BLOCK):
            yield ahead.read_at(offset, min(READ_BLOCK, size - offset))  # short if truncated: decryption says so
            item_extend_lease(item)
    finally:
        ahead.close()


def _reencrypted(item, plaintext: Iterator[bytes], hasher, encryptor: StreamEncryptor) -> Iterator[bytes]:
    for piece in plaintext:
        hasher.update(piece)
        yield from encryptor.chunks(piece)
    yield encryptor.finalize()


def _digest(plaintext: Iterator[bytes]) -> bytes:
    hasher = hashlib.sha256()
    for piece in plaintext:
        hasher.update(piece)
    return hasher.digest()


def _discard_new_blob(item: RotationItem) -> None:
    if item.new_blob_key:
        get_store().delete(item.new_blob_key)
