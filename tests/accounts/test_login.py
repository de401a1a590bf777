from rest_framework.test import APIClient

from audit.models import AuditEvent
from tests.conftest import PASSWORD


def test_api_login_starts_a_session_and_audits_it(alice):
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/api/v1/accounts/login", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert client.get("/api/v1/vault").status_code == 200
    assert AuditEvent.objects.filter(action="account.login", outcome="success", actor=alice.user).exists()


def test_api_login_with_a_wrong_password_answers_401_and_audits_it(alice):
    response = APIClient().post("/api/v1/accounts/login", {"username": "alice", "password": "nope nope nope"}, format="json")
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="account.login", outcome="failure", subject_user_id=alice.user.pk).exists()


def test_the_login_page_renders_and_logs_in(client, alice):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="password"' in page.content
    assert page["Content-Security-Policy"].startswith("default-src 'self'")
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/", follow=True).status_code == 200  # / leads a new user on to set a PIN


def test_the_login_page_shows_an_error_for_a_wrong_password(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong wrong"})
    assert response.status_code == 400
    assert b"Wrong username or password." in response.content


def test_the_signup_page_creates_an_account(client, db):
    response = client.post("/accounts/signup/", {"username": "erin", "email": "erin@example.com", "password": "a long enough passphrase"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="account.register", actor_label="erin").exists()
