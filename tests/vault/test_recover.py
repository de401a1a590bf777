from audit.models import AuditEvent
from vault.models import Vault
from vault.services import vault_keys

URL = "/api/v1/vault/recover"


def test_the_recovery_code_sets_a_new_pin_without_losing_the_vault_key(unlocked_alice):
    before = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    response = unlocked_alice.client.post(URL, {"recovery_code": unlocked_alice.recovery_code, "new_pin": "739164"}, format="json")
    assert response.status_code == 200
    new_code = response.json()["recovery_code"]
    assert new_code != unlocked_alice.recovery_code
    unlocked_alice.pin = "739164"
    unlocked_alice.unlock()
    after = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    assert after.vault_keys == before.vault_keys  # same data keys: nothing lost
    assert AuditEvent.objects.filter(action="vault.recover", outcome="success").exists()
    # The used code is replaced: it no longer works, the new one does.
    assert unlocked_alice.client.post(URL, {"recovery_code": unlocked_alice.recovery_code, "new_pin": "582046"}, format="json").status_code == 403
    assert unlocked_alice.client.post(URL, {"recovery_code": new_code, "new_pin": "582046"}, format="json").status_code == 200


def test_recovery_clears_a_lock_out_and_ends_old_sessions(unlocked_alice):
    Vault.objects.filter(user=unlocked_alice.user).update(failed_attempts=10, locked_out_at="2026-01-01T00:00:00Z")
    response = unlocked_alice.client.post(URL, {"recovery_code": unlocked_alice.recovery_code.lower(), "new_pin": "739164"}, format="json")
    assert response.status_code == 200
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "locked"
    assert Vault.objects.get(user=unlocked_alice.user).locked_out_at is None


def test_a_wrong_recovery_code_is_refused_and_audited(unlocked_alice):
    response = unlocked_alice.client.post(URL, {"recovery_code": "0000-0000-0000-0000-0000-0000-0000-0000", "new_pin": "739164"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "invalid_recovery_code"
    assert AuditEvent.objects.filter(action="vault.recover", outcome="failure").exists()


def test_another_users_recovery_code_does_not_work(unlocked_alice, unlocked_bob):
    response = unlocked_alice.client.post(URL, {"recovery_code": unlocked_bob.recovery_code, "new_pin": "739164"}, format="json")
    assert response.status_code == 403
