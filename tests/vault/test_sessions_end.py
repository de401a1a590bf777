"""Unlock sessions never outlive the secret that opened them (issue 13, defects 6 and 7)."""

from django.utils import timezone

from accounts.scopes import ALL_SCOPES
from accounts.services import token_create, token_revoke
from tests.conftest import PASSWORD
from vault.models import Vault

NEW_PIN = "730194"
WRONG = "739164"


def _session(person, token: str | None = None) -> str:
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token or person.token}")
    response = client.post("/api/v1/vault/unlock", {"pin": person.pin}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["unlock_secret"]


def _reads(person, unlock_secret: str) -> int:
    return person.with_secret(unlock_secret).get("/api/v1/records/").status_code


def test_a_pin_change_ends_every_other_session_and_keeps_its_own(alice):
    alice.setup_vault()
    mine, other = _session(alice), _session(alice)
    response = alice.with_secret(mine).post("/api/v1/vault/pin", {"pin": alice.pin, "new_pin": NEW_PIN}, format="json")
    assert response.status_code == 204
    assert _reads(alice, mine) == 200
    assert _reads(alice, other) == 423
    alice.pin = NEW_PIN
    assert _reads(alice, _session(alice)) == 200


def test_a_pin_change_without_a_session_ends_them_all(alice):
    alice.setup_vault()
    other = _session(alice)
    response = alice.client.post("/api/v1/vault/pin", {"pin": alice.pin, "new_pin": NEW_PIN}, format="json")
    assert response.status_code == 204
    assert _reads(alice, other) == 423


def test_a_recovery_ends_every_session(alice):
    alice.setup_vault()
    sessions = [_session(alice), _session(alice)]
    response = alice.with_secret(sessions[0]).post(
        "/api/v1/vault/recover", {"recovery_code": alice.recovery_code, "new_pin": NEW_PIN}, format="json"
    )
    assert response.status_code == 200
    assert [_reads(alice, s) for s in sessions] == [423, 423]


def test_revoking_a_token_ends_the_unlock_sessions_it_opened(alice):
    alice.setup_vault()
    second = token_create(user=alice.user, name="phone", scopes=list(ALL_SCOPES))
    opened_by_second = _session(alice, second.token)
    opened_by_first = _session(alice)
    assert _reads(alice, opened_by_second) == 200  # sent with the first token: the user's own secret
    token_revoke(access_token=second.access_token)
    assert _reads(alice, opened_by_second) == 423
    assert _reads(alice, opened_by_first) == 200


def test_an_expired_token_ends_its_unlock_sessions_too(alice):
    from accounts.models import AccessToken

    alice.setup_vault()
    second = token_create(user=alice.user, name="phone", scopes=list(ALL_SCOPES))
    opened = _session(alice, second.token)
    AccessToken.objects.filter(user=alice.user, name="phone").update(expires_at=timezone.now())
    assert _reads(alice, opened) == 423


def _wrong(person):
    return person.client.post("/api/v1/vault/unlock", {"pin": WRONG}, format="json")


def _expire_backoff(person):
    Vault.objects.filter(user=person.user).update(backoff_until=timezone.now())


def test_reauthorizing_lifts_the_lockout_but_never_resets_the_count_or_the_backoff(alice):
    alice.setup_vault()
    for _ in range(10):
        _expire_backoff(alice)
        last = _wrong(alice)
    assert last.status_code == 423 and last.json()["code"] == "locked_out"
    waits = []
    for _ in range(3):
        assert alice.client.post("/api/v1/vault/reauthorize", {"password": PASSWORD}, format="json").status_code == 204
        vault = Vault.objects.get(user=alice.user)
        assert vault.failed_attempts >= 10 and vault.locked_out_at is None
        _expire_backoff(alice)
        response = _wrong(alice)  # one guess per re-authorization, and it locks again
        assert response.status_code == 423 and response.json()["code"] == "locked_out"
        vault = Vault.objects.get(user=alice.user)
        waits.append((vault.backoff_until - timezone.now()).total_seconds())
    assert waits[1] > 1.5 * waits[0] and waits[2] > 1.5 * waits[1], waits
    # The right PIN, after the wait, still opens the vault and clears the count.
    assert alice.client.post("/api/v1/vault/reauthorize", {"password": PASSWORD}, format="json").status_code == 204
    _expire_backoff(alice)
    alice.unlock()
    assert Vault.objects.get(user=alice.user).failed_attempts == 0
