"""Sign-up through allauth, on the web page and through the headless API (docs/accounts.md)."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from audit.models import AuditEvent

SIGNUP = "/_allauth/browser/v1/auth/signup"
PASSPHRASE = "a long enough passphrase"


def _signup(client, email, password=PASSPHRASE):
    return client.post(SIGNUP, {"email": email, "password": password}, format="json")


def test_the_api_signs_up_with_an_argon2_password_and_a_username_made_from_the_address(db, mailoutbox):
    response = _signup(APIClient(), "Dora.Explorer@Example.com")
    assert response.status_code == 200, response.content
    user = get_user_model().objects.get(email__iexact="dora.explorer@example.com")
    assert user.password.startswith("argon2$argon2id$")
    assert user.username == user.username.lower() and user.username.startswith("dora")
    assert AuditEvent.objects.filter(action="account.register", outcome="success", actor=user).exists()
    assert [m.to for m in mailoutbox] == [["dora.explorer@example.com"]]  # the verification link
    assert re.search(r"/accounts/confirm-email/\S+/", mailoutbox[0].body)


def test_a_weak_password_is_refused_on_the_password_field(db):
    response = _signup(APIClient(), "dora@example.com", password="password")
    assert response.status_code == 400
    assert {error["param"] for error in response.json()["errors"]} == {"password"}
    assert not get_user_model().objects.filter(email="dora@example.com").exists()


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.COM"], ids=["same", "other-case"])
def test_in_production_a_taken_address_answers_exactly_like_a_free_one(alice, settings, mailoutbox, email):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    free = _signup(APIClient(), "dora@example.com")
    taken = _signup(APIClient(), email)
    assert free.status_code == taken.status_code == 401  # signed up; the address is still to verify
    assert _flows(free) == _flows(taken) == ["verify_email"]
    assert get_user_model().objects.filter(email__iexact="alice@example.com").count() == 1
    assert [m.to for m in mailoutbox] == [["dora@example.com"], [email.lower()]]  # one mail each way: no tell
    assert "already" in mailoutbox[1].body and "confirm-email" not in mailoutbox[1].body


def _flows(response) -> list[str]:
    return [flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending")]


def test_the_web_sign_up_page_answers_a_taken_address_like_a_free_one(client, alice, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    form = {"password1": PASSPHRASE, "password2": PASSPHRASE}
    free = client.post("/accounts/signup/", {**form, "email": "dora@example.com"})
    taken = client.post("/accounts/signup/", {**form, "email": "Alice@example.com"})
    assert free.status_code == taken.status_code == 302
    assert free["Location"] == taken["Location"] == "/accounts/confirm-email/"
    assert len(mailoutbox) == 2


def test_the_database_refuses_names_and_addresses_that_differ_only_in_case(alice):
    User = get_user_model()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="ALICE", email="other@example.com", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="other", email="ALICE@EXAMPLE.COM", password="x")
    User.objects.create_user(username="blank1", email="", password="x")
    User.objects.create_user(username="blank2", email="", password="x")  # blank addresses may repeat


def test_verifying_the_address_from_the_mail_lets_the_account_in(client, db, settings, mailoutbox):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    client.post("/accounts/signup/", {"email": "dora@example.com", "password1": PASSPHRASE, "password2": PASSPHRASE})
    user = get_user_model().objects.get(email="dora@example.com")
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mailoutbox[0].body).group(1)
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.post("/api/v1/vault/setup", {"pin": "482915"}, content_type="application/json").status_code == 201
