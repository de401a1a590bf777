"""Browser tests: Playwright drives Debian's Chromium, headless, against pytest-django's live server.

The live server runs in this process, in a thread, so tests can change settings
(the `settings` fixture) and read the database while the browser clicks.
`make test` installs Chromium with apt-get when it is missing.
"""

from __future__ import annotations

import os
import re
import threading
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


class _InFlight:
    """Wraps the live server's WSGI app and counts requests until their response is closed.

    A test can end while the browser still waits on a request (a preview loading, a poll):
    the server thread then still holds row locks when pytest-django truncates the tables,
    and the TRUNCATE deadlocks with it. The page fixture waits here for quiet first."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.quiet = threading.Condition()

    def __call__(self, environ, start_response):
        with self.quiet:
            self.count += 1
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Closing(body, self._done)

    def _done(self) -> None:
        with self.quiet:
            self.count -= 1
            self.quiet.notify_all()

    def wait(self, timeout: float = 30) -> bool:
        with self.quiet:
            return self.quiet.wait_for(lambda: self.count == 0, timeout)


class _Closing:
    def __init__(self, body, done):
        self.body, self.done = body, done

    def __iter__(self):
        return iter(self.body)

    def close(self) -> None:
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.done()


@pytest.fixture(scope="session")
def live_requests(live_server) -> _InFlight:
    httpd = live_server.thread.httpd
    counter = _InFlight(httpd.get_app())
    httpd.set_app(counter)
    return counter


@pytest.fixture
def page(browser, live_server, live_requests):
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
    assert live_requests.wait(), "the live server still answers a request 30 s after the test"
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
