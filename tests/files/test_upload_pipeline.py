"""files.uploads.FileUpload: who deletes the blob, and when."""

import uuid

import pytest

from files.errors import FileTooLarge, QuotaExceeded, UnsupportedContent
from files.uploads import FileUpload, NewFileKeys, State, UploadLimits
from vault.crypto.stream import ciphertext_size, decrypt_stream

from .conftest import PDF_HEAD

CONTEXT = b"test-context"


def _upload(store, *, max_bytes=10**9, quota=10**9, used=0, declared="application/pdf") -> FileUpload:
    keys = NewFileKeys(uuid.uuid4(), b"k" * 32, b"wrapped", 1, 1, CONTEXT)
    return FileUpload(
        store=store, owner_id=1, keys=keys, filename="scan.pdf", declared_type=declared,
        limits=UploadLimits(max_bytes=max_bytes, quota=quota, used=used),
    )


def test_it_stores_exactly_the_stream_of_what_it_was_given(fs_store):
    upload = _upload(fs_store)
    data = PDF_HEAD + b"x" * 200_000
    for offset in range(0, len(data), 7):
        upload.write(data[offset : offset + 7])  # pieces smaller than the sniffing window
    upload.finish()
    assert upload.state is State.STORED and upload.content_type == "application/pdf"
    stored = fs_store.read_range(upload.blob_key, 0, fs_store.size(upload.blob_key))
    assert len(stored) == upload.ciphertext_size == ciphertext_size(len(data))
    assert b"".join(decrypt_stream(b"k" * 32, CONTEXT, [stored])) == data


def test_discarding_a_stored_blob_deletes_it_but_not_once_committed(fs_store):
    first, second = _upload(fs_store), _upload(fs_store)
    for upload in (first, second):
        upload.write(PDF_HEAD)
        upload.finish()
    first.discard()
    second.committed()
    second.close()  # what Django does at the end of every request
    assert not fs_store.exists(first.blob_key) and first.state is State.DISCARDED
    assert fs_store.exists(second.blob_key) and second.state is State.COMMITTED


def test_limits_are_enforced_while_streaming(fs_store):
    upload = _upload(fs_store, max_bytes=100)
    upload.write(PDF_HEAD + b"x" * 91)  # exactly the limit
    with pytest.raises(FileTooLarge):
        upload.write(b"x")
    upload.discard()
    upload = _upload(fs_store, quota=1000, used=950)
    with pytest.raises(QuotaExceeded):
        upload.write(PDF_HEAD + b"x" * 50)
    upload.discard()
    assert list(fs_store.list_blobs()) == []


def test_a_wrong_type_is_refused_before_any_byte_is_stored(fs_store):
    upload = _upload(fs_store, declared="image/png")
    with pytest.raises(UnsupportedContent):
        upload.write(PDF_HEAD + b"x" * 100)
    upload.discard()
    assert list(fs_store.list_blobs()) == [] and list(fs_store.temp_dir.iterdir()) == []
