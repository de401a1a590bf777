"""GET /api/v1/records/{id}/?reveal=true"""

from accounts.scopes import RECORDS_READ, RECORDS_WRITE

from .conftest import events, record_url
from .samples import KIND_NAMES, valid


def test_reveal_shows_every_kinds_secret_fields(unlocked_alice, create_record):
    for kind in KIND_NAMES:
        record = create_record(kind)
        body = unlocked_alice.client.get(record_url(record["id"], "?reveal=true")).json()
        assert body["revealed"] is True
        stored = {key: value for key, value in body["data"].items() if key != "brand"}
        expected = valid(kind)
        if kind == "bank_card":
            expected["number"] = "4242424242424242"
        if kind == "bank_account":
            expected["iban"] = "DE89370400440532013000"
        assert stored == expected, kind


def test_each_reveal_is_audited_with_the_record_and_kind_only(unlocked_alice, alice_card):
    unlocked_alice.client.get(record_url(alice_card["id"], "?reveal=true"))
    unlocked_alice.client.get(record_url(alice_card["id"], "?reveal=true"))
    reveals = events("record.reveal")
    assert len(reveals) == 2
    for event in reveals:
        assert (event.target_kind, event.target_id, event.outcome) == ("record", alice_card["id"], "success")
        assert event.details == {"kind": "bank_card"}
        assert event.actor == unlocked_alice.user


def test_another_user_cannot_reveal_and_nothing_is_audited(unlocked_bob, alice_card):
    response = unlocked_bob.client.get(record_url(alice_card["id"], "?reveal=true"))
    assert response.status_code == 404
    assert events("record.reveal") == []


def test_a_reveal_needs_records_read(unlocked_alice, alice_card):
    url = record_url(alice_card["id"], "?reveal=true")
    assert unlocked_alice.with_scopes(RECORDS_WRITE).get(url).status_code == 403
    response = unlocked_alice.with_scopes(RECORDS_READ).get(url)
    assert response.status_code == 200 and response.json()["data"]["cvv"] == "123"


def test_a_locked_vault_reveals_nothing(unlocked_alice, alice_card):
    unlocked_alice.client.post("/api/v1/vault/lock")
    assert unlocked_alice.client.get(record_url(alice_card["id"], "?reveal=true")).status_code == 423
    assert events("record.reveal") == []


def test_a_nonsense_reveal_value_answers_400(unlocked_alice, alice_card):
    response = unlocked_alice.client.get(record_url(alice_card["id"], "?reveal=please"))
    assert response.status_code == 400 and set(response.json()["fields"]) == {"reveal"}
