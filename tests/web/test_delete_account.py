"""The "Delete my account" section of Settings, its page, and the plain page after."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.web.html import Page
from tests.web.test_page_safety import _check
from vault.models import Vault

User = get_user_model()


def test_the_settings_page_offers_it_under_the_strict_policy(unlocked_web):
    response = unlocked_web.get("/settings/")
    _check(response)
    page = Page(response.content)
    section = page.by_id("delete-account")
    assert section is not None
    forms = [f for f in page.find_all("form") if f.attrs.get("action") == "/accounts/delete/"]
    assert len(forms) == 1
    assert page.by_id("delete_password") is not None and page.by_id("delete_confirmation") is not None


def test_its_own_page_is_strict_and_needs_no_unlocked_vault(locked_web):
    _check(locked_web.get("/accounts/delete/"))


def test_it_deletes_the_account_logs_out_and_says_it_is_done(unlocked_web, alice, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes out after the commit
        response = unlocked_web.post("/accounts/delete/", {"password": PASSWORD, "confirmation": "alice"})
    assert response.status_code == 302 and response["Location"] == "/accounts/deleted/"
    assert response.cookies[settings.COFFER_UNLOCK_COOKIE].value == ""  # the unlock cookie is cleared
    assert not User.objects.filter(username="alice").exists()
    assert not Vault.objects.exists()
    done = unlocked_web.get("/accounts/deleted/")
    _check(done)
    assert "Your account is deleted" in Page(done.content).text()
    assert unlocked_web.get("/settings/").status_code == 302  # logged out: sent to log in
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]


def test_a_wrong_password_is_shown_next_to_it_and_keeps_the_account(unlocked_web, alice):
    response = unlocked_web.post("/accounts/delete/", {"password": "nope", "confirmation": "alice"})
    assert response.status_code == 403
    assert "not your account password" in " ".join(Page(response.content).described_by("id_password"))
    assert User.objects.filter(username="alice").exists()
    assert AuditEvent.objects.filter(action="account.delete_reauth", outcome="failure").exists()


def test_a_wrong_confirmation_is_shown_next_to_it_and_keeps_the_account(unlocked_web, alice):
    response = unlocked_web.post("/accounts/delete/", {"password": PASSWORD, "confirmation": "ALICE"})
    assert response.status_code == 400
    assert "exactly" in " ".join(Page(response.content).described_by("id_confirmation"))
    assert User.objects.filter(username="alice").exists()


def test_a_logged_out_visitor_is_sent_to_log_in(client, db):
    response = client.post("/accounts/delete/", {"password": PASSWORD, "confirmation": "alice"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
