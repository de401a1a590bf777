"""GET /api/v1/records/{id}/"""

import uuid

from accounts.scopes import RECORDS_WRITE

from .conftest import record_url, events
from .samples import valid

MASKED = {
    "id_card": {"document_number": "•••• 29", "personal_number": "•••• 90"},
    "passport": {"number": "•••• 47", "mrz": "••••"},
    "driver_licence": {"number": "•••• 55"},
    "bank_card": {"number": "•••• 4242", "cvv": "••••"},
    "bank_account": {"iban": "•••• 3000"},
    "note": {"text": "••••"},
}


def test_it_shows_a_record_with_its_etag(unlocked_alice, alice_card):
    response = unlocked_alice.client.get(record_url(alice_card["id"]))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json() == alice_card


def test_every_kinds_secret_fields_are_masked_and_the_rest_shown(unlocked_alice, create_record):
    for kind, masked in MASKED.items():
        body = unlocked_alice.client.get(record_url(create_record(kind)["id"])).json()
        expected = {**valid(kind), **masked}
        if kind == "bank_card":
            expected["brand"] = "visa"
        assert body["data"] == expected, kind
        assert body["revealed"] is False


def test_an_account_number_is_masked_too(unlocked_alice, create_record):
    data = valid("bank_account", iban=None, account_number="31926819", routing_code="601613")
    body = unlocked_alice.client.get(record_url(create_record("bank_account", data=data)["id"])).json()
    assert body["data"]["account_number"] == "•••• 19" and body["data"]["routing_code"] == "601613"


def test_reading_masked_writes_no_reveal_event(unlocked_alice, alice_card):
    unlocked_alice.client.get(record_url(alice_card["id"]))
    unlocked_alice.client.get(record_url(alice_card["id"], "?reveal=false"))
    assert events("record.reveal") == []


def test_the_expired_flag_is_computed_on_read(unlocked_alice, create_record):
    data = valid("bank_card", expiry_month=3, expiry_year=2021)
    record = create_record("bank_card", data=data)
    assert unlocked_alice.client.get(record_url(record["id"])).json()["expired"] is True


def test_another_users_record_answers_404(unlocked_alice, unlocked_bob, alice_card):
    response = unlocked_bob.client.get(record_url(alice_card["id"]))
    assert response.status_code == 404 and response.json() == {"code": "not_found", "detail": "Not found."}


def test_a_user_without_a_vault_gets_423_not_the_record(charlie, alice_card):
    assert charlie.client.get(record_url(alice_card["id"])).status_code == 423


def test_missing_and_malformed_ids_answer_404(unlocked_alice):
    for record_id in (str(uuid.uuid4()), "not-a-uuid", "1", "%00"):
        response = unlocked_alice.client.get(record_url(record_id))
        assert response.status_code == 404 and response.json()["code"] == "not_found", record_id


def test_a_locked_vault_answers_423(unlocked_alice, alice_card):
    unlocked_alice.client.post("/api/v1/vault/lock")
    response = unlocked_alice.client.get(record_url(alice_card["id"]))
    assert response.status_code == 423 and "label" not in response.json()


def test_a_token_without_records_read_answers_403(unlocked_alice, alice_card):
    response = unlocked_alice.with_scopes(RECORDS_WRITE).get(record_url(alice_card["id"]))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_a_record_is_byte_for_byte_what_its_documented_serializer_writes(unlocked_alice, create_record):
    """Read, reveal and create render present_record's dict straight to JSON (docs/performance.md);
    the bytes must be exactly those of RecordOutput, the schema the API docs publish, for every kind."""
    from rest_framework.renderers import JSONRenderer

    from records.api.serializers import RecordOutput
    from records.presenting import present_record
    from records.selectors import record_read
    from records.schemas import KINDS
    from vault.services import vault_keys

    keys = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    for kind in KINDS:
        created = create_record(kind, label=f"my {kind}")
        opened = record_read(owner=unlocked_alice.user, keys=keys, record_id=created["id"])
        for reveal in (False, True):
            response = unlocked_alice.client.get(record_url(created["id"], "?reveal=true" if reveal else ""))
            expected = JSONRenderer().render(RecordOutput(present_record(opened, reveal=reveal)).data)
            assert response.content == expected, (kind, reveal)
            assert response["ETag"] == created["etag"]
        assert list(created) == list(RecordOutput._declared_fields)
