"""A whole first month in Coffer, by labels and roles only, on a phone and on a laptop.

Sign up, set a PIN, keep the recovery sheet, add one record of every kind, upload a scan,
share with the example app, revoke, change the PIN, rotate the key, download the activity.
On every page: nothing scrolls sideways (`scrollWidth <= innerWidth`), and no console
error (the `page` fixture fails the test on one, CSP violations included).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from nacl.public import PrivateKey
from nacl.signing import SigningKey
from playwright.sync_api import Page, expect

from records.models import Record
from records.schemas import KINDS
from sharing.models import Grant
from sharing.services import app_approve, app_register
from tests.records.samples import valid
from tests.web.documents_helpers import png_bytes
from vault.models import RotationJob
from vault.rotation.services import rotation_step
from web.presenting import KIND_INFO, field_label
from web.record_forms import RecordForm

PIN, NEW_PIN = "730194", "waterfall lantern 42"
PASSWORD = "a long enough passphrase"
WIDE_ELEMENTS = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth).slice(0, 8)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`)"""


class Walk:
    """The page, and a check of its width at every step."""

    def __init__(self, page: Page, width: int):
        self.page, self.width, self.seen = page, width, []

    def fits(self) -> None:
        self.page.wait_for_load_state("load")
        scroll, inner = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        self.seen.append(self.page.url)
        if scroll > inner:  # name the elements that stick out
            wide = self.page.evaluate(WIDE_ELEMENTS)
            raise AssertionError(f"{self.page.url} is {scroll} px wide at {inner} px: {wide}")

    def nav(self, name: str) -> None:
        self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
        self.fits()


def _label(text: str) -> re.Pattern:
    """A field's accessible name: its label, and "optional" after it when it is."""
    return re.compile(f"^{re.escape(text)}( optional)?$")


def _fill_record(page: Page, kind: str) -> None:
    form = RecordForm(kind=kind)
    page.get_by_label(_label("Label")).fill(f"My {KIND_INFO[kind].noun}")
    for name, value in valid(kind).items():
        field = page.get_by_label(_label(field_label(kind, name)))
        widget = form.fields[name].widget
        if getattr(widget, "input_type", "") == "select" or hasattr(form.fields[name], "choices"):
            field.select_option(str(value))
        else:
            field.fill(", ".join(value) if isinstance(value, list) else str(value))


def _example_app():
    app = app_register(
        name="Example app", callback_url="https://app.example/coffer/callback",
        box_public_key=bytes(PrivateKey.generate().public_key),
        sign_public_key=bytes(SigningKey.generate().verify_key),
    )
    return app_approve(app=app, actor=None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [375, 1280])
def test_a_first_month_in_coffer_on_a_phone_and_on_a_laptop(page, width, tmp_path):
    page.set_viewport_size({"width": width, "height": 860})
    walk = Walk(page, width)
    app = _example_app()

    # Sign up.
    page.goto("/")
    walk.fits()
    page.get_by_role("link", name="Sign up", exact=True).click()
    walk.fits()
    page.get_by_label("Email").fill("erin@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up", exact=True).click()

    # Set a PIN and keep the recovery sheet.
    expect(page.get_by_role("heading", name="Choose a PIN")).to_be_visible()
    walk.fits()
    page.get_by_label("Choose a PIN").fill(PIN)
    page.get_by_label("Type it again").fill(PIN)
    page.get_by_role("button", name="Set PIN").click()
    walk.fits()
    code = page.locator("#recovery-code").inner_text()
    with page.expect_download() as sheet:
        page.get_by_role("link", name="Download the recovery sheet (PDF)").click()
    assert Path(sheet.value.path()).read_bytes().startswith(b"%PDF-")
    page.get_by_label("Type the last four characters of your code").fill(code.rsplit("-", 1)[-1])
    page.get_by_role("button", name="Continue").click()

    # Unlock.
    expect(page.get_by_role("heading", name="Unlock your vault")).to_be_visible()
    walk.fits()
    page.get_by_label("PIN", exact=True).fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("heading", name="Add your first document")).to_be_visible()
    walk.fits()

    # One record of every kind.
    for kind in KINDS:
        walk.nav("Vault")
        add = page.get_by_role("link", name="Add a record")
        if add.count():  # the empty vault shows the kinds at once
            add.click()
            walk.fits()
        page.get_by_role("link", name=re.compile(f"^{re.escape(KIND_INFO[kind].title)}")).click()
        walk.fits()
        _fill_record(page, kind)
        page.get_by_role("button", name=f"Save {KIND_INFO[kind].noun}").click()
        expect(page.get_by_role("heading", name=f"My {KIND_INFO[kind].noun}")).to_be_visible()
        walk.fits()
    assert sorted(Record.objects.values_list("kind", flat=True)) == sorted(KINDS)

    # Upload a scan onto the passport.
    walk.nav("Vault")
    page.get_by_role("link", name=re.compile("My passport")).click()
    scan = tmp_path / "passport scan.png"
    scan.write_bytes(png_bytes())
    page.get_by_label("Attach a scan or photo").set_input_files(str(scan))
    expect(page.locator(".upload-row", has_text="passport scan.png")).to_contain_text("Saved")
    walk.fits()

    # Share the passport's names with the example app, then revoke.
    walk.nav("Sharing")
    page.get_by_label("App", exact=True).select_option(label="Example app")
    page.get_by_text("Share only some fields").click()
    expect(page.get_by_role("group", name=re.compile("^Fields of"))).to_have_count(0)  # none ticked yet
    page.get_by_role("group", name=_label("Records to share")).get_by_label("My passport (Passport)").check()
    fields = page.get_by_role("group", name=_label("Fields of “My passport (Passport)”"))
    expect(page.get_by_role("group", name=re.compile("^Fields of"))).to_have_count(1)
    fields.get_by_label("Surname").check()
    fields.get_by_label("Given names").check()
    page.get_by_role("button", name="Share", exact=True).click()
    walk.fits()
    grant = Grant.objects.get(app=app)
    assert [sorted(item.fields) for item in grant.items.all()] == [["given_names", "surname"]]
    page.get_by_role("link", name="Revoke access for Example app").click()
    walk.fits()
    page.get_by_role("button", name="Revoke access").click()
    walk.fits()
    grant.refresh_from_db()
    assert grant.revoked_at is not None

    # Change the PIN.
    walk.nav("Settings")
    page.get_by_label("Current PIN").fill(PIN)
    page.get_by_label("New PIN", exact=True).fill(NEW_PIN)
    page.get_by_label("Type the new PIN again").fill(NEW_PIN)
    page.get_by_role("button", name="Change PIN").click()
    expect(page.get_by_role("status")).to_contain_text("Your PIN is changed")
    walk.fits()

    # Rotate the vault key (the test runs the worker's steps itself: tests/web/browser/test_rotation.py).
    page.get_by_role("button", name="Rotate the vault key").click()
    walk.fits()
    page.get_by_role("button", name="Start rotating").click()
    walk.fits()
    job = RotationJob.objects.get()
    while not rotation_step(job_id=job.id, budget_seconds=5).finished:
        pass
    expect(page.locator("[data-rotation-state]")).to_have_text("Finished")
    assert set(Record.objects.values_list("vault_key_version", flat=True)) == {2}

    # Lock, and unlock with the new PIN.
    page.get_by_role("button", name="Lock").click()
    page.get_by_label("PIN", exact=True).fill(NEW_PIN)
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("button", name="Lock")).to_be_visible()
    walk.fits()

    # Download the activity: every step above is in it.
    walk.nav("Activity")
    with page.expect_download() as activity:
        page.get_by_role("link", name="Download (JSON Lines)").click()
    lines = [json.loads(line) for line in Path(activity.value.path()).read_text().splitlines()]
    actions = {line["fields"]["action"] for line in lines if line["type"] == "event"}
    assert {"vault.setup", "record.create", "file.create", "grant.create", "grant.revoke", "vault.pin_change",
            "rotation.start", "vault.unlock"} <= actions
    assert len(walk.seen) >= 30
