"""A password reset by email opens the account, never the vault (docs/security.md §3.6):
it ends every web session and every unlock session, leaves the vault's keys as they were,
and asks the owner to review their API tokens."""

import re

from allauth.usersessions.models import UserSession
from django.test import Client

from audit.models import AuditEvent
from tests.conftest import PASSWORD, PIN

NEW_PASSWORD = "a brand new passphrase, long enough"


def _reset_by_mail(smtp_mail, email: str) -> Client:
    stranger = Client()
    page = stranger.get("/accounts/password/reset/")
    assert b"opens your account, not your vault" in page.content
    assert stranger.post("/accounts/password/reset/", {"email": email}).status_code == 302
    [mail] = smtp_mail.messages()
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.body).group(1)
    form_url = stranger.get(link)["Location"]  # allauth moves the key out of the URL first
    done = stranger.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302, done.content[:500]
    return stranger


def test_a_password_reset_ends_every_session_and_leaves_the_vault_locked_but_whole(smtp_mail, unlocked_alice):
    alice = unlocked_alice
    record = alice.client.post("/api/v1/records/", {"kind": "note", "data": {"title": "t", "text": "kept"}},
                               format="json")
    assert record.status_code == 201
    browser = Client()
    assert browser.post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code == 302
    assert UserSession.objects.filter(user=alice.user).exists()
    assert alice.client.get("/api/v1/vault").json()["state"] == "unlocked"

    stranger = _reset_by_mail(smtp_mail, alice.user.email)

    # Every web session is over, and the unlock session the token held is locked.
    assert not UserSession.objects.filter(user=alice.user).exists()
    assert browser.get("/account/").status_code == 302
    assert alice.client.get("/api/v1/vault").json()["state"] == "locked"
    assert alice.client.get("/api/v1/records/").status_code == 423
    # The reset opened nothing: whoever reset the password has no vault.
    assert stranger.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="account.password_reset", actor=alice.user).count() == 1

    # The new password signs in; the vault still wants the PIN, which opens everything as before.
    assert browser.post("/accounts/login/", {"login": "alice", "password": NEW_PASSWORD}).status_code == 302
    assert browser.get("/api/v1/records/").status_code == 423
    unlock = alice.client.post("/api/v1/vault/unlock", {"pin": PIN}, format="json")
    assert unlock.status_code == 200
    alice.client.credentials(HTTP_AUTHORIZATION=f"Token {alice.token}",
                             HTTP_X_VAULT_UNLOCK=unlock.json()["unlock_secret"])
    read = alice.client.get(f"/api/v1/records/{record.json()['id']}/?reveal=true")
    assert read.status_code == 200 and read.json()["data"]["text"] == "kept"

    # The Devices and access page asks the owner to review the tokens made before the reset.
    devices = browser.get("/account/")
    assert b"I have reviewed my tokens" in devices.content
