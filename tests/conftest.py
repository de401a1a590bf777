"""Shared fixtures. Alice owns things; Bob is another user; Charlie should have no
access to Alice's stuff. Everything talks to the real PostgreSQL and Redis."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.scopes import ALL_SCOPES
from tests.support.dumps import cache_clear

pytest_plugins = ["tests.fixtures.s3server", "tests.fixtures.restartable_s3", "tests.fixtures.celery_worker", "tests.fixtures.smtp",
                  "tests.fixtures.live_coffer"]

PASSWORD = "correct horse battery staple"
PIN = "482915"


@pytest.fixture(autouse=True)
def _clean_cache():
    # Not cache.clear(): that flushes the whole Redis database, other test runs' keys included.
    cache_clear()
    yield
    cache_clear()


@dataclass
class Person:
    """A user with an API client authenticated by a token holding `scopes`."""

    user: object
    client: APIClient
    token: str
    pin: str = PIN
    recovery_code: str | None = None
    unlock_secret: str | None = None

    def setup_vault(self) -> Person:
        response = self.client.post("/api/v1/vault/setup", {"pin": self.pin}, format="json")
        assert response.status_code == 201, response.content
        self.recovery_code = response.json()["recovery_code"]
        return self

    def unlock(self) -> Person:
        response = self.client.post("/api/v1/vault/unlock", {"pin": self.pin}, format="json")
        assert response.status_code == 200, response.content
        self.unlock_secret = response.json()["unlock_secret"]
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}", HTTP_X_VAULT_UNLOCK=self.unlock_secret)
        return self

    def with_secret(self, unlock_secret: str | None) -> APIClient:
        """Another client for the same token, sending this unlock secret (or none)."""
        client = APIClient()
        headers = {"HTTP_AUTHORIZATION": f"Token {self.token}"}
        if unlock_secret is not None:
            headers["HTTP_X_VAULT_UNLOCK"] = unlock_secret
        client.credentials(**headers)
        return client

    def with_scopes(self, *scopes: str) -> APIClient:
        """Another client for the same user, with a token holding only these scopes."""
        from accounts.services import token_create

        issued = token_create(user=self.user, name="limited", scopes=list(scopes))
        client = APIClient()
        headers = {"HTTP_AUTHORIZATION": f"Token {issued.token}"}
        if self.unlock_secret:
            headers["HTTP_X_VAULT_UNLOCK"] = self.unlock_secret
        client.credentials(**headers)
        return client


def make_person(username: str, scopes=ALL_SCOPES) -> Person:
    from django.contrib.auth import get_user_model

    from accounts.services import token_create

    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.com", password=PASSWORD)
    issued = token_create(user=user, name="tests", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.token}")
    return Person(user=user, client=client, token=issued.token)


@pytest.fixture
def admin_user(db, django_user_model):
    """pytest-django's superuser, with the second factor every admin must have (accounts/middleware.py)."""
    from tests.support.second_factor import give_totp

    user = django_user_model.objects.create_superuser(username="admin", email="admin@example.com", password=PASSWORD)
    give_totp(user)
    return user


@pytest.fixture
def alice(db) -> Person:
    return make_person("alice")


@pytest.fixture
def bob(db) -> Person:
    return make_person("bob")


@pytest.fixture
def charlie(db) -> Person:
    return make_person("charlie")


@pytest.fixture
def unlocked_alice(alice) -> Person:
    return alice.setup_vault().unlock()


@pytest.fixture
def unlocked_bob(bob) -> Person:
    return bob.setup_vault().unlock()
