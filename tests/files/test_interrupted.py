"""An upload cut short leaves no object, no half-written upload and no row behind."""

import io

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.core.files.uploadedfile import SimpleUploadedFile

from files.models import File

from .conftest import FILES_URL, MiB, pdf

# Past the 5 MiB part size, so the S3 backend has a multipart upload in progress.
SIZE = 12 * MiB


class _ResetAfter(io.RawIOBase):
    """A request body whose connection resets after `limit` bytes."""

    def __init__(self, data: bytes, limit: int):
        self._data = io.BytesIO(data[:limit])

    def read(self, size=-1):
        piece = self._data.read(size)
        if not piece:
            raise ConnectionResetError("connection reset by peer")
        return piece


def _post_raw(person, body, *, length: int):
    return person.client.generic(
        "POST", FILES_URL, b"", content_type="application/pdf",
        HTTP_X_FILENAME="scan.pdf", CONTENT_LENGTH=str(length), **{"wsgi.input": body},
    )


def _form(data: bytes) -> bytes:
    return encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("scan.pdf", data, content_type="application/pdf")})


def _post_form(person, body, *, length: int):
    return person.client.generic(
        "POST", FILES_URL, b"", content_type=MULTIPART_CONTENT, CONTENT_LENGTH=str(length), **{"wsgi.input": body},
    )


def _assert_nothing_left(response, backend) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "upload_incomplete"
    assert not File.objects.exists()
    assert backend.leftovers() == []


@pytest.mark.parametrize("cut", [100, 7 * MiB], ids=["early", "mid-part"])
def test_a_raw_body_shorter_than_its_length_leaves_nothing(unlocked_alice, backend, cut):
    data = pdf(SIZE)
    _assert_nothing_left(_post_raw(unlocked_alice, io.BytesIO(data[:cut]), length=SIZE), backend)


def test_a_raw_body_whose_connection_resets_leaves_nothing(unlocked_alice, backend):
    data = pdf(SIZE)
    _assert_nothing_left(_post_raw(unlocked_alice, _ResetAfter(data, 11 * MiB), length=SIZE), backend)


def test_a_form_cut_inside_the_file_leaves_nothing(unlocked_alice, backend):
    body = _form(pdf(SIZE))
    _assert_nothing_left(_post_form(unlocked_alice, io.BytesIO(body[: 11 * MiB]), length=len(body)), backend)


def test_a_form_whose_connection_resets_leaves_nothing(unlocked_alice, backend):
    body = _form(pdf(SIZE))
    _assert_nothing_left(_post_form(unlocked_alice, _ResetAfter(body, 6 * MiB), length=len(body)), backend)


def test_a_refusal_mid_stream_leaves_nothing(unlocked_alice, backend, settings):
    settings.COFFER_FILE_MAX_BYTES = 8 * MiB
    body = _form(pdf(SIZE))
    response = _post_form(unlocked_alice, io.BytesIO(body), length=len(body))
    assert response.status_code == 413
    assert not File.objects.exists() and backend.leftovers() == []
