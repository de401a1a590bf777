"""Sign-in through allauth: web page, headless API, audit rows, rate limits (docs/accounts.md)."""

import hashlib
import json

from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.typed_names import typed_username_hash
from tests.conftest import PASSWORD

LOGIN = "/_allauth/app/v1/auth/login"
RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}


def test_the_login_page_renders_under_the_csp_and_signs_in_by_username_or_email(client, alice):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="password"' in page.content and b'class="card auth-card"' in page.content
    assert page["Content-Security-Policy"].startswith("default-src 'self'")
    for login in ("alice", "Alice@Example.com"):
        client.logout()
        response = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
        assert response.status_code == 302, login
        assert client.get("/api/v1/vault").status_code == 200
    assert AuditEvent.objects.filter(action="account.login", outcome="success", actor=alice.user).count() == 2


def test_a_wrong_password_is_refused_and_audited_with_a_keyed_hash_of_the_typed_name(client, alice):
    typed = "hunter2-my-password"
    response = client.post("/accounts/login/", {"login": typed, "password": "wrong"})
    assert response.status_code == 200 and b"not correct" in response.content
    event = AuditEvent.objects.get(action="account.login", outcome="failure")
    assert event.details == {"username_hmac": typed_username_hash(typed)}
    assert typed not in json.dumps(event.details) and typed not in event.actor_label


def test_a_failed_login_for_a_known_name_still_names_its_subject(client, alice):
    client.post("/accounts/login/", {"login": "ALICE", "password": "wrong"})
    event = AuditEvent.objects.get(action="account.login", outcome="failure")
    assert event.subject_user_id == alice.user.pk


def test_the_typed_name_hash_is_keyed_by_the_secret_key(settings):
    before = typed_username_hash("alice")
    assert before == typed_username_hash("ALICE")  # one account, one hash
    settings.SECRET_KEY = "another-secret-key-" + "k" * 40
    assert typed_username_hash("alice") != before
    assert before != hashlib.sha256(b"alice").hexdigest()


def test_the_headless_app_login_answers_a_session_token_that_issues_an_api_token(alice):
    response = APIClient().post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    session_token = response.json()["meta"]["session_token"]
    issued = APIClient().post("/api/v1/accounts/token", {"name": "cli", "scopes": ["vault:manage"]},
                              format="json", HTTP_X_SESSION_TOKEN=session_token)
    assert issued.status_code == 201, issued.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert client.get("/api/v1/accounts/tokens").status_code == 200


def test_login_is_rate_limited_per_account_whatever_the_address(client, alice, settings):
    settings.ACCOUNT_RATE_LIMITS = RATE_LIMITS
    for n in range(5):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{n}")
    # The sixth try, from yet another address and with the right password, is still refused.
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.99")
    assert response.status_code == 200 and b"Too many failed login attempts" in response.content
    assert not client.session.get("_auth_user_id")


def test_login_is_rate_limited_per_address_whatever_the_account(client, db, settings):
    settings.ACCOUNT_RATE_LIMITS = RATE_LIMITS
    for n in range(10):
        client.post("/accounts/login/", {"login": f"nobody{n}", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    response = client.post("/accounts/login/", {"login": "someone", "password": "wrong"}, REMOTE_ADDR="10.1.1.1")
    assert b"Too many failed login attempts" in response.content
    other = client.post("/accounts/login/", {"login": "someone", "password": "wrong"}, REMOTE_ADDR="10.1.1.2")
    assert b"Too many failed login attempts" not in other.content
