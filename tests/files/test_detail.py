"""GET /api/v1/files/{id}/"""

from accounts.scopes import FILES_WRITE

from .conftest import file_url


def test_it_answers_the_files_metadata(unlocked_alice, alice_file):
    response = unlocked_alice.client.get(file_url(alice_file["id"]))
    assert response.status_code == 200
    assert response.json() == {key: value for key, value in alice_file.items() if key != "data"}


def test_while_locked_the_name_is_null(unlocked_alice, alice_file):
    unlocked_alice.client.post("/api/v1/vault/lock")
    body = unlocked_alice.client.get(file_url(alice_file["id"])).json()
    assert (body["filename"], body["size"], body["integrity_error"]) == (None, 150000, False)


def test_another_users_file_answers_404(unlocked_bob, alice_file):
    response = unlocked_bob.client.get(file_url(alice_file["id"]))
    assert response.status_code == 404 and response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_token_without_files_read_answers_403(unlocked_alice, alice_file):
    assert unlocked_alice.with_scopes(FILES_WRITE).get(file_url(alice_file["id"])).status_code == 403
