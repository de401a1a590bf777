import hashlib
import json
import re

from rest_framework.test import APIClient

from accounts.services import REGISTER_RECEIVED
from audit.models import AuditEvent
from audit.typed_names import typed_username_hash
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
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert AuditEvent.objects.filter(action="account.register", actor_label="erin").exists()


def test_the_signup_page_answers_a_taken_name_as_it_answers_a_free_one(client, alice):
    form = {"email": "x@example.com", "password": "a long enough passphrase"}
    free = client.post("/accounts/signup/", {**form, "username": "erin"}, follow=True)
    taken = client.post("/accounts/signup/", {**form, "username": "Alice", "email": "y@example.com"}, follow=True)
    assert free.redirect_chain == taken.redirect_chain == [("/accounts/login/", 302)]
    assert free.content.replace(b"erin", b"").count(REGISTER_RECEIVED.encode()) == 1
    assert _without_csrf(free.content) == _without_csrf(taken.content)


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'(name="csrfmiddlewaretoken" value|name="csrf-token" content)="[^"]*"', b"", html)


def test_a_failed_login_keeps_a_keyed_hash_of_the_typed_name_never_the_text(alice):
    typed = "hunter2-my-password"
    response = APIClient().post("/api/v1/accounts/login", {"username": typed, "password": "wrong"}, format="json")
    assert response.status_code == 401
    event = AuditEvent.objects.get(action="account.login", outcome="failure")
    assert event.details == {"username_hmac": typed_username_hash(typed)}
    assert typed not in json.dumps(event.details) and typed not in event.actor_label
    assert typed_username_hash(typed) != typed_username_hash("hunter2-my-passwore")


def test_the_typed_name_hash_is_keyed_by_the_secret_key(settings):
    before = typed_username_hash("alice")
    assert before == typed_username_hash("ALICE")  # one account, one hash
    settings.SECRET_KEY = "another-secret-key-" + "k" * 40
    assert typed_username_hash("alice") != before
    assert before != hashlib.sha256(b"alice").hexdigest()


def test_a_failed_login_for_a_known_name_still_names_its_subject(alice):
    APIClient().post("/api/v1/accounts/login", {"username": "ALICE", "password": "wrong"}, format="json")
    event = AuditEvent.objects.get(action="account.login", outcome="failure")
    assert event.subject_user_id == alice.user.pk
