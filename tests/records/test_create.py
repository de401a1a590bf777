"""POST /api/v1/records/"""

import pytest
from rest_framework.test import APIClient

from accounts.scopes import RECORDS_READ, RECORDS_WRITE
from records.models import Record

from .conftest import RECORDS_URL, events
from .samples import KIND_NAMES, valid


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_it_creates_every_kind(unlocked_alice, kind):
    response = unlocked_alice.client.post(
        RECORDS_URL, {"kind": kind, "label": f"My {kind}", "data": valid(kind)}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["label"], body["schema_version"], body["revision"]) == (kind, f"My {kind}", 1, 1)
    assert response["ETag"] == body["etag"] == '"1"'
    assert body["expired"] is False and body["revealed"] is False
    assert Record.objects.get(pk=body["id"]).owner == unlocked_alice.user


def test_it_answers_with_secret_fields_masked(unlocked_alice):
    response = unlocked_alice.client.post(
        RECORDS_URL, {"kind": "bank_card", "label": "Visa", "data": valid("bank_card")}, format="json"
    )
    assert response.json()["data"] == {
        "holder": "Alice Example",
        "number": "•••• 4242",
        "expiry_month": 12,
        "expiry_year": 2040,
        "cvv": "••••",
        "brand": "visa",
    }


def test_the_label_is_optional(unlocked_alice):
    response = unlocked_alice.client.post(RECORDS_URL, {"kind": "note", "data": valid("note")}, format="json")
    assert response.status_code == 201 and response.json()["label"] == ""


def test_it_flags_an_expired_document_but_keeps_it(unlocked_alice):
    data = valid("id_card", date_of_issue="2001-01-01", date_of_expiry="2011-01-01")
    response = unlocked_alice.client.post(RECORDS_URL, {"kind": "id_card", "data": data}, format="json")
    assert response.status_code == 201 and response.json()["expired"] is True


def test_invalid_data_answers_400_naming_the_field_under_data(unlocked_alice):
    data = valid("bank_card", number="4242 4242 4242 4241", expiry_month="12", colour="blue")
    response = unlocked_alice.client.post(RECORDS_URL, {"kind": "bank_card", "data": data}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "The request is not valid.",
        "fields": {
            "data": {
                "colour": ["Unknown field."],
                "number": ["This card number is not valid (Luhn check failed)."],
                "expiry_month": ["Must be an integer."],
            }
        },
    }
    assert not Record.objects.exists()


def test_a_bad_mrz_answers_400_under_data_mrz(unlocked_alice):
    data = valid("passport", surname="Musterfrau")
    response = unlocked_alice.client.post(RECORDS_URL, {"kind": "passport", "data": data}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"data": {"mrz": ["The MRZ does not agree with the surname."]}}


def test_unknown_kinds_top_level_fields_and_wrong_types_are_named(unlocked_alice):
    client = unlocked_alice.client
    response = client.post(RECORDS_URL, {"kind": "diary", "data": {}}, format="json")
    assert set(response.json()["fields"]) == {"kind"}
    response = client.post(RECORDS_URL, {"kind": "note", "data": valid("note"), "owner": 2}, format="json")
    assert response.json()["fields"] == {"owner": ["Unknown field."]}
    response = client.post(RECORDS_URL, {"kind": "note", "data": valid("note"), "label": 7}, format="json")
    assert response.json()["fields"] == {"label": ["Must be a string."]}
    response = client.post(RECORDS_URL, {"kind": "note", "data": "title=x"}, format="json")
    assert set(response.json()["fields"]) == {"data"}
    assert response.status_code == 400 and not Record.objects.exists()


def test_malformed_json_and_duplicate_keys_answer_400(unlocked_alice):
    client = unlocked_alice.client
    for body in (b'{"kind": "note",', b'{"kind": "note", "kind": "note", "data": {}}', b'{"kind": NaN}'):
        response = client.post(RECORDS_URL, body, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "parse_error", body


def test_a_body_that_is_not_json_answers_415(unlocked_alice):
    response = unlocked_alice.client.post(RECORDS_URL, "kind=note", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_it_audits_the_creation_without_values(unlocked_alice):
    body = unlocked_alice.client.post(
        RECORDS_URL, {"kind": "bank_card", "label": "Visa", "data": valid("bank_card")}, format="json"
    ).json()
    [event] = events("record.create")
    assert (event.target_kind, event.target_id, event.details) == ("record", body["id"], {"kind": "bank_card"})
    assert event.actor == unlocked_alice.user and event.subject_user_id == unlocked_alice.user.pk


def test_a_locked_vault_answers_423(alice):
    alice.setup_vault()
    response = alice.client.post(RECORDS_URL, {"kind": "note", "data": valid("note")}, format="json")
    assert response.status_code == 423 and response.json()["code"] == "vault_locked"
    assert not Record.objects.exists()


def test_a_token_without_records_write_answers_403(unlocked_alice):
    client = unlocked_alice.with_scopes(RECORDS_READ)
    response = client.post(RECORDS_URL, {"kind": "note", "data": valid("note")}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert not Record.objects.exists()


def test_a_token_with_records_write_may_create(unlocked_alice):
    client = unlocked_alice.with_scopes(RECORDS_WRITE)
    response = client.post(RECORDS_URL, {"kind": "note", "data": valid("note")}, format="json")
    assert response.status_code == 201


def test_anonymous_requests_answer_401(db):
    response = APIClient().post(RECORDS_URL, {"kind": "note", "data": valid("note")}, format="json")
    assert response.status_code == 401
