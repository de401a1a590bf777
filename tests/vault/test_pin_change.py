from audit.models import AuditEvent
from vault.models import VaultKey

URL = "/api/v1/vault/pin"


def test_it_changes_the_pin_and_rewraps_only_the_vault_key(unlocked_alice):
    before = {k.version: bytes(k.wrapped_by_recovery) for k in VaultKey.objects.all()}
    old_kek_wraps = {k.version: bytes(k.wrapped_by_kek) for k in VaultKey.objects.all()}
    response = unlocked_alice.client.post(URL, {"pin": unlocked_alice.pin, "new_pin": "739164"}, format="json")
    assert response.status_code == 204
    after = VaultKey.objects.get(version=1)
    assert bytes(after.wrapped_by_kek) != old_kek_wraps[1]
    assert bytes(after.wrapped_by_recovery) == before[1]
    # The current session keeps working; the new PIN unlocks; the old one does not.
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"
    assert unlocked_alice.client.post("/api/v1/vault/unlock", {"pin": "482915"}, format="json").status_code == 403
    unlocked_alice.pin = "739164"
    unlocked_alice.unlock()
    assert AuditEvent.objects.filter(action="vault.pin_change", outcome="success").exists()


def test_a_wrong_current_pin_counts_as_a_failed_attempt(unlocked_alice):
    response = unlocked_alice.client.post(URL, {"pin": "111222333", "new_pin": "739164"}, format="json")
    assert response.status_code == 403
    assert response.json()["attempts_remaining"] == 9
    assert AuditEvent.objects.filter(action="vault.pin_change", outcome="failure").exists()


def test_a_weak_new_pin_is_refused_on_its_field(unlocked_alice):
    response = unlocked_alice.client.post(URL, {"pin": unlocked_alice.pin, "new_pin": "000000"}, format="json")
    assert response.status_code == 400
    assert "new_pin" in response.json()["fields"]


def test_a_new_pin_equal_to_the_current_one_is_refused_on_its_field_and_changes_nothing(unlocked_alice):
    wraps = {k.version: bytes(k.wrapped_by_kek) for k in VaultKey.objects.all()}
    # The same PIN, typed with full-width digits: NFKC makes it the same bytes.
    same = unlocked_alice.pin.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    for new_pin in (unlocked_alice.pin, same):
        response = unlocked_alice.client.post(URL, {"pin": unlocked_alice.pin, "new_pin": new_pin}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "pin_unchanged" and "new_pin" in response.json()["fields"]
    assert {k.version: bytes(k.wrapped_by_kek) for k in VaultKey.objects.all()} == wraps
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"
    assert not AuditEvent.objects.filter(action="vault.pin_change").exists()
