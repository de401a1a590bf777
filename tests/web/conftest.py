"""Fixtures for the pages: Django's test client, logged in, with the vault in a chosen state."""

from __future__ import annotations

import pytest

from tests.conftest import PIN


@pytest.fixture
def web(client, alice):
    """Alice's browser: logged in, no PIN yet."""
    client.force_login(alice.user)
    return client


@pytest.fixture
def locked_web(web, alice):
    """Alice's browser: PIN set, vault locked."""
    alice.setup_vault()
    return web


@pytest.fixture
def unlocked_web(locked_web):
    """Alice's browser: vault unlocked, the unlock secret in its cookie."""
    response = locked_web.post("/vault/unlock/", {"pin": PIN})
    assert response.status_code == 302, response.content
    return locked_web


@pytest.fixture
def bobs_web(alice, bob):
    """Bob's browser, unlocked, next to Alice's."""
    from django.test import Client

    bob.setup_vault()
    client = Client()
    client.force_login(bob.user)
    assert client.post("/vault/unlock/", {"pin": PIN}).status_code == 302
    return client
