"""A first-time visitor: sign up, choose a PIN, unlock, add a passport, reveal its number."""

import re
from pathlib import Path

from playwright.sync_api import expect

from audit.models import AuditEvent
from records.models import Record
from tests.records.samples import td3

PIN = "730194"
MRZ = td3()
BROKEN_MRZ = MRZ[:-1] + str((int(MRZ[-1]) + 1) % 10)


def _fill_passport(page, mrz: str) -> None:
    page.get_by_label("Label").fill("My passport")
    page.get_by_label("Passport number").fill("C01X00T47")
    page.get_by_label("Issuing country").select_option("DEU")
    page.get_by_label("Surname").fill("Mustermann")
    page.get_by_label("Given names").fill("Erika")
    page.get_by_label("Nationality").select_option("DEU")
    page.get_by_label("Date of birth").fill("1964-08-12")
    page.get_by_label("Sex").select_option("F")
    page.get_by_label("Date of issue").fill("2024-03-01")
    page.get_by_label("Expiry date").fill("2034-02-28")
    page.get_by_label("Machine-readable zone (MRZ)").fill(mrz)


def test_sign_up_set_a_pin_unlock_add_a_passport_and_reveal_its_number(page, db):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    expect(page).to_have_url(re.compile("/accounts/login/"))
    page.get_by_role("link", name="Sign up", exact=True).click()

    # allauth's sign-up; under `make run` and here the email needs no verification first
    # (production's mandatory verification: tests/accounts/test_register.py).
    page.get_by_label("Email").fill("erin@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Password (again)").fill("a long enough passphrase")
    page.get_by_role("button", name="Sign Up", exact=True).click()

    # Set a PIN; the recovery code is shown once, with its sheet, and its last group is typed back.
    expect(page.get_by_role("heading", name="Choose a PIN")).to_be_visible()
    page.get_by_label("Choose a PIN").fill(PIN)
    page.get_by_label("Type it again").fill(PIN)
    page.get_by_role("button", name="Set PIN").click()
    code = page.locator("#recovery-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{1,4})+", code)
    continue_button = page.get_by_role("button", name="Continue")
    expect(continue_button).to_be_disabled()
    with page.expect_download() as sheet:
        page.get_by_role("link", name="Download the recovery sheet (PDF)").click()
    assert sheet.value.suggested_filename == "coffer-recovery-sheet.pdf"
    assert Path(sheet.value.path()).read_bytes().startswith(b"%PDF-")
    last = page.get_by_label("Type the last four characters of your code")
    last.fill("0000" if not code.endswith("0000") else "1111")
    expect(continue_button).to_be_disabled()
    last.fill(code.rsplit("-", 1)[-1].lower())
    continue_button.click()

    # Unlock.
    expect(page.get_by_role("heading", name="Unlock your vault")).to_be_visible()
    page.get_by_label("PIN", exact=True).fill(PIN)
    page.get_by_role("button", name="Unlock").click()

    # The empty vault says what to do; a passport is one click away.
    expect(page.get_by_role("heading", name="Add your first document")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Passport")).click()

    # A bad MRZ: the error is next to the field, tied to it, and nothing is saved.
    _fill_passport(page, BROKEN_MRZ)
    page.get_by_role("button", name="Save passport").click()
    mrz_field = page.get_by_label("Machine-readable zone (MRZ)")
    expect(mrz_field).to_have_attribute("aria-invalid", "true")
    expect(mrz_field).to_be_focused()
    error = page.locator("#id_mrz_error")
    expect(error).to_have_text("The MRZ check digit for the whole zone (composite) is wrong.")
    assert "id_mrz_error" in mrz_field.get_attribute("aria-describedby")
    expect(page.get_by_label("Surname")).to_have_value("Mustermann")
    assert not Record.objects.exists()

    # Fixed, it saves, and the record page masks the number.
    mrz_field.fill(MRZ)
    page.get_by_role("button", name="Save passport").click()
    expect(page.get_by_role("heading", name="My passport")).to_be_visible()
    number = page.locator("#value-number")
    expect(number).to_have_text("•••• 47")
    assert "C01X00T47" not in page.content()

    # Reveal from the keyboard: in place, by POST (the URL never changes), audited, and the
    # focus stays on the button, which now says Hide; then copy it.
    url_before = page.url
    row = page.locator('[data-field="number"]')
    row.get_by_role("button", name="Reveal").focus()
    page.keyboard.press("Enter")
    expect(number).to_have_text("C01X00T47")
    expect(row.get_by_role("button", name="Hide")).to_be_focused()
    assert page.url == url_before
    record = Record.objects.get()
    assert AuditEvent.objects.filter(action="record.reveal", target_id=str(record.pk)).count() == 1
    row.get_by_role("button", name="Copy passport number").click()
    expect(page.locator("#copy-status")).to_contain_text("copied")
    assert page.evaluate("navigator.clipboard.readText()") == "C01X00T47"

    # Hide puts the mask back without asking the server.
    row.get_by_role("button", name="Hide").click()
    expect(number).to_have_text("•••• 47")

    # The vault lists it, masked, with its expiry.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vault").click()
    listed = page.get_by_role("link", name=re.compile("My passport"))
    expect(listed).to_contain_text("•••• 47")
    expect(listed).to_contain_text("Expires 28 Feb 2034")
