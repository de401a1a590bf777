"""Tampered objects and rows, on both backends. Damage found before the first byte
answers 409; damage found mid-stream aborts the response, never a clean end. Both
are audited."""

import pytest

from files.models import File
from vault.crypto.errors import IntegrityError
from vault.crypto.stream import HEADER_SIZE, SEALED_CHUNK_SIZE

from .conftest import body_of, content_url, events, file_url, pdf, stored, upload_raw

SIZE = 4 * 65536 + 500  # five chunks


@pytest.fixture
def upload_pdf(backend):
    def upload(person, size: int = SIZE) -> dict:
        data = pdf(size)
        response = upload_raw(person.client, data)
        assert response.status_code == 201, response.content
        return {**response.json(), "data": data}

    return upload


def _flip(offset: int):
    def change(blob: bytes) -> bytes:
        damaged = bytearray(blob)
        damaged[offset] ^= 0x01
        return bytes(damaged)

    return change


def _assert_409(response) -> None:
    assert response.status_code == 409
    assert response.json() == {
        "code": "integrity_error",
        "detail": "Stored data failed its integrity check and was not returned.",
    }


def _assert_audited(file_id: str) -> None:
    [event] = events("file.integrity_failure")
    assert (event.target_kind, event.target_id, event.outcome) == ("file", file_id, "failure")
    assert event.details["operation"] == "download"


@pytest.mark.parametrize("offset", [0, 1, 20, HEADER_SIZE - 1], ids=["version", "prefix", "commitment", "last"])
def test_a_flipped_header_byte_answers_409_before_any_byte(unlocked_alice, backend, upload_pdf, offset):
    file = upload_pdf(unlocked_alice)
    backend.rewrite(stored(file["id"]).blob_key, _flip(offset))
    _assert_409(unlocked_alice.client.get(content_url(file["id"])))
    _assert_audited(file["id"])


def test_a_flipped_byte_in_a_middle_chunk_aborts_the_stream(unlocked_alice, backend, upload_pdf):
    file = upload_pdf(unlocked_alice)
    backend.rewrite(stored(file["id"]).blob_key, _flip(HEADER_SIZE + 2 * SEALED_CHUNK_SIZE + 7))
    response = unlocked_alice.client.get(content_url(file["id"]))
    assert response.status_code == 200  # the first chunks were sound
    received = bytearray()
    with pytest.raises(IntegrityError):
        for piece in response.streaming_content:
            received += piece
    assert bytes(received) == file["data"][: 2 * 65536]  # what came is authentic, and it stopped
    _assert_audited(file["id"])


def test_a_flipped_byte_in_the_first_chunk_answers_409(unlocked_alice, backend, upload_pdf):
    file = upload_pdf(unlocked_alice)
    backend.rewrite(stored(file["id"]).blob_key, _flip(HEADER_SIZE + 5))
    _assert_409(unlocked_alice.client.get(content_url(file["id"])))


@pytest.mark.parametrize("chunks_kept", [1, 4])
def test_an_object_truncated_at_a_chunk_boundary_answers_409(unlocked_alice, backend, upload_pdf, chunks_kept):
    file = upload_pdf(unlocked_alice)
    cut = HEADER_SIZE + chunks_kept * SEALED_CHUNK_SIZE
    backend.rewrite(stored(file["id"]).blob_key, lambda blob: blob[:cut])
    _assert_409(unlocked_alice.client.get(content_url(file["id"])))
    _assert_409(unlocked_alice.client.get(content_url(file["id"]), HTTP_RANGE="bytes=0-9"))
    assert len(events("file.integrity_failure")) == 2


def test_a_truncation_hidden_by_editing_the_row_too_never_ends_cleanly(unlocked_alice, backend, upload_pdf):
    # With the database as well as the store, an attacker drops the last chunk and
    # fixes the recorded sizes: the new last chunk was not sealed as last.
    file = upload_pdf(unlocked_alice)
    row = stored(file["id"])
    cut = HEADER_SIZE + 4 * SEALED_CHUNK_SIZE
    backend.rewrite(row.blob_key, lambda blob: blob[:cut])
    File.objects.filter(pk=row.pk).update(ciphertext_size=cut, plaintext_size=4 * 65536)
    response = unlocked_alice.client.get(content_url(file["id"]))
    assert response.status_code == 200
    with pytest.raises(IntegrityError):
        body_of(response)
    _assert_audited(file["id"])


def test_an_appended_chunk_answers_409(unlocked_alice, backend, upload_pdf):
    file = upload_pdf(unlocked_alice)
    row = stored(file["id"])
    backend.rewrite(row.blob_key, lambda blob: blob + blob[HEADER_SIZE : HEADER_SIZE + SEALED_CHUNK_SIZE])
    _assert_409(unlocked_alice.client.get(content_url(file["id"])))


def test_two_objects_swapped_between_files_fail_to_open(unlocked_alice, backend, upload_pdf):
    first, second = upload_pdf(unlocked_alice), upload_pdf(unlocked_alice)
    first_key, second_key = stored(first["id"]).blob_key, stored(second["id"]).blob_key
    first_blob, second_blob = backend.read(first_key), backend.read(second_key)
    backend.rewrite(first_key, lambda _: second_blob)
    backend.rewrite(second_key, lambda _: first_blob)
    _assert_409(unlocked_alice.client.get(content_url(first["id"])))
    _assert_409(unlocked_alice.client.get(content_url(second["id"])))
    assert len(events("file.integrity_failure")) == 2


def test_an_object_swapped_between_users_fails_to_open(unlocked_alice, unlocked_bob, backend, upload_pdf):
    alices, bobs = upload_pdf(unlocked_alice), upload_pdf(unlocked_bob)
    bobs_blob = backend.read(stored(bobs["id"]).blob_key)
    backend.rewrite(stored(alices["id"]).blob_key, lambda _: bobs_blob)
    _assert_409(unlocked_alice.client.get(content_url(alices["id"])))
    _assert_audited(alices["id"])


def test_rows_pointed_at_each_others_objects_fail_to_open(unlocked_alice, backend, upload_pdf):
    first, second = upload_pdf(unlocked_alice), upload_pdf(unlocked_alice)
    first_key, second_key = stored(first["id"]).blob_key, stored(second["id"]).blob_key
    File.objects.filter(pk=first["id"]).update(blob_key="0" * 32)
    File.objects.filter(pk=second["id"]).update(blob_key=first_key)
    File.objects.filter(pk=first["id"]).update(blob_key=second_key)
    _assert_409(unlocked_alice.client.get(content_url(first["id"])))
    _assert_409(unlocked_alice.client.get(content_url(second["id"])))


def test_a_missing_object_answers_409(unlocked_alice, backend, upload_pdf):
    file = upload_pdf(unlocked_alice, 100)
    backend.store.delete(stored(file["id"]).blob_key)
    _assert_409(unlocked_alice.client.get(content_url(file["id"])))
    _assert_audited(file["id"])


def test_a_damaged_smallest_file_answers_409(unlocked_alice, backend, upload_pdf):
    file = upload_pdf(unlocked_alice, 5)  # one short chunk: the smallest document accepted
    backend.rewrite(stored(file["id"]).blob_key, _flip(HEADER_SIZE + 3))
    _assert_409(unlocked_alice.client.get(content_url(file["id"])))


def test_a_swapped_wrapped_dek_or_filename_is_caught(unlocked_alice, fs_backend):
    first = upload_raw(unlocked_alice.client, pdf(100)).json()
    second = upload_raw(unlocked_alice.client, pdf(100), filename="other.pdf").json()
    File.objects.filter(pk=first["id"]).update(sealed_filename=stored(second["id"]).sealed_filename)
    described = unlocked_alice.client.get(file_url(first["id"])).json()
    assert (described["filename"], described["integrity_error"]) == (None, True)
    _assert_409(unlocked_alice.client.get(content_url(first["id"])))
    File.objects.filter(pk=second["id"]).update(wrapped_dek=stored(first["id"]).wrapped_dek)
    _assert_409(unlocked_alice.client.get(content_url(second["id"])))
    operations = [event.details["operation"] for event in events("file.integrity_failure")]
    assert operations == ["describe", "download", "download"]
