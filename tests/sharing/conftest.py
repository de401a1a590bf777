"""Fixtures for sharing: apps with real keypairs, signed app requests, Alice's records."""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from nacl.public import PrivateKey, SealedBox
from nacl.signing import SigningKey, VerifyKey
from rest_framework.test import APIClient

from audit.models import AuditEvent
from sharing.canonical import grant_envelope_split, grant_message, grant_parse, request_message
from sharing.models import App
from tests.records.samples import valid

APPS_URL = "/api/v1/apps/"
APP_GRANTS_URL = "/api/v1/apps/me/grants/"
GRANTS_URL = "/api/v1/grants/"
ATTESTATIONS_URL = "/api/v1/attestations/"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def grant_url(grant_id) -> str:
    return f"{GRANTS_URL}{grant_id}/"


def keys_url(handle: str) -> str:
    return f"/api/v1/keys/{handle}"


def published_handle(person) -> str:
    """The person publishes a key handle, as from the Sharing page."""
    response = person.client.post("/api/v1/key-handle")
    assert response.status_code == 201, response.content
    return response.json()["handle"]


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def signed_request(
    method: str, path: str, *, sign_key: SigningKey, app_id: str = "", body: bytes = b"",
    timestamp: int | None = None, nonce: str | None = None, client: APIClient | None = None, **extra,
):
    """One request signed as docs/sharing.md §4 says. `extra` overrides headers."""
    timestamp_text = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_urlsafe(24)
    message = request_message(app_id=app_id, method=method, path=path, timestamp=timestamp_text, nonce=nonce, body=body)
    headers = {
        "HTTP_X_APP_TIMESTAMP": timestamp_text,
        "HTTP_X_APP_NONCE": nonce,
        "HTTP_X_APP_SIGNATURE": b64(sign_key.sign(message).signature),
    }
    if app_id:
        headers["HTTP_X_APP_ID"] = app_id
    headers.update(extra)
    return (client or APIClient()).generic(method, path, data=body, content_type="application/json", **headers)


@dataclass
class RegisteredApp:
    """An app as its developer holds it: its id and both private keys."""

    id: str
    box_key: PrivateKey
    sign_key: SigningKey

    @property
    def row(self) -> App:
        return App.objects.get(id=self.id)

    def get(self, path: str = APP_GRANTS_URL, **kwargs):
        return signed_request("GET", path, sign_key=self.sign_key, app_id=self.id, **kwargs)

    def fetch(self) -> list[dict]:
        response = self.get()
        assert response.status_code == 200, response.content
        return response.json()["results"]

    def open(self, served: dict) -> tuple[bytes, bytes]:
        """(signature, canonical document bytes) of a served grant."""
        plaintext = SealedBox(self.box_key).decrypt(base64.b64decode(served["sealed_grant"]))
        return grant_envelope_split(plaintext)

    def open_verified(self, served: dict, user_sign_key: bytes) -> dict:
        signature, document_bytes = self.open(served)
        VerifyKey(user_sign_key).verify(grant_message(document_bytes), signature)
        return grant_parse(document_bytes)


def registration_body(box_key: PrivateKey, sign_key: SigningKey, **changes) -> dict:
    body = {
        "name": "Demo app",
        "callback_url": "https://demo.example/callback",
        "box_public_key": b64(bytes(box_key.public_key)),
        "sign_public_key": b64(bytes(sign_key.verify_key)),
    }
    body.update(changes)
    return body


def register(box_key: PrivateKey | None = None, sign_key: SigningKey | None = None, *, signer: SigningKey | None = None,
             **changes):
    box_key, sign_key = box_key or PrivateKey.generate(), sign_key or SigningKey.generate()
    body = json.dumps(registration_body(box_key, sign_key, **changes)).encode()
    return signed_request("POST", APPS_URL, sign_key=signer or sign_key, body=body), box_key, sign_key


@pytest.fixture
def register_app(db):
    """Registers an app over the API; approves it through the admin service unless told not to."""

    def make(*, approve: bool = True, name: str = "Demo app") -> RegisteredApp:
        response, box_key, sign_key = register(name=name)
        assert response.status_code == 201, response.content
        app = RegisteredApp(id=response.json()["id"], box_key=box_key, sign_key=sign_key)
        if approve:
            from sharing.services import app_approve

            app_approve(app=app.row, actor=None)
        return app

    return make


@pytest.fixture
def app(register_app) -> RegisteredApp:
    return register_app()


@pytest.fixture
def other_app(register_app) -> RegisteredApp:
    return register_app(name="Other app")


def create_record(person, kind: str = "bank_card", *, label: str = "", data: dict | None = None) -> dict:
    body = {"kind": kind, "label": label, "data": valid(kind) if data is None else data}
    response = person.client.post("/api/v1/records/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def alice_card(unlocked_alice) -> dict:
    return create_record(unlocked_alice, "bank_card", label="Everyday Visa")


@pytest.fixture
def alice_passport(unlocked_alice) -> dict:
    return create_record(unlocked_alice, "passport", label="My passport")


def in_days(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def grant_body(app, items, *, expires_at: str | None = None) -> dict:
    return {"app_id": app.id, "items": items, "expires_at": expires_at or in_days(7)}


def create_grant(person, app, items, **kwargs) -> dict:
    response = person.client.post(GRANTS_URL, grant_body(app, items, **kwargs), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def user_sign_key(person) -> bytes:
    from vault.models import Vault

    return bytes(Vault.objects.get(user=person.user).sign_public_key)
