"""Recovery codes for the second factor: shown once, downloadable once while shown, and
regenerable (accounts/recovery_codes.py)."""

import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client

from accounts import recovery_codes
from tests.conftest import PASSWORD
from tests.support.second_factor import give_totp

VIEW, DOWNLOAD, GENERATE = "/accounts/2fa/recovery-codes/", "/accounts/2fa/recovery-codes/download/", "/accounts/2fa/recovery-codes/generate/"


def _signed_in(person) -> tuple[Client, list[str]]:
    totp = give_totp(person.user)
    codes = RecoveryCodes.activate(person.user).get_unused_codes()
    client = Client()
    assert client.post("/accounts/login/", {"login": person.user.username, "password": PASSWORD}).status_code == 302
    assert client.post("/accounts/2fa/authenticate/", {"code": totp.now()}).status_code == 302
    asked = client.get(VIEW)  # the codes need the password again
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/")
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    return client, codes


def test_the_codes_are_shown_once_and_downloaded_once_while_shown(alice):
    client, codes = _signed_in(alice)
    assert client.get(DOWNLOAD).status_code == 403  # not before they are shown
    first = client.get(VIEW)
    assert first.status_code == 200 and all(code in first.content.decode() for code in codes)
    assert 'href="/accounts/2fa/recovery-codes/download/"' in first.content.decode()
    download = client.get(DOWNLOAD)
    assert download.status_code == 200 and download["Content-Type"].startswith("text/plain")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download.content.decode().split() == codes
    assert "no-store" in download["Cache-Control"]
    assert client.get(DOWNLOAD).status_code == 403  # once

    again = client.get(VIEW)
    assert again.status_code == 200 and not any(code in again.content.decode() for code in codes)
    assert client.get(DOWNLOAD).status_code == 403


def test_another_session_cannot_download_what_one_was_shown(alice):
    client, codes = _signed_in(alice)
    assert client.get(VIEW).status_code == 200
    other = Client()
    other.force_login(alice.user)
    assert other.get(DOWNLOAD).status_code in (302, 403)
    assert client.get(DOWNLOAD).content.decode().split() == codes


def test_a_download_grant_ends_after_its_minutes(alice, monkeypatch):
    client, codes = _signed_in(alice)
    assert client.get(VIEW).status_code == 200
    later = time.time() + recovery_codes.DOWNLOAD_SECONDS + 1
    monkeypatch.setattr(recovery_codes.time, "time", lambda: later)
    assert client.get(DOWNLOAD).status_code == 403


def test_new_codes_replace_the_old_are_shown_once_more_and_the_old_download_is_gone(alice):
    client, old = _signed_in(alice)
    assert client.get(VIEW).status_code == 200
    assert client.post(GENERATE).status_code == 302
    assert client.get(DOWNLOAD).status_code == 403  # the grant was for the old codes
    page = client.get(VIEW).content.decode()
    new = RecoveryCodes(Authenticator.objects.get(user=alice.user, type=Authenticator.Type.RECOVERY_CODES)).get_unused_codes()
    assert set(new).isdisjoint(old) and all(code in page for code in new)
    assert client.get(DOWNLOAD).content.decode().split() == new
