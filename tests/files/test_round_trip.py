"""Upload, then download: byte-exact on both backends, in both upload styles."""

import pytest

from files.models import File

from .conftest import MiB, body_of, content_url, pdf

# 5 bytes: the smallest PDF the sniffer accepts (%PDF-); empty and shorter ones get 400 (test_upload.py).
SIZES = [5, 65535, 65536, 65537, 50 * MiB]


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size}B")
def test_a_file_comes_back_byte_for_byte(unlocked_alice, backend, upload, size):
    data = pdf(size)
    response = upload(unlocked_alice.client, data)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["size"], body["content_type"], body["filename"]) == (size, "application/pdf", "scan.pdf")

    response = unlocked_alice.client.get(content_url(body["id"]))
    assert response.status_code == 200
    assert int(response["Content-Length"]) == size
    assert body_of(response) == data


def test_the_store_holds_exactly_the_recorded_ciphertext(unlocked_alice, backend, upload):
    data = pdf(200_000)
    body = upload(unlocked_alice.client, data).json()
    row = File.objects.get(pk=body["id"])
    assert backend.leftovers() == [f"object {row.blob_key}"]
    assert backend.store.size(row.blob_key) == row.ciphertext_size == 49 + 200_000 + 4 * 16
    assert data[:1024] not in backend.read(row.blob_key)
