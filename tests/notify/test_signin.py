"""A sign-in from a device the account has not used mails its owner; a known device does not."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from notify.models import SignInDevice
from tests.conftest import PASSWORD, make_person

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/126.0.0.0 Mobile Safari/537.36")
HOME = "203.0.113.7"


@pytest.fixture
def alice(transactional_db):
    return make_person("alice")


def _web_login(user_agent: str, address: str, password: str = PASSWORD) -> int:
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    return client.post("/accounts/login/", {"login": "alice", "password": password}).status_code


def test_the_first_sign_in_is_remembered_without_a_mail(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    assert smtp_mail.messages() == []
    assert SignInDevice.objects.filter(user=alice.user).count() == 1


def test_a_second_sign_in_from_the_same_device_sends_no_mail(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    # A browser update, and another address in the same /24: still the same device.
    assert _web_login(FIREFOX_LINUX.replace("128.0", "131.0"), "203.0.113.200") == 302
    assert smtp_mail.messages() == []
    assert SignInDevice.objects.filter(user=alice.user).count() == 1


def test_a_sign_in_from_a_new_browser_mails_the_owner(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    assert _web_login(CHROME_ANDROID, HOME) == 302
    [mail] = smtp_mail.messages()
    assert mail.recipients == ["alice@example.com"]
    assert mail.subject == "New sign-in to your Coffer account"
    assert "Chrome on Android" in mail.body
    assert "If it was you, there is nothing to do." in mail.body and "If it was not you" in mail.body
    assert PASSWORD not in mail.raw and HOME not in mail.raw
    # Known from now on.
    assert _web_login(CHROME_ANDROID, HOME) == 302
    assert len(smtp_mail.messages()) == 1


def test_a_sign_in_from_a_new_network_mails_the_owner(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    assert _web_login(FIREFOX_LINUX, "198.51.100.9") == 302
    [mail] = smtp_mail.messages()
    assert "Firefox on Linux" in mail.body and "198.51.100" not in mail.raw


def test_a_headless_app_login_counts_as_a_sign_in(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    client = APIClient(HTTP_USER_AGENT="python-requests/2.32.3", REMOTE_ADDR=HOME)
    credentials = {"username": "alice", "password": PASSWORD}
    assert client.post("/_allauth/app/v1/auth/login", credentials, format="json").status_code == 200
    [mail] = smtp_mail.messages()
    assert "python-requests" in mail.body


def test_a_failed_sign_in_sends_nothing_and_remembers_nothing(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    assert _web_login(CHROME_ANDROID, HOME, password="not the password") == 200  # the form again
    assert smtp_mail.messages() == []
    assert SignInDevice.objects.filter(user=alice.user).count() == 1


def test_reauthenticating_is_not_a_sign_in(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    alice.setup_vault()
    client = APIClient(HTTP_USER_AGENT=CHROME_ANDROID, REMOTE_ADDR="198.51.100.9")
    client.credentials(HTTP_AUTHORIZATION=f"Token {alice.token}")
    response = client.post("/api/v1/vault/reauthorize", {"password": PASSWORD}, format="json")
    assert response.status_code in (200, 204), response.content
    assert smtp_mail.messages() == []


def test_a_device_is_kept_as_a_keyed_hash_only(smtp_mail, alice):
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    device = SignInDevice.objects.get(user=alice.user)
    assert re.fullmatch(r"[0-9a-f]{64}", device.device_hmac)
    stored = " ".join(str(value) for value in SignInDevice.objects.values_list().get())
    for text in ("Firefox", "Linux", "203.0.113"):
        assert text not in stored


def test_each_user_has_their_own_devices(smtp_mail, alice):
    make_person("bob")
    assert _web_login(FIREFOX_LINUX, HOME) == 302
    bob = Client(HTTP_USER_AGENT=CHROME_ANDROID, REMOTE_ADDR=HOME)
    assert bob.post("/accounts/login/", {"login": "bob", "password": PASSWORD}).status_code == 302
    assert smtp_mail.messages() == []  # bob's first sign-in, not a new device of alice's


def test_a_device_unused_for_a_year_is_new_again(smtp_mail, alice):
    from datetime import timedelta

    from django.utils import timezone

    from notify.services import DEVICE_FORGET_AFTER

    assert _web_login(FIREFOX_LINUX, HOME) == 302
    assert _web_login(CHROME_ANDROID, HOME) == 302
    smtp_mail.clear()
    long_ago = timezone.now() - DEVICE_FORGET_AFTER - timedelta(days=1)
    SignInDevice.objects.filter(user=alice.user).update(last_seen_at=long_ago)
    assert _web_login(CHROME_ANDROID, HOME) == 302
    assert [mail.subject for mail in smtp_mail.messages()] == ["New sign-in to your Coffer account"]
