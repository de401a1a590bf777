"""GET /api/v1/accounts/access and DELETE /api/v1/accounts/access/unlock-sessions/{id}."""

from accounts.scopes import VAULT_MANAGE
from vault.crypto.keys import unlock_session_id

from .conftest import FIREFOX, browser


def test_it_lists_the_three_kinds_and_marks_this_requests_own(alice, unlocked_alice):
    browser(alice, address="203.0.113.7", user_agent=FIREFOX)
    response = unlocked_alice.client.get("/api/v1/accounts/access")
    assert response.status_code == 200
    entries = response.json()
    assert {entry["kind"] for entry in entries} == {"web", "unlock", "token"}
    web = next(entry for entry in entries if entry["kind"] == "web")
    assert web["where"] == "203.0.113.7" and web["device"] == "Firefox on Linux" and not web["current"]
    unlock = next(entry for entry in entries if entry["kind"] == "unlock")
    assert unlock["id"] == unlock_session_id(unlocked_alice.unlock_secret) and unlock["current"]
    assert unlock["name"] == "tests"
    token = next(entry for entry in entries if entry["kind"] == "token")
    assert token["current"] and token["scopes"] and token["last_used_at"]
    assert unlocked_alice.unlock_secret not in response.content.decode()
    assert unlocked_alice.token not in response.content.decode()


def test_it_ends_one_unlock_session_by_id(unlocked_alice):
    other = unlocked_alice.unlock_secret
    unlocked_alice.unlock()
    response = unlocked_alice.client.delete(f"/api/v1/accounts/access/unlock-sessions/{unlock_session_id(other)}")
    assert response.status_code == 204
    assert unlocked_alice.with_secret(other).get("/api/v1/vault").json()["state"] == "locked"
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"


def test_another_user_gets_a_404_and_sees_nothing_of_alices(unlocked_alice, unlocked_bob):
    session_id = unlock_session_id(unlocked_alice.unlock_secret)
    assert unlocked_bob.client.delete(f"/api/v1/accounts/access/unlock-sessions/{session_id}").status_code == 404
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"
    ids = {entry["id"] for entry in unlocked_bob.client.get("/api/v1/accounts/access").json()}
    assert session_id not in ids


def test_it_needs_the_vault_manage_scope(unlocked_alice):
    limited = unlocked_alice.with_scopes("records:read")
    session_id = unlock_session_id(unlocked_alice.unlock_secret)
    assert limited.get("/api/v1/accounts/access").status_code == 403
    assert limited.delete(f"/api/v1/accounts/access/unlock-sessions/{session_id}").status_code == 403
    assert unlocked_alice.with_scopes(VAULT_MANAGE).get("/api/v1/accounts/access").status_code == 200


def test_it_refuses_the_anonymous(client, db):
    assert client.get("/api/v1/accounts/access").status_code in (401, 403)
