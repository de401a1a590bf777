"""The notification mails, sent through a real SMTP server on loopback and read back from it.

Each goes to the owner, says what happened and what to do if it was not them,
and holds no secret: no PIN, recovery code, unlock secret or token.
"""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from notify.mails import mail_pin_changed
from tests.conftest import PASSWORD, make_person

NEW_PIN = "739164"


@pytest.fixture
def alice(transactional_db):
    # Transactional: the mails wait for a real commit.
    return make_person("alice").setup_vault().unlock()


def _only_mail(smtp):
    received = smtp.messages()
    assert len(received) == 1, [mail.subject for mail in received]
    return received[0]


def _assert_holds_no_secret(mail, person, *more):
    for secret in (person.pin, person.recovery_code, person.unlock_secret, person.token, PASSWORD, *more):
        assert secret and secret not in mail.raw
    assert not mail.message.is_multipart() and mail.message.get_content_type() == "text/plain"


def test_a_pin_change_mails_the_owner_without_a_secret(smtp_mail, alice):
    response = alice.client.post("/api/v1/vault/pin", {"pin": alice.pin, "new_pin": NEW_PIN}, format="json")
    assert response.status_code == 204, response.content
    mail = _only_mail(smtp_mail)
    assert mail.recipients == ["alice@example.com"]
    assert mail.subject == "Your Coffer PIN was changed"
    assert "If it was not you" in mail.body and "recovery code" in mail.body
    _assert_holds_no_secret(mail, alice, NEW_PIN)


def test_a_refused_pin_change_sends_nothing(smtp_mail, alice):
    response = alice.client.post("/api/v1/vault/pin", {"pin": "111222333", "new_pin": NEW_PIN}, format="json")
    assert response.status_code == 403
    assert smtp_mail.messages() == []


def test_a_recovery_mails_the_owner_without_either_code(smtp_mail, alice):
    response = alice.client.post(
        "/api/v1/vault/recover", {"recovery_code": alice.recovery_code, "new_pin": NEW_PIN}, format="json"
    )
    assert response.status_code == 200, response.content
    new_code = response.json()["recovery_code"]
    mail = _only_mail(smtp_mail)
    assert mail.recipients == ["alice@example.com"]
    assert mail.subject == "Your Coffer recovery code was used"
    assert "If it was not you" in mail.body and "Contact the people who run" in mail.body
    _assert_holds_no_secret(mail, alice, NEW_PIN, new_code)


def test_a_new_recovery_code_mails_the_owner_without_either_code(smtp_mail, alice):
    response = alice.client.post("/api/v1/vault/recovery-code", {"pin": alice.pin}, format="json")
    assert response.status_code == 200, response.content
    mail = _only_mail(smtp_mail)
    assert mail.recipients == ["alice@example.com"]
    assert mail.subject == "Your Coffer recovery code was replaced"
    assert "old code no longer works" in mail.body and "If it was not you" in mail.body
    _assert_holds_no_secret(mail, alice, response.json()["recovery_code"])


def test_a_refused_recovery_sends_nothing(smtp_mail, alice):
    response = alice.client.post(
        "/api/v1/vault/recover", {"recovery_code": "AAAA-" * 7 + "AAAA", "new_pin": NEW_PIN}, format="json"
    )
    assert response.status_code in (400, 403)
    assert smtp_mail.messages() == []


def test_an_account_deletion_mails_the_owner_without_a_secret(smtp_mail, alice):
    session = APIClient()
    assert session.post("/accounts/login/", {"login": "alice", "password": PASSWORD}).status_code == 302
    assert smtp_mail.messages() == []  # the account's first sign-in
    response = session.post("/api/v1/accounts/delete", {"password": PASSWORD, "confirmation": "alice"},
                            format="json")
    assert response.status_code == 202, response.content
    mail = _only_mail(smtp_mail)
    assert mail.recipients == ["alice@example.com"]
    assert mail.subject == "Your Coffer account was deleted"
    assert "If you did not do this" in mail.body
    _assert_holds_no_secret(mail, alice)


def test_a_new_device_sign_in_mails_the_owner_without_the_password_or_address(smtp_mail, alice):
    first = APIClient(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", REMOTE_ADDR="203.0.113.7")
    second = APIClient(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Chrome/126.0 Safari/537.36",
                       REMOTE_ADDR="198.51.100.23")
    body = {"username": "alice", "password": PASSWORD, "name": "laptop", "scopes": ["vault:manage"]}
    assert first.post("/api/v1/accounts/token", body, format="json").status_code == 201
    assert smtp_mail.messages() == []  # the first sign-in: nothing to compare with
    response = second.post("/api/v1/accounts/token", body, format="json")
    assert response.status_code == 201
    mail = _only_mail(smtp_mail)
    assert mail.recipients == ["alice@example.com"]
    assert mail.subject == "New sign-in to your Coffer account"
    assert "Chrome on Windows" in mail.body and "If it was not you" in mail.body
    assert "198.51.100" not in mail.raw and "203.0.113" not in mail.raw
    _assert_holds_no_secret(mail, alice, response.json()["token"])


def test_a_mail_waits_for_the_commit_and_a_rollback_sends_none(smtp_mail, alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        mail_pin_changed(user=alice.user, at=alice.user.date_joined)
        raise RuntimeError("rolled back")
    assert smtp_mail.messages() == []
    with transaction.atomic():
        mail_pin_changed(user=alice.user, at=alice.user.date_joined)
        assert smtp_mail.messages() == []
    assert _only_mail(smtp_mail).subject == "Your Coffer PIN was changed"


def test_the_mail_comes_from_the_configured_sender(smtp_mail, alice, settings):
    settings.DEFAULT_FROM_EMAIL = "Coffer <vault@example.org>"
    mail_pin_changed(user=alice.user, at=alice.user.date_joined)
    mail = _only_mail(smtp_mail)
    assert mail.mail_from == "vault@example.org" and mail.message["From"] == "Coffer <vault@example.org>"
