from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.web.html import Page


def test_the_login_page_logs_in_and_goes_to_the_page_asked_for(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": "/settings/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/settings/"


def test_the_login_page_ignores_a_next_page_on_another_site(client, alice):
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_a_wrong_password_is_shown_above_the_form(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "not it at all"})
    assert response.status_code == 400
    assert "Wrong username or password." in Page(response.content).text()


def test_signing_up_leads_to_logging_in_then_choosing_a_pin(client, db):
    response = client.post(
        "/accounts/signup/",
        {"username": "erin", "email": "erin@example.com", "password": "a long enough passphrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    response = client.post("/accounts/login/", {"username": "erin", "password": "a long enough passphrase"})
    assert response.status_code == 302
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/vault/setup/"


def test_a_taken_username_is_not_told_on_the_page(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": "alice", "email": "a@example.com", "password": "a long enough passphrase"},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "taken" not in client.get("/accounts/login/").content.decode()


def test_a_short_password_is_shown_next_to_the_field(client, db):
    response = client.post(
        "/accounts/signup/", {"username": "erin", "email": "erin@example.com", "password": "short"}
    )
    page = Page(response.content)
    assert page.by_id("id_password").attrs["aria-invalid"] == "true"
    assert "at least 10 characters" in page.described_by("id_password")[-1]


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
    assert web.get("/accounts/logout/").status_code == 405


def test_pages_need_a_login(client, db):
    for url in [
        "/",
        "/documents/",
        "/settings/",
        "/activity/",
        "/vault/unlock/",
        "/vault/setup/",
        "/records/new/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_a_logged_in_visitor_on_the_login_page_goes_home(web):
    assert web.get("/accounts/login/")["Location"] == "/"
