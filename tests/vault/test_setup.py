import pytest

from audit.models import AuditEvent
from vault.models import Vault

URL = "/api/v1/vault/setup"


def test_it_sets_a_pin_and_shows_a_recovery_code_once(alice):
    response = alice.client.post(URL, {"pin": "482915"}, format="json")
    assert response.status_code == 201
    code = response.json()["recovery_code"]
    assert len(code.replace("-", "")) == 32
    assert alice.client.get("/api/v1/vault").json()["state"] == "locked"
    assert AuditEvent.objects.filter(action="vault.setup", actor=alice.user).exists()


def test_a_second_setup_answers_409(alice):
    alice.setup_vault()
    response = alice.client.post(URL, {"pin": "739164"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "vault_exists"


@pytest.mark.parametrize("pin", ["000000", "123456", "111111", "654321", "12345", "987654", "123123", "short", "aaaaaaaaaaaa"])
def test_obviously_weak_pins_are_refused_with_a_clear_message(alice, pin):
    response = alice.client.post(URL, {"pin": pin}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "weak_pin" and body["fields"]["pin"]
    assert not Vault.objects.filter(user=alice.user).exists()


@pytest.mark.parametrize("pin", ["482915", "90817263", "blue harbour lantern", "Ünïcode pässphrase"])
def test_good_pins_and_passphrases_are_accepted(alice, pin):
    assert alice.client.post(URL, {"pin": pin}, format="json").status_code == 201


def test_setup_needs_the_vault_manage_scope(alice):
    response = alice.with_scopes("records:read").post(URL, {"pin": "482915"}, format="json")
    assert response.status_code == 403
    assert not Vault.objects.filter(user=alice.user).exists()


def test_a_missing_pin_names_the_field(alice):
    response = alice.client.post(URL, {}, format="json")
    assert response.status_code == 400
    assert "pin" in response.json()["fields"]
