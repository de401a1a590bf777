"""Keyboard only: every step reachable with Tab and Enter, and focus always visible."""

from playwright.sync_api import expect

from tests.conftest import PASSWORD, PIN


def _outline(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def test_log_in_unlock_and_add_a_note_with_the_keyboard_alone(page, alice):
    alice.setup_vault()
    page.goto("/accounts/login/")
    expect(page.get_by_label("Username or email")).to_be_focused()  # autofocus
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page.get_by_label("PIN", exact=True)).to_be_focused()  # autofocus
    page.keyboard.type(PIN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add your first document")).to_be_visible()

    # The first Tab on a page reaches "Skip to content", which jumps past the menus.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert _outline(page) != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Tab to the "Secure note" tile; its focus ring shows.
    note = page.get_by_role("link", name="Secure note")
    for _ in range(30):
        page.keyboard.press("Tab")
        if note.evaluate("element => element === document.activeElement"):
            break
    expect(note).to_be_focused()
    assert _outline(page) != "none"
    page.keyboard.press("Enter")

    expect(page.get_by_label("Label")).to_be_visible()
    page.get_by_label("Title").focus()
    page.keyboard.type("Door code")
    page.keyboard.press("Tab")
    page.keyboard.type("4711")
    page.get_by_role("button", name="Save secure note").focus()
    assert _outline(page) != "none"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Door code")).to_be_visible()
