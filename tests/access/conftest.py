"""Browsers for Devices and access: each with its own address and user agent."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PIN

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile Safari/604.1"


def browser(person, *, address: str, user_agent: str, unlock: bool = False) -> Client:
    client = Client(REMOTE_ADDR=address, HTTP_USER_AGENT=user_agent)
    client.force_login(person.user)
    assert client.get("/account/").status_code == 200  # allauth records the sign-in on a first request
    if unlock:
        assert client.post("/vault/unlock/", {"pin": PIN}).status_code == 302
    return client


@pytest.fixture
def alices_laptop(alice):
    """Alice's Firefox, signed in and unlocked."""
    alice.setup_vault()
    return browser(alice, address="203.0.113.7", user_agent=FIREFOX, unlock=True)


@pytest.fixture
def alices_phone(alice, alices_laptop):
    """Alice's phone, signed in, vault locked."""
    return browser(alice, address="198.51.100.23", user_agent=SAFARI)
