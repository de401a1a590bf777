from datetime import timedelta

from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.support.dumps import cache_keys
from tests.conftest import PASSWORD
from vault.models import Vault

URL = "/api/v1/vault/unlock"


def test_it_unlocks_with_the_pin_and_returns_the_unlock_secret(alice):
    alice.setup_vault()
    response = alice.client.post(URL, {"pin": alice.pin}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert len(body["unlock_secret"]) == 43 and body["idle_expires_at"] < body["expires_at"]
    state = alice.with_secret(body["unlock_secret"]).get("/api/v1/vault").json()
    assert state["state"] == "unlocked" and state["key_version"] == 1
    assert AuditEvent.objects.filter(action="vault.unlock", outcome="success", actor=alice.user).exists()


def test_without_the_unlock_secret_the_vault_reads_as_locked(unlocked_alice):
    assert unlocked_alice.client.get("/api/v1/vault").json()["state"] == "unlocked"
    assert unlocked_alice.with_secret(None).get("/api/v1/vault").json()["state"] == "locked"


def test_an_unlock_secret_is_useless_to_another_user(unlocked_alice, bob):
    bob.setup_vault()
    state = bob.with_secret(unlocked_alice.unlock_secret).get("/api/v1/vault").json()
    assert state["state"] == "locked"


def test_a_browser_gets_an_httponly_samesite_strict_cookie_and_no_secret_in_the_body(alice):
    alice.setup_vault()
    browser = APIClient()
    browser.login(username="alice", password=PASSWORD)
    response = browser.post(URL, {"pin": alice.pin}, format="json")
    assert response.status_code == 200
    assert response.json()["unlock_secret"] is None
    cookie = response.cookies["coffer_unlock"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert browser.get("/api/v1/vault").json()["state"] == "unlocked"


def test_unlock_before_setup_answers_409(alice):
    response = alice.client.post(URL, {"pin": "482915"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "vault_unset"


def test_the_session_ends_after_the_idle_ttl(alice):
    alice.setup_vault()
    with override_settings(COFFER_UNLOCK_IDLE_TTL=timedelta(seconds=1)):
        alice.unlock()
    keys = cache_keys("unlock:*")
    assert keys, "the session should be in the cache"
    cache._cache.get_client().delete(*keys)  # what Redis does when the idle TTL passes
    assert alice.client.get("/api/v1/vault").json()["state"] == "locked"


def test_the_idle_ttl_is_set_on_the_cache_entry(alice):
    alice.setup_vault()
    with override_settings(COFFER_UNLOCK_IDLE_TTL=timedelta(seconds=7)):
        alice.unlock()
    client = cache._cache.get_client()
    (key,) = cache_keys("unlock:*")
    assert 0 < client.ttl(key) <= 7


def test_the_session_ends_at_the_absolute_ttl_even_when_used(alice):
    alice.setup_vault()
    with override_settings(COFFER_UNLOCK_ABSOLUTE_TTL=timedelta(seconds=-1)):
        alice.unlock()
    assert alice.client.get("/api/v1/vault").json()["state"] == "locked"


def test_the_kdf_parameters_are_upgraded_on_the_next_successful_unlock(alice):
    alice.setup_vault()  # under the cheap "test" profile
    old_salt = bytes(Vault.objects.get(user=alice.user).kdf_salt)
    with override_settings(COFFER_KDF_PROFILE="interactive"):
        alice.unlock()
        vault = Vault.objects.get(user=alice.user)
        assert vault.kdf_params["memory_kib"] == 64 * 1024 and vault.kdf_params["iterations"] == 2
        assert bytes(vault.kdf_salt) != old_salt
        assert AuditEvent.objects.filter(action="vault.kdf_upgrade", actor=alice.user).exists()
        alice.client.post("/api/v1/vault/lock")
        alice.unlock()  # the upgraded wrap opens with the same PIN
    assert AuditEvent.objects.filter(action="vault.kdf_upgrade").count() == 1


def test_a_wrong_pin_answers_403_with_attempts_remaining_and_is_audited(alice):
    alice.setup_vault()
    response = alice.client.post(URL, {"pin": "739164"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_pin" and response.json()["attempts_remaining"] == 9
    assert AuditEvent.objects.filter(action="vault.unlock", outcome="failure", actor=alice.user).exists()


def test_an_unchanged_key_set_costs_no_vault_key_query(unlocked_alice):
    from vault.models import VaultKey
    from vault.services import vault_keys

    vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    VaultKey.objects.filter(vault__user=unlocked_alice.user).update(wrapped_by_kek=b"\x01" * 73)
    # The session's key set is current, so the (now unreadable) wraps are never read.
    keys = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    assert sorted(keys.vault_keys) == [1]


def test_the_idle_expiry_slides_only_past_its_resolution(alice):
    from vault import unlock

    alice.setup_vault()
    with override_settings(COFFER_UNLOCK_IDLE_TTL=timedelta(seconds=unlock.TOUCH_RESOLUTION_SECONDS * 4)):
        alice.unlock()
        first = alice.client.get("/api/v1/vault").json()["idle_expires_at"]
        alice.client.get("/api/v1/vault/rotations/")  # a use that slides the expiry, if it is due
        assert alice.client.get("/api/v1/vault").json()["idle_expires_at"] == first


def test_a_server_share_of_the_wrong_length_is_the_one_error_not_a_server_error(alice):
    from vault.keyring import get_key_provider
    from vault.services import SERVER_SHARE_PURPOSE

    alice.setup_vault()
    vault = Vault.objects.get(user=alice.user)
    version, sealed = get_key_provider().wrap(b"\x01" * 31, purpose=SERVER_SHARE_PURPOSE, subject=str(vault.user_id))
    Vault.objects.filter(pk=vault.pk).update(server_key_version=version, wrapped_server_share=sealed)
    response = alice.client.post(URL, {"pin": alice.pin}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "wrong_pin"
