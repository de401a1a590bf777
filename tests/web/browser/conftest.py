"""Browser tests: Playwright drives Debian's Chromium, headless, against pytest-django's live server.

The live server runs in this process, in a thread, so tests can change settings
(the `settings` fixture) and read the database while the browser clicks.
`make test` installs Chromium with apt-get when it is missing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
# from a thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Page, expect, sync_playwright

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PASSWORD, PIN
from tests.imports.conftest import fixture_bytes

CHROMIUM = Path(os.environ.get("COFFER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Chromium's own PDF viewer: a frame from it means a PDF really rendered.
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (make test does it).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _blobs_in_tmp(settings, tmp_path):
    settings.COFFER_STORAGE = "fs"
    settings.COFFER_BLOB_ROOT = tmp_path / "blobs"


@pytest.fixture
def page(browser, live_server):
    """A fresh browser profile. Any console error (a CSP violation shows as one) fails the test."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page
    context.close()
    # Pages answer refused forms with 400/401/403/429 (a wrong PIN, a bad MRZ), and Chromium
    # logs every such load as an error (an upload of the wrong type gets 415). A 404 (a missing script, style or icon) still fails.
    problems = [
        p
        for p in problems
        if not re.match(r"Failed to load resource: .* (400|401|403|409|413|415|423|429)", p)
    ]
    assert problems == [], problems


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()


def unlock(page: Page, pin: str = PIN) -> None:
    page.get_by_label("PIN", exact=True).fill(pin)
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("button", name="Lock")).to_be_visible()


@pytest.fixture
def alice_in_browser(page, alice):
    """Alice, PIN set, logged in and unlocked, on her vault's home page."""
    alice.setup_vault()
    log_in(page, "alice")
    unlock(page)
    return alice


def jobs_of(person) -> tuple[str, str]:
    """An export (running: no worker here) and an import in preview, for their pages."""
    person.unlock()
    export = person.client.post("/api/v1/exports/", {"passphrase": "lantern orbit meadow quartz violet"},
                                format="json")
    assert export.status_code == 202, export.content
    source = SimpleUploadedFile("bitwarden.json", fixture_bytes("bitwarden_export.json"))
    import_ = person.client.post("/api/v1/imports/", {"source": source}, format="multipart")
    assert import_.status_code == 201, import_.content
    return export.json()["id"], import_.json()["id"]
