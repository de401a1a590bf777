"""A new recovery code for someone who still knows the PIN: the old code stops working."""

from audit.models import AuditEvent
from vault.models import Vault, VaultKey

URL = "/api/v1/vault/recovery-code"
RECOVER = "/api/v1/vault/recover"


def test_it_replaces_the_code_and_rewraps_only_the_recovery_seals(unlocked_alice):
    old_code = unlocked_alice.recovery_code
    before = {k.version: (bytes(k.wrapped_by_kek), bytes(k.wrapped_by_recovery)) for k in VaultKey.objects.all()}
    response = unlocked_alice.client.post(URL, {"pin": unlocked_alice.pin}, format="json")
    assert response.status_code == 200, response.content
    new_code = response.json()["recovery_code"]
    assert new_code != old_code
    for key in VaultKey.objects.all():
        assert bytes(key.wrapped_by_recovery) != before[key.version][1]
    # The PIN still unlocks; the session goes on; the old code is refused, the new one recovers.
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"
    refused = unlocked_alice.client.post(RECOVER, {"recovery_code": old_code, "new_pin": "739164"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "invalid_recovery_code"
    recovered = unlocked_alice.client.post(RECOVER, {"recovery_code": new_code, "new_pin": "739164"}, format="json")
    assert recovered.status_code == 200, recovered.content
    assert AuditEvent.objects.filter(action="vault.recovery_code_new", outcome="success").count() == 1
    assert new_code not in "".join(str(e.details) for e in AuditEvent.objects.all())


def test_a_wrong_pin_counts_as_a_failed_attempt_and_keeps_the_old_code(unlocked_alice):
    seal_before = bytes(Vault.objects.get().recovery_public_key)
    response = unlocked_alice.client.post(URL, {"pin": "111222333"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "wrong_pin"
    assert response.json()["attempts_remaining"] == 9
    assert bytes(Vault.objects.get().recovery_public_key) == seal_before
    assert AuditEvent.objects.filter(action="vault.recovery_code_new", outcome="failure").exists()


def test_it_needs_the_vault_manage_scope(unlocked_alice):
    from accounts.services import token_create

    reader = token_create(user=unlocked_alice.user, name="reader", scopes=["records:read"])
    unlocked_alice.client.credentials(HTTP_AUTHORIZATION=f"Token {reader.token}")
    response = unlocked_alice.client.post(URL, {"pin": unlocked_alice.pin}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
