"""Hardening: rate limits, request size and depth limits, security headers (docs/security.md)."""

import json

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.conftest import PASSWORD
from tests.project.test_settings import PRODUCTION, _manage

# ---- rate limits ----

# Every Coffer endpoint that checks a password, a PIN or a recovery code, with its throttle
# scope. Sign-in and sign-up themselves are allauth's, under its own rate limits (below).
THROTTLED_API = [
    ("/api/v1/accounts/token", "token", False),
    ("/api/v1/vault/unlock", "unlock", True),
    ("/api/v1/vault/pin", "unlock", True),
    ("/api/v1/vault/recover", "unlock", True),
    ("/api/v1/vault/reauthorize", "login", True),
]
THROTTLED_PAGES = [
    ("/vault/unlock/", "unlock", True),
    ("/vault/recover/", "unlock", True),
    ("/vault/reauthorize/", "login", True),
]


@pytest.fixture
def two_per_minute(monkeypatch):
    """Every throttle scope at 2 requests a minute (tests otherwise run at 1000/min)."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min", "token": "2/min", "unlock": "2/min"})


@pytest.mark.parametrize(("path", "scope", "signed_in"), THROTTLED_API, ids=[p for p, _, _ in THROTTLED_API])
def test_the_api_endpoint_answers_429_past_its_rate(two_per_minute, alice, path, scope, signed_in):
    client = alice.client if signed_in else APIClient()
    statuses = [client.post(path, {}, format="json").status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429, statuses
    response = client.post(path, {}, format="json")
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(("path", "scope", "signed_in"), THROTTLED_PAGES, ids=[p for p, _, _ in THROTTLED_PAGES])
def test_the_page_answers_429_past_its_rate(two_per_minute, client, alice, path, scope, signed_in):
    alice.setup_vault()
    if signed_in:
        client.force_login(alice.user)
    form = {"username": "alice", "password": "not the password", "pin": "000000"}
    statuses = [client.post(path, form).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429, statuses
    assert int(client.post(path, form)["Retry-After"]) > 0


@pytest.mark.parametrize("door", ["web", "headless", "token"])
def test_every_password_door_shares_allauths_failed_login_counter(client, alice, settings, door):
    """Two wrong passwords through the token endpoint use up the account's allowance; the right
    password is then refused at every door: the sign-in page, allauth's headless API and the
    token endpoint alike (the admin has no door of its own: see the test below)."""
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "100/m/ip,2/5m/key"}
    for _ in range(2):
        APIClient().post("/api/v1/accounts/token", {"username": "alice", "password": "x", "name": "t", "scopes": ["vault:manage"]}, format="json")
    right = {"login": "alice", "username": "alice", "password": PASSWORD, "name": "t", "scopes": ["vault:manage"]}
    if door == "web":
        response = client.post("/accounts/login/", right)
        assert response.status_code == 200 and b"Too many failed login attempts" in response.content
    elif door == "headless":
        response = APIClient().post("/_allauth/app/v1/auth/login", right, format="json")
        assert response.status_code == 400 and "Too many failed login attempts" in response.content.decode()
    else:
        response = APIClient().post("/api/v1/accounts/token", right, format="json")
        assert response.status_code == 429 and response.json()["code"] == "too_many_attempts"
    assert "_auth_user_id" not in client.session


def test_the_admin_has_no_password_form_of_its_own(client, alice):
    for method in (client.get, client.post):
        response = method("/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), method
    assert "_auth_user_id" not in client.session


def test_a_made_up_forwarded_for_header_does_not_reset_the_rate(db, settings):
    # Without COFFER_TRUSTED_PROXIES nobody's X-Forwarded-For counts (tests/project/test_trusted_proxies.py).
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip"}
    statuses = [
        APIClient().post("/api/v1/accounts/token", {"username": f"nobody{n}", "password": "x", "name": "t", "scopes": ["vault:manage"]},
                         format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [401, 401, 429], statuses


def test_the_api_views_name_their_throttle_scopes():
    from django.urls import resolve

    for path, scope, _ in THROTTLED_API:
        view = resolve(path).func.cls
        assert ScopedRateThrottle in view.throttle_classes and view.throttle_scope == scope, path


# ---- request size and depth ----


def _post_raw(client, path, body: bytes, **extra):
    return client.generic("POST", path, body, content_type="application/json", **extra)


@pytest.mark.parametrize("path", ["/api/v1/accounts/token", "/_allauth/app/v1/auth/login", "/_allauth/browser/v1/auth/signup"])
def test_an_oversized_json_body_answers_413_in_json(db, path):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"username": "x" * limit, "password": "y"}).encode()
    response = _post_raw(APIClient(), path, body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "payload_too_large"
    assert str(limit) in response.json()["detail"]


def test_an_oversized_body_to_a_signed_in_endpoint_answers_413(alice):
    body = b'{"pin": "' + b"1" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    response = _post_raw(alice.client, "/api/v1/vault/unlock", body)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body(db):
    # The test client's payload refuses reads past what it holds: a read would fail loudly.
    response = _post_raw(APIClient(), "/api/v1/accounts/token", b"{}", CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert response.status_code == 413


def test_a_body_at_the_limit_is_parsed(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"username": "alice", "password": "p" * 900}).encode()
    body = body[:-2] + b" " * (1000 - len(body)) + body[-2:]
    assert len(body) == 1000
    response = _post_raw(APIClient(), "/api/v1/accounts/token", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 50_000, b"\xff\xfe{}", b"NaN", b'{"pin": Infinity}'],
                         ids=["deep-array", "deep-object", "not-utf8", "nan", "infinity"])
def test_a_malformed_json_body_answers_400_not_500(alice, body):
    response = _post_raw(alice.client, "/api/v1/vault/unlock", body)
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# ---- security headers ----


def test_api_answers_carry_the_security_headers(client):
    response = client.get("/api/v1/vault")
    assert response.status_code == 401
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_carry_the_security_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="coffer.example")
secure = client.get("/api/v1/vault", secure=True)
plain = client.get("/api/v1/vault")
print(json.dumps({
    "hsts_header": secure.headers.get("Strict-Transport-Security"),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "hsts_seconds": settings.SECURE_HSTS_SECONDS,
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csrf_cookie_secure": settings.CSRF_COOKIE_SECURE,
    "unlock_cookie_secure": settings.COFFER_UNLOCK_COOKIE_SECURE,
    "debug": settings.DEBUG,
    "rates": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
}))
"""


def test_production_sends_hsts_redirects_to_https_marks_cookies_secure_and_throttles(tmp_path):
    result = _manage("shell", "-c", PRODUCTION_PROBE, **PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["hsts_header"] == "max-age=31536000; includeSubDomains; preload"
    assert probe["hsts_seconds"] >= 31536000
    assert probe["plain_status"] == 301 and probe["plain_location"].startswith("https://coffer.example/")
    assert probe["session_cookie_secure"] and probe["session_cookie_httponly"]
    assert probe["csrf_cookie_secure"] and probe["unlock_cookie_secure"]
    assert probe["debug"] is False
    assert probe["rates"] == {"login": "20/min", "token": "20/min", "unlock": "30/min"}
