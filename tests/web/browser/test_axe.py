"""axe-core (4.12, bundled by axe-playwright-python) on every page, at 375 px and 1280 px, light and dark.

Logged out, logged in with the vault locked, and unlocked. A serious or critical
violation fails; the report names the rule, the page and the first nodes.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.records.samples import valid
from tests.web.browser.conftest import jobs_of, log_in, unlock
from tests.web.records_helpers import add_record

# A phone and a laptop, and the laptop in dark mode (the stylesheet follows the system's scheme).
VIEWS = [(375, "light"), (1280, "light"), (1280, "dark")]
BLOCKING = {"serious", "critical"}

LOGGED_OUT = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/security/"]
LOCKED = ["/", "/vault/recover/", "/account/", "/activity/", "/accounts/2fa/", "/accounts/email/",
          "/accounts/password/change/"]
UNLOCKED = ["/", "/?q=visa", "/?q=nothing+matches", "/?expiring=soon", "/records/new/", "/records/new/passport/", "/records/new/id_card/",
            "/records/new/driver_licence/", "/records/new/bank_card/", "/records/new/bank_account/",
            "/records/new/note/", "/records/{record}/", "/records/{record}/edit/", "/records/{record}/delete/",
            "/documents/", "/sharing/", "/settings/", 
            "/settings/rotation/?kind=rewrap", "/settings/rotation/?kind=reencrypt",
            "/activity/", "/account/", "/accounts/delete/", "/accounts/2fa/totp/activate/", "/api/docs/",
            "/settings/export/", "/settings/export/{export}/", "/settings/import/", "/settings/import/{import_}/"]

_axe = Axe()


def _violations(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    results = _axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
            found.append(f"{url} [{violation['impact']}] {violation['id']}: {violation['help']} at {targets}")
    return found


def _sweep(page, urls: list[str], **fmt) -> list[str]:
    found = []
    for width, scheme in VIEWS:
        page.set_viewport_size({"width": width, "height": 900})
        page.emulate_media(color_scheme=scheme)
        for url in urls:
            found += [f"{width}px {scheme} {line}" for line in _violations(page, url.format(**fmt))]
    return found


@pytest.mark.django_db(transaction=True)
def test_pages_for_visitors_have_no_serious_accessibility_violation(page):
    assert _sweep(page, LOGGED_OUT) == []


@pytest.mark.django_db(transaction=True)
def test_pages_of_a_locked_vault_have_no_serious_accessibility_violation(page, alice):
    alice.setup_vault()
    log_in(page, "alice")
    expect(page.get_by_label("PIN", exact=True)).to_be_visible()
    assert _sweep(page, LOCKED) == []


@pytest.mark.django_db(transaction=True)
def test_pages_before_a_pin_is_set_have_no_serious_accessibility_violation(page, alice):
    log_in(page, "alice")
    assert _sweep(page, ["/", "/vault/setup/"]) == []


@pytest.mark.django_db(transaction=True)
def test_pages_of_an_unlocked_vault_have_no_serious_accessibility_violation(page, alice_in_browser):
    record = add_record(alice_in_browser, "passport", valid("passport"), label="My passport")
    export, import_ = jobs_of(alice_in_browser)
    assert _sweep(page, UNLOCKED, record=record, export=export, import_=import_) == []

