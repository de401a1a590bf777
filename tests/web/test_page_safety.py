"""Every page: strict CSP with nothing inline, no-store, CSRF on every POST form, a label on every input."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD, PIN
from tests.records.samples import valid
from tests.web.html import Page
from tests.web.records_helpers import add_record

LOGGED_OUT_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/security/"]
# The account pages: allauth's views in Coffer's templates, and Devices and access.
ACCOUNT_PAGES = [
    "/account/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/add/",
    "/accounts/delete/",
]
UNLOCKED_PAGES = [
    "/",
    "/records/new/",
    "/records/new/passport/",
    "/records/new/bank_card/",
    "/records/new/driver_licence/",
    "/records/new/bank_account/",
    "/records/new/id_card/",
    "/records/new/note/",
    "/documents/",
    "/settings/",
    "/settings/rotation/?kind=reencrypt",
    "/settings/export/",
    "/activity/",
    "/sharing/",
    "/records/{record}/",
    "/records/{record}/edit/",
    "/records/{record}/delete/",
]


@pytest.fixture
def pages(unlocked_web, alice):
    record_id = add_record(alice, "passport", valid("passport"))
    add_record(alice, "bank_card", valid("bank_card"))
    return [unlocked_web.get(url.format(record=record_id)) for url in UNLOCKED_PAGES]


def _check(response):
    assert response.status_code == 200, response.request["PATH_INFO"]
    page = Page(response.content)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.inline_scripts() == []
    assert page.inline_styles() == []
    assert page.event_handler_attributes() == []
    assert page.post_forms_without_csrf() == []
    assert page.unlabelled_controls() == []
    # Coffer's pages say no-store; allauth's never_cache says more, no-store among it.
    assert "no-store" in {d.strip() for d in response["Cache-Control"].split(",")}
    assert response["X-Frame-Options"] == "DENY"


def test_every_unlocked_page_is_strict(pages):
    for response in pages:
        _check(response)


def test_the_logged_out_pages_are_strict(client, db):
    for url in LOGGED_OUT_PAGES:
        _check(client.get(url))


def test_the_account_pages_are_strict(client, alice):
    from allauth.account.models import EmailAddress

    # A second factor can be added only to a verified address (allauth's rule), and only
    # just after typing the password again: the reauthentication page comes first otherwise.
    EmailAddress.objects.create(user=alice.user, email=alice.user.email, verified=True, primary=True)
    assert client.post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code == 302
    _check(client.get("/accounts/reauthenticate/"))
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    for url in ACCOUNT_PAGES:
        _check(client.get(url))


def test_the_vault_pages_before_unlocking_are_strict(web, alice):
    _check(web.get("/vault/setup/"))
    _check(web.post("/vault/setup/", {"pin": PIN, "pin_confirm": PIN}))
    _check(web.get("/vault/unlock/"))
    _check(web.get("/vault/recover/"))


def test_forms_refuse_a_post_without_a_csrf_token(alice):
    alice.setup_vault()
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    assert client.post("/vault/unlock/", {"pin": PIN}).status_code == 403
    assert client.post("/vault/lock/").status_code == 403
    assert client.post("/accounts/logout/").status_code == 403


def test_no_decrypted_value_is_ever_in_a_url(pages):
    secrets = [valid("passport")["number"], "4242424242424242"]
    for response in pages:
        page = Page(response.content)
        for element in page.elements:
            for name in ("href", "src", "action"):
                assert not any(secret in element.attrs.get(name, "") for secret in secrets)


def test_the_not_found_page_is_a_page(unlocked_web):
    response = unlocked_web.get("/no/such/page/")
    assert response.status_code == 404
    assert "Nothing here" in Page(response.content).text()


def test_a_group_of_checkboxes_is_a_fieldset_with_a_label_for_each_box(unlocked_web, alice):
    add_record(alice, "bank_card", valid("bank_card"), label="Visa")
    for url in ("/settings/", "/sharing/"):
        html = unlocked_web.get(url).content.decode()
        assert 'for=""' not in html, url
    page = Page(unlocked_web.get("/settings/").content)
    legends = [element.text for element in page.find_all("legend")]
    assert "What it may do" in legends
    assert page.unlabelled_controls() == []
