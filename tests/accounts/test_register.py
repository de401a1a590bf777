from audit.models import AuditEvent
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

URL = "/api/v1/accounts/register"


def test_it_registers_a_user_with_an_argon2_password_hash(db):
    response = APIClient().post(URL, {"username": "dora", "email": "dora@example.com", "password": "a long enough passphrase"}, format="json")
    assert response.status_code == 201
    assert response.json()["username"] == "dora"
    user = get_user_model().objects.get(username="dora")
    assert user.password.startswith("argon2$argon2id$")
    assert AuditEvent.objects.filter(action="account.register", outcome="success", actor=user).exists()


def test_it_names_the_field_of_bad_input(db):
    response = APIClient().post(URL, {"username": "dora", "email": "not-an-email", "password": "a long enough passphrase"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "email" in body["fields"]


def test_it_rejects_a_weak_password_on_the_password_field(db):
    response = APIClient().post(URL, {"username": "dora", "email": "d@example.com", "password": "password"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "weak_password"
    assert "password" in response.json()["fields"]


def test_a_taken_username_answers_409(alice):
    response = APIClient().post(URL, {"username": "alice", "email": "x@example.com", "password": "a long enough passphrase"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"


def test_it_answers_json_to_a_body_that_is_not_json(db):
    response = APIClient().post(URL, data=b"\xff\xfe{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_it_answers_415_to_a_form_body(db):
    response = APIClient().post(URL, {"username": "x"})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
