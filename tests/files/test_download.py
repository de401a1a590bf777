"""GET /api/v1/files/{id}/content"""

from urllib.parse import quote

from accounts.scopes import FILES_READ, FILES_WRITE

from .conftest import body_of, content_url, events, pdf, upload_raw


def test_it_streams_the_decrypted_file(unlocked_alice, alice_file):
    response = unlocked_alice.client.get(content_url(alice_file["id"]))
    assert response.status_code == 200 and response.streaming
    assert body_of(response) == alice_file["data"]


def test_it_sends_the_type_name_and_no_cache_headers(unlocked_alice, alice_file):
    response = unlocked_alice.client.get(content_url(alice_file["id"]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == "150000"
    assert response["Content-Disposition"] == 'attachment; filename="passport-scan.pdf"'
    assert response["Cache-Control"] == "no-store"
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_unicode_filename_is_sent_per_rfc_6266(unlocked_alice, fs_backend):
    name = 'Zoë "ID" scan.pdf'
    body = upload_raw(unlocked_alice.client, pdf(100), filename=quote(name)).json()
    response = unlocked_alice.client.get(content_url(body["id"]))
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Zoe _ID_ scan.pdf\"; filename*=UTF-8''Zo%C3%AB%20%22ID%22%20scan.pdf"
    )


def test_every_download_is_audited(unlocked_alice, alice_file):
    body_of(unlocked_alice.client.get(content_url(alice_file["id"])))
    body_of(unlocked_alice.client.get(content_url(alice_file["id"]), HTTP_RANGE="bytes=0-9"))
    first, second = events("file.download")
    assert (first.target_id, first.details) == (
        alice_file["id"], {"content_type": "application/pdf", "size": 150000, "range": None},
    )
    assert second.details["range"] == "bytes 0-9/150000"
    assert first.actor == unlocked_alice.user


def test_another_users_file_answers_404(unlocked_bob, alice_file):
    response = unlocked_bob.client.get(content_url(alice_file["id"]))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert events("file.download") == []


def test_an_unknown_or_malformed_id_answers_404(unlocked_alice, fs_backend):
    for file_id in ("0b4f3bd6-3c55-4a0e-9d4e-93b0bbd7f0a1", "not-a-uuid"):
        assert unlocked_alice.client.get(content_url(file_id)).status_code == 404


def test_a_locked_vault_answers_423(unlocked_alice, alice_file):
    unlocked_alice.client.post("/api/v1/vault/lock")
    response = unlocked_alice.client.get(content_url(alice_file["id"]))
    assert response.status_code == 423 and response.json()["code"] == "vault_locked"


def test_a_token_without_files_read_answers_403_even_for_head(unlocked_alice, alice_file):
    client = unlocked_alice.with_scopes(FILES_WRITE)
    assert client.get(content_url(alice_file["id"])).status_code == 403
    response = client.head(content_url(alice_file["id"]))
    assert response.status_code == 403 and "Content-Disposition" not in response
    assert events("file.download") == []


def test_a_token_with_files_read_may_download(unlocked_alice, alice_file):
    response = unlocked_alice.with_scopes(FILES_READ).get(content_url(alice_file["id"]))
    assert body_of(response) == alice_file["data"]
