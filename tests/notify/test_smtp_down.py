"""A mail server that is down or refuses costs a note, never the operation it reports."""

import logging

import pytest

from notify.mails import mail_pin_changed
from tests.conftest import make_person
from tests.fixtures.smtp import free_port

NEW_PIN = "739164"


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens: connection refused
    settings.EMAIL_TIMEOUT = 5


@pytest.fixture
def alice(transactional_db):
    return make_person("alice").setup_vault().unlock()


def test_a_pin_change_succeeds_while_smtp_is_down(smtp_down, alice, caplog):
    with caplog.at_level(logging.WARNING, logger="notify.mails"):
        response = alice.client.post("/api/v1/vault/pin", {"pin": alice.pin, "new_pin": NEW_PIN}, format="json")
    assert response.status_code == 204, response.content
    assert alice.client.post("/api/v1/vault/lock").status_code == 204
    assert alice.client.post("/api/v1/vault/unlock", {"pin": NEW_PIN}, format="json").status_code == 200
    [record] = [r for r in caplog.records if r.name == "notify.mails"]
    assert record.getMessage() == "notification mail pin_changed not sent (ConnectionRefusedError)"


def test_a_refusing_server_is_logged_without_the_mail(smtp_mail, alice, caplog, settings):
    settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = "coffer", "smtp-password"  # the sink offers no AUTH
    with caplog.at_level(logging.DEBUG):
        mail_pin_changed(user=alice.user, at=alice.user.date_joined)
    assert smtp_mail.messages() == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "notification mail pin_changed not sent" in logged
    for text in ("alice@example.com", "If it was not you", "smtp-password"):
        assert text not in logged
