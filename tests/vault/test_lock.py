from audit.models import AuditEvent
from vault.services import vault_lock_all


def test_lock_ends_the_session_at_once(unlocked_alice):
    assert unlocked_alice.client.post("/api/v1/vault/lock").status_code == 204
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "locked"
    assert AuditEvent.objects.filter(action="vault.lock", actor=unlocked_alice.user).exists()


def test_lock_of_one_session_leaves_another_session_unlocked(unlocked_alice):
    first = unlocked_alice.unlock_secret
    unlocked_alice.unlock()
    unlocked_alice.with_secret(first).post("/api/v1/vault/lock")
    assert unlocked_alice.with_secret(first).get("/api/v1/vault").json()["state"] == "locked"
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"


def test_lock_all_ends_every_session_of_the_user(unlocked_alice):
    first = unlocked_alice.unlock_secret
    unlocked_alice.unlock()
    vault_lock_all(user=unlocked_alice.user)
    for secret in (first, unlocked_alice.unlock_secret):
        assert unlocked_alice.with_secret(secret).get("/api/v1/vault").json()["state"] == "locked"


def test_a_forged_unlock_secret_reads_as_locked_not_as_an_error(unlocked_alice):
    for forged in ("x", "A" * 43, "%%%", "A" * 500):
        response = unlocked_alice.with_secret(forged).get("/api/v1/vault")
        assert response.status_code == 200 and response.json()["state"] == "locked"
