"""Range requests on GET /api/v1/files/{id}/content, on both backends."""

import pytest

from .conftest import body_of, content_url, pdf, stored, upload_raw

SIZE = 3 * 65536 + 1000  # four chunks, the last one short


@pytest.fixture
def big_file(unlocked_alice, backend) -> dict:
    data = pdf(SIZE)
    body = upload_raw(unlocked_alice.client, data).json()
    return {**body, "data": data}


def _get(person, file, range_header, **headers):
    return person.client.get(content_url(file["id"]), HTTP_RANGE=range_header, **headers)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-0", 0, 0),  # the first byte
        (f"bytes={SIZE - 1}-{SIZE - 1}", SIZE - 1, SIZE - 1),  # the last byte
        ("bytes=65530-65545", 65530, 65545),  # across a chunk boundary
        ("bytes=65000-190000", 65000, 190000),  # across two boundaries
        ("bytes=65536-131071", 65536, 131071),  # exactly one chunk
        ("bytes=-100", SIZE - 100, SIZE - 1),  # a suffix
        (f"bytes=-{SIZE + 50}", 0, SIZE - 1),  # a suffix longer than the file
        ("bytes=131072-", 131072, SIZE - 1),  # open-ended
        (f"bytes=100-{SIZE + 10_000}", 100, SIZE - 1),  # an end past the file is clamped
    ],
)
def test_a_single_range_answers_206_with_exactly_those_bytes(unlocked_alice, big_file, header, start, end):
    response = _get(unlocked_alice, big_file, header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body_of(response) == big_file["data"][start : end + 1]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 9}", "bytes=-0"])
def test_a_range_outside_the_file_answers_416(unlocked_alice, big_file, header):
    response = _get(unlocked_alice, big_file, header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.json()["code"] == "range_not_satisfiable"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-1", "bytes=9-3", "bytes=x-y", "bytes=-"])
def test_a_range_it_cannot_use_is_ignored(unlocked_alice, big_file, header):
    response = _get(unlocked_alice, big_file, header)
    assert response.status_code == 200 and body_of(response) == big_file["data"]


def test_an_if_range_sends_the_whole_file(unlocked_alice, big_file):
    response = _get(unlocked_alice, big_file, "bytes=0-9", HTTP_IF_RANGE='"anything"')
    assert response.status_code == 200 and body_of(response) == big_file["data"]


def test_only_the_chunks_a_range_covers_are_opened(unlocked_alice, big_file, backend):
    # Damage chunks 0 and 3: a range inside chunks 1-2 never opens them, so still reads.
    key = stored(big_file["id"]).blob_key

    def damage(blob: bytes) -> bytes:
        blob = bytearray(blob)
        for offset in (49 + 100, 49 + 3 * 65552 + 10):
            blob[offset] ^= 0x01
        return bytes(blob)

    backend.rewrite(key, damage)
    response = _get(unlocked_alice, big_file, "bytes=70000-190000")
    assert response.status_code == 206
    assert body_of(response) == big_file["data"][70000:190001]
    assert unlocked_alice.client.get(content_url(big_file["id"])).status_code == 409
