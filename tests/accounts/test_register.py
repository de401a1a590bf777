import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from accounts.services import REGISTER_RECEIVED
from audit.models import AuditEvent

URL = "/api/v1/accounts/register"


def test_it_registers_a_user_with_an_argon2_password_hash(db, mailoutbox):
    response = APIClient().post(URL, {"username": "dora", "email": "dora@example.com", "password": "a long enough passphrase"}, format="json")
    assert response.status_code == 202
    assert response.json() == {"detail": REGISTER_RECEIVED}
    user = get_user_model().objects.get(username="dora")
    assert user.password.startswith("argon2$argon2id$")
    assert AuditEvent.objects.filter(action="account.register", outcome="success", actor=user).exists()
    assert [m.to for m in mailoutbox] == [["dora@example.com"]]


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


def _register(username, email):
    return APIClient().post(URL, {"username": username, "email": email, "password": "a long enough passphrase"},
                            format="json")


@pytest.mark.parametrize(("username", "email"), [
    ("alice", "x@example.com"), ("ALICE", "x@example.com"), ("newname", "ALICE@example.com"), ("alice", "alice@example.com"),
], ids=["same-name", "name-in-other-case", "address-in-other-case", "both"])
def test_a_taken_name_or_address_answers_exactly_like_a_free_one(alice, mailoutbox, username, email):
    free = _register("dora", "dora@example.com")
    taken = _register(username, email)
    assert (taken.status_code, taken.json()) == (free.status_code, free.json()) == (202, {"detail": REGISTER_RECEIVED})
    assert set(taken.headers) == set(free.headers)
    assert get_user_model().objects.filter(username__iexact="alice").count() == 1
    assert len(mailoutbox) == 2  # one note each way: sending is no tell either


def test_the_owner_of_a_taken_address_is_told_by_email(alice, mailoutbox):
    _register("newname", "Alice@Example.com")
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert "already has one" in mailoutbox[0].body


def test_a_taken_name_is_told_to_the_address_given(alice, mailoutbox):
    _register("Alice", "someone@example.com")
    assert [m.to for m in mailoutbox] == [["someone@example.com"]]
    assert "username chosen is taken" in mailoutbox[0].body
    event = AuditEvent.objects.get(action="account.register", outcome="failure")
    assert event.details == {"reason": "taken"}


def test_the_database_refuses_names_and_addresses_that_differ_only_in_case(alice):
    User = get_user_model()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ALICE", email="other@example.com", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="other", email="ALICE@EXAMPLE.COM", password="x")
    User.objects.create_user(username="blank1", email="", password="x")
    User.objects.create_user(username="blank2", email="", password="x")  # blank addresses may repeat


def test_it_answers_json_to_a_body_that_is_not_json(db):
    response = APIClient().post(URL, data=b"\xff\xfe{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_it_answers_415_to_a_form_body(db):
    response = APIClient().post(URL, {"username": "x"})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
