"""Two-factor sign-in in Chromium: sign up, verify the address from the SMTP sink, set up
TOTP (pyotp computes the codes), sign out and back in with a code; a passkey made by a
virtual authenticator (Chrome DevTools Protocol) signs in without a password."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from tests.web.browser.conftest import log_in

PASSWORD = "a long enough passphrase"


def _reauthenticate_if_asked(page, password: str) -> None:
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Confirm", exact=True).click()


def _sign_out(page) -> None:
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign Out", exact=True).click()
    expect(page).to_have_url(re.compile("/accounts/login/"))


@pytest.mark.django_db(transaction=True)
def test_sign_up_verify_the_address_set_up_totp_and_sign_in_with_a_code(page, smtp_mail, settings):
    settings.MFA_TOTP_TOLERANCE = 1  # the sign-in uses the next step's code: the one just used is spent
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("frida@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up", exact=True).click()
    expect(page.get_by_role("heading", name="Choose a PIN")).to_be_visible()

    [mail] = [m for m in smtp_mail.messages() if m.recipients == ["frida@example.com"]]
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mail.body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm", exact=True).click()

    page.goto("/accounts/2fa/totp/activate/")
    _reauthenticate_if_asked(page, PASSWORD)
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^[A-Z2-7]{16,}$"))).to_be_visible()  # the QR code, drawn here
    totp = pyotp.TOTP(page.get_by_label("Authenticator secret").input_value())
    page.get_by_label("Authenticator code").fill(totp.now())
    page.get_by_role("button", name="Activate", exact=True).click()
    expect(page.get_by_text(re.compile("Authenticator app activated", re.I))).to_be_visible()
    # The new recovery codes are shown now, once, and can be downloaded while shown.
    expect(page).to_have_url(re.compile("/accounts/2fa/recovery-codes/$"))
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download codes").click()
    assert Path(download.value.path()).read_text().split() == codes

    _sign_out(page)
    log_in(page, "frida@example.com", PASSWORD)
    expect(page).to_have_url(re.compile("/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign In", exact=True).click()
    signed_in = page.get_by_role("heading", name="Choose a PIN")
    expect(signed_in).to_be_visible()

    # Shown once: the page now hides them. A recovery code signs in once, and only once.
    page.goto("/accounts/2fa/recovery-codes/")
    _reauthenticate_if_asked(page, PASSWORD)
    expect(page.get_by_role("link", name="Generate new codes")).to_be_visible()
    assert codes[0] not in page.content() and page.get_by_label("Unused codes").count() == 0
    for attempt in ("first", "second"):
        _sign_out(page)
        log_in(page, "frida", PASSWORD)
        page.get_by_label("Code").fill(codes[0])
        page.get_by_role("button", name="Sign In", exact=True).click()
        if attempt == "first":
            expect(signed_in).to_be_visible()
        else:
            expect(page.get_by_text("Incorrect code.")).to_be_visible()
            expect(page).to_have_url(re.compile("/accounts/2fa/authenticate/"))


@pytest.mark.django_db(transaction=True)
def test_a_passkey_from_a_virtual_authenticator_signs_in_without_a_password(page, alice):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=alice.user, email=alice.user.email, verified=True, primary=True)
    alice.setup_vault()
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
    }})["authenticatorId"]
    log_in(page, "alice")
    page.goto("/accounts/2fa/webauthn/add/")
    _reauthenticate_if_asked(page, "correct horse battery staple")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page).not_to_have_url(re.compile("/webauthn/add/"))
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["isResidentCredential"]  # a passkey: it names its account itself

    _sign_out(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("heading", name="Unlock your vault")).to_be_visible()

