from django.conf import settings
from django.test import override_settings

from audit.models import AuditEvent
from tests.conftest import PASSWORD, PIN
from tests.web.html import Page
from vault.models import Vault

WRONG_PIN = "918273"


def test_a_locked_vault_sends_pages_to_the_unlock_page_and_back(locked_web):
    response = locked_web.get("/settings/")
    assert response["Location"] == "/vault/unlock/?next=%2Fsettings%2F"
    response = locked_web.post("/vault/unlock/", {"pin": PIN, "next": "/settings/"})
    assert response["Location"] == "/settings/"
    assert locked_web.get("/settings/").status_code == 200


def test_unlocking_sets_an_httponly_samesite_strict_cookie(locked_web):
    response = locked_web.post("/vault/unlock/", {"pin": PIN})
    cookie = response.cookies[settings.COFFER_UNLOCK_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert cookie.value not in response["Location"]


@override_settings(COFFER_UNLOCK_COOKIE_SECURE=True)
def test_the_unlock_cookie_is_secure_outside_development(locked_web):
    response = locked_web.post("/vault/unlock/", {"pin": PIN})
    assert response.cookies[settings.COFFER_UNLOCK_COOKIE]["secure"] is True


def test_a_wrong_pin_says_how_many_tries_are_left(locked_web):
    response = locked_web.post("/vault/unlock/", {"pin": WRONG_PIN})
    assert response.status_code == 403
    page = Page(response.content)
    assert page.by_id("id_pin").attrs["aria-invalid"] == "true"
    assert page.described_by("id_pin") == ["Wrong PIN. 9 tries left before lock-out."]
    assert settings.COFFER_UNLOCK_COOKIE not in response.cookies


def test_the_unlock_page_shows_the_tries_left_after_a_reload(locked_web):
    locked_web.post("/vault/unlock/", {"pin": WRONG_PIN})
    page = Page(locked_web.get("/vault/unlock/").content)
    assert "9 tries left" in page.by_id("attempts-remaining").text


def test_wrong_pins_lead_to_a_backoff_with_a_countdown(locked_web):
    for _ in range(settings.COFFER_PIN_BACKOFF_AFTER):
        response = locked_web.post("/vault/unlock/", {"pin": WRONG_PIN})
    assert response.status_code == 429
    page = Page(response.content)
    backoff = page.by_id("backoff")
    assert int(backoff.attrs["data-backoff"]) > 0
    assert "Try again in" in page.text() or "try again in" in page.text()
    # Even the right PIN waits for the countdown.
    assert locked_web.post("/vault/unlock/", {"pin": PIN}).status_code == 429


def test_a_locked_out_vault_asks_for_the_account_password(locked_web, alice):
    Vault.objects.filter(user=alice.user).update(
        failed_attempts=10, locked_out_at="2026-01-01T00:00:00Z"
    )
    page = Page(locked_web.get("/vault/unlock/").content)
    assert page.by_id("lockout-message") is not None
    assert page.by_id("id_password") is not None
    assert page.by_id("id_pin") is None


def test_the_account_password_lifts_the_lockout(locked_web, alice):
    Vault.objects.filter(user=alice.user).update(
        failed_attempts=10, locked_out_at="2026-01-01T00:00:00Z"
    )
    response = locked_web.post("/vault/reauthorize/", {"password": PASSWORD})
    assert response["Location"] == "/vault/unlock/"
    assert locked_web.post("/vault/unlock/", {"pin": PIN}).status_code == 302


def test_a_wrong_account_password_keeps_the_lockout(locked_web, alice):
    Vault.objects.filter(user=alice.user).update(
        failed_attempts=10, locked_out_at="2026-01-01T00:00:00Z"
    )
    response = locked_web.post("/vault/reauthorize/", {"password": "not my password"})
    assert response.status_code == 400
    assert (
        Page(response.content).described_by("id_password")[-1]
        == "That is not your account password."
    )
    assert Vault.objects.get(user=alice.user).locked_out_at is not None


def test_every_unlock_attempt_is_audited(locked_web, alice):
    locked_web.post("/vault/unlock/", {"pin": WRONG_PIN})
    locked_web.post("/vault/unlock/", {"pin": PIN})
    outcomes = set(
        AuditEvent.objects.filter(action="vault.unlock", subject_user_id=alice.user.pk).values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == {"failure", "success"}


def test_the_recovery_code_sets_a_new_pin_and_shows_a_new_code(locked_web, alice):
    response = locked_web.post(
        "/vault/recover/",
        {"recovery_code": alice.recovery_code, "new_pin": "730194", "new_pin_confirm": "730194"},
    )
    assert response.status_code == 200
    new_code = Page(response.content).by_id("recovery-code").text.strip()
    assert new_code and new_code != alice.recovery_code
    assert locked_web.post("/vault/unlock/", {"pin": "730194"}).status_code == 302


def test_a_wrong_recovery_code_is_shown_next_to_its_field(locked_web):
    response = locked_web.post(
        "/vault/recover/",
        {"recovery_code": "AAAA-BBBB", "new_pin": "730194", "new_pin_confirm": "730194"},
    )
    assert response.status_code == 400
    assert "not valid" in Page(response.content).described_by("id_recovery_code")[-1]


def test_an_unlocked_visitor_on_the_unlock_page_goes_on(unlocked_web):
    assert unlocked_web.get("/vault/unlock/?next=/activity/")["Location"] == "/activity/"
