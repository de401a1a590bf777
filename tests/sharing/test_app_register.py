"""POST /api/v1/apps/: registration, signed by the key being registered."""

import json

import pytest
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from sharing.models import App

from .conftest import APPS_URL, b64, events, register, registration_body, signed_request


def test_it_registers_a_pending_app(db):
    response, box_key, sign_key = register(name="Passport checker")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "pending" and body["approved_at"] is None
    assert body["name"] == "Passport checker"
    assert body["box_public_key"] == b64(bytes(box_key.public_key))
    assert body["sign_public_key"] == b64(bytes(sign_key.verify_key))
    app = App.objects.get(id=body["id"])
    assert bytes(app.box_public_key) == bytes(box_key.public_key)
    assert bytes(app.sign_public_key) == bytes(sign_key.verify_key)


def test_it_is_audited(db):
    response, _, _ = register()
    [event] = events("app.register")
    assert (event.target_kind, event.target_id) == ("app", response.json()["id"])
    assert event.actor is None and event.subject_user_id is None
    assert events("app.approve") == []


def test_it_approves_at_once_when_auto_approve_is_on(db, settings):
    settings.COFFER_APPS_AUTO_APPROVE = True
    response, _, _ = register()
    assert response.json()["state"] == "approved"
    [event] = events("app.approve")
    assert event.details["auto"] is True


def test_auto_approve_is_off_by_default_and_a_deploy_check_warns_when_on(settings):
    from sharing.checks import apps_auto_approve_off

    assert App._meta.get_field("state").default == "pending"
    settings.COFFER_APPS_AUTO_APPROVE = False
    assert apps_auto_approve_off(None) == []
    settings.COFFER_APPS_AUTO_APPROVE = True
    assert [warning.id for warning in apps_auto_approve_off(None)] == ["sharing.W001"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"box_public_key": b64(b"x" * 31)}, "box_public_key"),
        ({"box_public_key": b64(b"x" * 33)}, "box_public_key"),
        ({"sign_public_key": "not base64!"}, "sign_public_key"),
        ({"box_public_key": b64(b"x" * 32).rstrip("=")}, "box_public_key"),
        ({"box_public_key": 42}, "box_public_key"),
        ({"callback_url": "http://demo.example/callback"}, "callback_url"),
        ({"callback_url": "ftp://demo.example/"}, "callback_url"),
        ({"callback_url": "https://user:pw@demo.example/"}, "callback_url"),
        ({"callback_url": "https://demo.example/#frag"}, "callback_url"),
        ({"callback_url": "not a url"}, "callback_url"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "bad\nname"}, "name"),
        ({"extra": 1}, "extra"),
    ],
)
def test_it_refuses_bad_input_with_field_errors(db, changes, field):
    response, _, _ = register(**changes)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert App.objects.count() == 0


def test_it_reports_every_bad_field_at_once(db):
    response, _, _ = register(box_public_key="", sign_public_key=b64(b"k" * 16), callback_url="http://x.example/")
    assert set(response.json()["fields"]) == {"box_public_key", "sign_public_key", "callback_url"}


@pytest.mark.parametrize("url", ["http://localhost:8000/cb", "http://127.0.0.1/cb", "http://[::1]:9/cb"])
def test_http_callbacks_are_fine_on_localhost(db, url):
    response, _, _ = register(callback_url=url)
    assert response.status_code == 201, response.content


def test_an_unsigned_registration_answers_401(db):
    body = registration_body(PrivateKey.generate(), SigningKey.generate())
    response = signed_request("POST", APPS_URL, sign_key=SigningKey.generate(), body=json.dumps(body).encode(),
                              HTTP_X_APP_SIGNATURE="")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Coffer-App-Signature"
    assert App.objects.count() == 0


def test_a_registration_signed_by_another_key_answers_401(db):
    response, _, _ = register(signer=SigningKey.generate())
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert App.objects.count() == 0


def test_an_ed25519_key_registers_only_once(db):
    box_key, sign_key = PrivateKey.generate(), SigningKey.generate()
    assert register(box_key, sign_key)[0].status_code == 201
    response, _, _ = register(PrivateKey.generate(), sign_key)
    assert response.status_code == 409
    assert response.json()["fields"] == {"sign_public_key": [response.json()["detail"]]}


def test_registration_is_rate_limited_per_client(db, settings):
    settings.COFFER_SHARING_THROTTLE_RATES = {**settings.COFFER_SHARING_THROTTLE_RATES, "app_register": "2/hour"}
    assert [register()[0].status_code for _ in range(3)] == [201, 201, 429]


def test_the_signature_covers_the_body(db):
    import time

    from sharing.canonical import request_message

    box_key, sign_key = PrivateKey.generate(), SigningKey.generate()
    signed_body = json.dumps(registration_body(box_key, sign_key)).encode()
    sent_body = json.dumps(registration_body(box_key, sign_key, callback_url="https://evil.example/")).encode()
    timestamp, nonce = str(int(time.time())), "b" * 22
    message = request_message(app_id="", method="POST", path=APPS_URL, timestamp=timestamp, nonce=nonce, body=signed_body)
    response = signed_request("POST", APPS_URL, sign_key=sign_key, body=sent_body, timestamp=int(timestamp), nonce=nonce,
                              HTTP_X_APP_SIGNATURE=b64(sign_key.sign(message).signature))
    assert response.status_code == 401
    assert App.objects.count() == 0
