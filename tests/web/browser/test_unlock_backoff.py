"""Wrong PINs: tries left, then the back-off countdown, then a try again."""

from django.conf import settings
from playwright.sync_api import expect

from tests.web.browser.conftest import log_in, unlock


def test_wrong_pins_until_the_backoff_shows_then_unlock_after_it(page, alice):
    alice.setup_vault()
    log_in(page, "alice")
    pin = page.get_by_label("PIN", exact=True)
    button = page.get_by_role("button", name="Unlock")

    pin.fill("918273")
    button.click()
    expect(page.locator("#id_pin_error")).to_have_text("Wrong PIN. 9 tries left before lock-out.")
    expect(pin).to_have_attribute("aria-invalid", "true")
    expect(pin).to_be_focused()

    for _ in range(settings.COFFER_PIN_BACKOFF_AFTER - 1):
        pin.fill("918273")
        button.click()
    backoff = page.locator("#backoff")
    expect(backoff).to_be_visible()
    expect(backoff).to_contain_text("Too many wrong PINs")
    expect(button).to_be_disabled()
    expect(page.locator("#id_pin_error")).to_have_text("Wrong PIN. 5 tries left before lock-out.")

    # The countdown runs out (2 s in tests) and the form comes back by itself.
    expect(backoff).to_contain_text("You can try your PIN again now.", timeout=6_000)
    expect(button).to_be_enabled()
    unlock(page)


def test_a_lockout_asks_for_the_account_password(page, alice):
    from vault.models import Vault

    alice.setup_vault()
    Vault.objects.filter(user=alice.user).update(
        failed_attempts=10, locked_out_at="2026-01-01T00:00:00Z"
    )
    log_in(page, "alice")
    expect(page.get_by_role("heading", name="Your vault is locked out")).to_be_visible()
    page.get_by_label("Account password").fill("wrong wrong wrong")
    page.get_by_role("button", name="Confirm password").click()
    expect(page.locator("#id_password_error")).to_have_text("That is not your account password.")
    page.get_by_label("Account password").fill("correct horse battery staple")
    page.get_by_role("button", name="Confirm password").click()
    unlock(page)
