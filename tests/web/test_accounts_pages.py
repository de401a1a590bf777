from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.web.html import Page


def test_the_login_page_logs_in_and_goes_to_the_page_asked_for(client, alice):
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD, "next": "/settings/"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/"


def test_the_login_page_ignores_a_next_page_on_another_site(client, alice):
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_wrong_password_is_shown_above_the_form(client, alice):
    response = client.post("/accounts/login/", {"login": "alice", "password": "not it at all"})
    page = Page(response.content)
    assert "not correct" in page.text()
    assert page.by_id("id_login") is not None


def test_signing_up_leads_straight_to_choosing_a_pin_under_make_run(client, db):
    passphrase = "a long enough passphrase"
    response = client.post("/accounts/signup/", {"email": "erin@example.com", "password1": passphrase,
                                                 "password2": passphrase})
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/vault/setup/"


def test_in_production_signing_up_waits_for_the_verified_address(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    passphrase = "a long enough passphrase"
    client.post("/accounts/signup/", {"email": "erin@example.com", "password1": passphrase, "password2": passphrase})
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert client.post("/accounts/login/", {"login": "erin@example.com", "password": passphrase})["Location"] \
        == "/accounts/confirm-email/"


def test_a_short_password_is_shown_next_to_the_field(client, db):
    response = client.post("/accounts/signup/", {"email": "erin@example.com", "password1": "short",
                                                 "password2": "short"})
    page = Page(response.content)
    assert page.by_id("id_password1").attrs["aria-invalid"] == "true"
    assert "at least 10 characters" in page.described_by("id_password1")[-1]


def test_logging_out_also_locks_the_vault(unlocked_web, alice):
    assert unlocked_web.get("/").status_code == 200
    unlock_cookie = unlocked_web.cookies["coffer_unlock"].value
    response = unlocked_web.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.cookies["coffer_unlock"].value == ""
    assert AuditEvent.objects.filter(action="vault.lock", actor=alice.user).exists()
    # The old unlock secret opens nothing any more, even with a fresh login.
    unlocked_web.force_login(alice.user)
    unlocked_web.cookies["coffer_unlock"] = unlock_cookie
    assert unlocked_web.get("/")["Location"].startswith("/vault/unlock/")


def test_logging_out_needs_a_post(web):
    assert web.get("/accounts/logout/").status_code == 200  # a page asking to confirm
    assert web.get("/accounts/email/").status_code == 200  # still signed in


def test_pages_need_a_login(client, db):
    for url in ["/", "/documents/", "/settings/", "/activity/", "/vault/unlock/", "/vault/setup/", "/records/new/",
                "/account/", "/accounts/2fa/", "/accounts/email/", "/accounts/password/change/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_a_logged_in_visitor_on_the_login_page_goes_home(web):
    assert web.get("/accounts/login/")["Location"] == "/"
