"""Locking: the button, the back button, and the auto-lock when the idle time runs out."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.records.samples import valid
from tests.web.browser.conftest import log_in, unlock
from tests.web.records_helpers import add_record


def test_lock_and_the_page_no_longer_shows_the_data(page, alice_in_browser):
    record_id = add_record(
        alice_in_browser,
        "note",
        {"title": "Wi-Fi", "text": "The password is on the fridge."},
        label="Home Wi-Fi",
    )
    page.goto(f"/records/{record_id}/")
    page.locator('[data-field="text"]').get_by_role("button", name="Reveal").click()
    expect(page.locator("#value-text")).to_have_text("The password is on the fridge.")

    page.get_by_role("button", name="Lock").click()
    expect(page.get_by_role("heading", name="Unlock your vault")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your vault is locked.")
    assert "Home Wi-Fi" not in page.content()
    assert "fridge" not in page.content()
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert "coffer_unlock" not in cookies

    # Back to the record: nothing comes back from a cache.
    page.go_back()
    expect(page.get_by_role("heading", name="Unlock your vault")).to_be_visible()
    assert "fridge" not in page.content()
    assert "Home Wi-Fi" not in page.content()

    # Unlocking again returns to the page asked for.
    page.goto(f"/records/{record_id}/")
    unlock(page)
    expect(page).to_have_url(re.compile(f"/records/{record_id}/$"))


def test_the_page_locks_itself_when_the_idle_time_ends(page, alice, settings):
    settings.COFFER_UNLOCK_IDLE_TTL = timedelta(seconds=3)
    alice.setup_vault()
    add_record(alice, "passport", valid("passport"), label="Travel passport")
    log_in(page, "alice")
    unlock(page)
    expect(page.get_by_text("Travel passport")).to_be_visible()
    countdown = page.locator("#lock-countdown")
    expect(countdown).to_have_text(re.compile(r"0:0[0-3]"))
    # Nobody touches anything: the countdown ends, the page locks itself.
    expect(page.get_by_role("heading", name="Unlock your vault")).to_be_visible(timeout=8_000)
    expect(page.get_by_role("status")).to_contain_text("locked itself")
    assert "Travel passport" not in page.content()


def test_typing_keeps_the_vault_unlocked(page, alice, settings):
    settings.COFFER_UNLOCK_IDLE_TTL = timedelta(seconds=40)
    alice.setup_vault()
    log_in(page, "alice")
    unlock(page)
    page.goto("/records/new/note/")
    page.clock.install()
    page.get_by_label("Title").fill("Typing")
    # 35 seconds later, with typing in between, the page asks the server to stay unlocked.
    with page.expect_response("**/vault/keepalive/") as keepalive:
        page.clock.run_for(35_000)
        page.get_by_label("Note").press_sequentially("still here")
        page.clock.run_for(2_000)
    assert keepalive.value.json()["locked"] is False
