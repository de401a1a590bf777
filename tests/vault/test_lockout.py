from django.utils import timezone

from audit.models import AuditEvent
from tests.conftest import PASSWORD
from vault.models import Vault

URL = "/api/v1/vault/unlock"
WRONG = "739164"


def _wrong(person):
    return person.client.post(URL, {"pin": WRONG}, format="json")


def _expire_backoff(person):
    Vault.objects.filter(user=person.user).update(backoff_until=timezone.now())


def test_the_fifth_wrong_pin_answers_429_with_retry_after(alice):
    alice.setup_vault()
    for _ in range(4):
        assert _wrong(alice).status_code == 403
    response = _wrong(alice)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    # During the backoff even the right PIN is refused, and that is audited too.
    response = alice.client.post(URL, {"pin": alice.pin}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "pin_backoff"
    assert AuditEvent.objects.filter(action="vault.unlock", outcome="denied").exists()


def test_the_backoff_grows_exponentially(alice):
    alice.setup_vault()
    waits = []
    for attempt in range(1, 9):
        response = _wrong(alice)
        if attempt >= 5:
            waits.append(int(response["Retry-After"]))
        _expire_backoff(alice)
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0]


def test_after_ten_wrong_pins_the_vault_is_locked_out_until_the_password(alice):
    alice.setup_vault()
    for _ in range(9):
        _wrong(alice)
        _expire_backoff(alice)
    response = _wrong(alice)
    assert response.status_code == 423 and response.json()["code"] == "locked_out"
    assert AuditEvent.objects.filter(action="vault.lockout", actor=alice.user).exists()
    # Even the right PIN is refused now.
    _expire_backoff(alice)
    response = alice.client.post(URL, {"pin": alice.pin}, format="json")
    assert response.status_code == 423
    assert alice.client.get("/api/v1/vault").json()["state"] == "locked_out"
    # A wrong password does not clear it; the right one does.
    assert alice.client.post("/api/v1/vault/reauthorize", {"password": "wrong password!"}, format="json").status_code == 401
    assert alice.client.post("/api/v1/vault/reauthorize", {"password": PASSWORD}, format="json").status_code == 204
    alice.unlock()


def test_a_successful_unlock_resets_the_counter(alice):
    alice.setup_vault()
    for _ in range(3):
        _wrong(alice)
    alice.unlock()
    assert Vault.objects.get(user=alice.user).failed_attempts == 0


def test_concurrent_wrong_pins_cannot_beat_the_limit(transactional_db, alice):
    """Attempts are counted under a row lock before the slow derivation: a burst of
    parallel guesses gets exactly as many tries as a patient guesser would."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    alice.setup_vault()

    def guess(_):
        try:
            response = _wrong(alice)
            return response.status_code, response.json()["code"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(guess, range(12)))
    evaluated = [r for r in results if r[1] == "wrong_pin"]
    assert len(evaluated) == 5, results
    assert all(r == (429, "pin_backoff") for r in results if r[1] != "wrong_pin")
    assert Vault.objects.get(user=alice.user).failed_attempts == 5


def test_a_busy_server_answers_503_without_spending_a_try(alice, monkeypatch):
    """Past the per-process cap on concurrent Argon2id unlocks, a request waits, then
    answers 503; the user's attempt counter is untouched."""
    import threading

    from vault import services

    alice.setup_vault()
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(services, "_unlock_slots", slots)
    monkeypatch.setattr(services, "UNLOCK_SLOT_WAIT_SECONDS", 0.2)
    slots.acquire()  # another unlock holds the only slot
    try:
        for _ in range(6):
            response = alice.client.post(URL, {"pin": WRONG}, format="json")
            assert response.status_code == 503 and response.json()["code"] == "unlock_busy"
            assert response["Retry-After"]
    finally:
        slots.release()
    assert Vault.objects.get(user=alice.user).failed_attempts == 0
    alice.unlock()  # with the slot free, the right PIN unlocks: the cap never locked the user out
