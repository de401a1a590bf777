"""Over a real HTTP connection, damage found mid-stream cuts the response short: the
client gets fewer bytes than Content-Length and an error, never a clean end."""

import pytest
import requests

from vault.crypto.stream import HEADER_SIZE, SEALED_CHUNK_SIZE

from .conftest import events, pdf, stored, upload_raw


@pytest.mark.django_db(transaction=True)
def test_a_client_never_sees_a_clean_end_of_a_damaged_file(live_server, unlocked_alice, fs_backend):
    data = pdf(6 * 65536)
    file_id = upload_raw(unlocked_alice.client, data).json()["id"]

    def damage(blob: bytes) -> bytes:
        damaged = bytearray(blob)
        damaged[HEADER_SIZE + 4 * SEALED_CHUNK_SIZE + 3] ^= 0x01
        return bytes(damaged)

    fs_backend.rewrite(stored(file_id).blob_key, damage)
    headers = {
        "Authorization": f"Token {unlocked_alice.token}", "X-Vault-Unlock": unlocked_alice.unlock_secret,
        "Connection": "close",  # the test server would otherwise keep the socket for the next request
    }
    response = requests.get(f"{live_server.url}/api/v1/files/{file_id}/content", headers=headers, stream=True, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Length"] == str(len(data))
    received = bytearray()
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for piece in response.iter_content(65536):
            received += piece
    assert len(received) < len(data) and bytes(received) == data[: len(received)]
    assert [event.details["operation"] for event in events("file.integrity_failure")] == ["download"]
