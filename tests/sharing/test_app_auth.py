"""Signed app requests (docs/sharing.md §4): no bearer secrets, no replays, approved apps only."""

import time

import pytest
from nacl.signing import SigningKey

from sharing.canonical import request_message
from sharing.services import app_revoke

from .conftest import APP_GRANTS_URL, b64, signed_request


def test_a_signed_request_from_an_approved_app_is_served(app):
    response = app.get()
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_an_app_can_read_its_own_registration(app):
    response = app.get("/api/v1/apps/me/")
    assert response.status_code == 200
    assert response.json()["id"] == app.id and response.json()["state"] == "approved"


def test_a_pending_app_may_see_its_state_but_not_grants(register_app):
    pending = register_app(approve=False)
    assert pending.get("/api/v1/apps/me/").json()["state"] == "pending"
    response = pending.get()
    assert response.status_code == 403
    assert response.json()["code"] == "app_not_approved"


def test_a_revoked_app_gets_403(app):
    app_revoke(app=app.row, actor=None)
    response = app.get()
    assert response.status_code == 403 and response.json()["code"] == "app_not_approved"


def test_no_signature_answers_401(app):
    response = signed_request("GET", APP_GRANTS_URL, sign_key=app.sign_key, app_id=app.id, HTTP_X_APP_SIGNATURE="")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Coffer-App-Signature"


def test_no_app_headers_at_all_answers_401(db, client):
    response = client.get(APP_GRANTS_URL)
    assert response.status_code == 401


def test_a_user_token_does_not_open_app_endpoints(alice, app):
    assert alice.client.get(APP_GRANTS_URL).status_code == 401


def test_a_signature_by_another_key_answers_401(app):
    response = signed_request("GET", APP_GRANTS_URL, sign_key=SigningKey.generate(), app_id=app.id)
    assert response.status_code == 401
    assert response.json()["detail"] == "The request signature is not valid."


def test_an_unknown_app_id_looks_like_a_bad_signature(app):
    response = signed_request("GET", APP_GRANTS_URL, sign_key=app.sign_key, app_id="00000000-0000-4000-8000-000000000000")
    assert response.status_code == 401
    assert response.json()["detail"] == "The request signature is not valid."


# 302, not 301: the server reads its clock a moment later, and a second may tick in between.
@pytest.mark.parametrize("skew", [-302, 302, -10_000])
def test_a_timestamp_more_than_300_seconds_off_answers_401(app, skew):
    response = app.get(timestamp=int(time.time()) + skew)
    assert response.status_code == 401
    assert "300 seconds" in response.json()["detail"]


@pytest.mark.parametrize("skew", [-290, 290])
def test_a_timestamp_within_the_window_is_fine(app, skew):
    assert app.get(timestamp=int(time.time()) + skew).status_code == 200


def test_a_nonce_is_single_use(app):
    assert app.get(nonce="n" * 22).status_code == 200
    response = app.get(nonce="n" * 22)
    assert response.status_code == 401
    assert response.json()["detail"] == "This nonce was already used."


def test_a_bad_signature_does_not_burn_the_nonce(app):
    forged = signed_request("GET", APP_GRANTS_URL, sign_key=SigningKey.generate(), app_id=app.id, nonce="m" * 22)
    assert forged.status_code == 401
    assert app.get(nonce="m" * 22).status_code == 200


@pytest.mark.parametrize("nonce", ["short", "x" * 65, "has space in it!!", "ünïcödé-nonce-0000"])
def test_a_malformed_nonce_answers_401(app, nonce):
    assert app.get(nonce=nonce).status_code == 401


def test_the_signature_covers_the_path_and_query(app):
    now, nonce = int(time.time()), "z" * 22
    signature = _signature_for(app, "GET", f"{APP_GRANTS_URL}?limit=1", timestamp=now, nonce=nonce)
    response = signed_request("GET", f"{APP_GRANTS_URL}?limit=2", sign_key=app.sign_key, app_id=app.id,
                              timestamp=now, nonce=nonce, HTTP_X_APP_SIGNATURE=signature)
    assert response.status_code == 401
    response = signed_request("GET", f"{APP_GRANTS_URL}?limit=1", sign_key=app.sign_key, app_id=app.id,
                              timestamp=now, nonce=nonce, HTTP_X_APP_SIGNATURE=signature)
    assert response.status_code == 200


def test_the_signature_covers_the_method(app):
    now, nonce = int(time.time()), "w" * 22
    signature = _signature_for(app, "POST", APP_GRANTS_URL, timestamp=now, nonce=nonce)
    response = signed_request("GET", APP_GRANTS_URL, sign_key=app.sign_key, app_id=app.id,
                              timestamp=now, nonce=nonce, HTTP_X_APP_SIGNATURE=signature)
    assert response.status_code == 401


def test_the_signature_covers_the_app_id(app, other_app):
    # Signed for other_app's id by app's key: the header names app, so app's key must verify it.
    response = signed_request("GET", APP_GRANTS_URL, sign_key=app.sign_key, app_id=app.id,
                              HTTP_X_APP_ID=other_app.id)
    assert response.status_code == 401


def _signature_for(app, method, path, *, timestamp: int, nonce: str, body: bytes = b"") -> str:
    message = request_message(app_id=app.id, method=method, path=path, timestamp=str(timestamp), nonce=nonce, body=body)
    return b64(app.sign_key.sign(message).signature)
