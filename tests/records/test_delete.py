"""DELETE /api/v1/records/{id}/"""

from accounts.scopes import RECORDS_READ
from records.models import Record

from .conftest import events, record_url


def test_it_deletes_the_record(unlocked_alice, alice_card):
    response = unlocked_alice.client.delete(record_url(alice_card["id"]))
    assert response.status_code == 204
    assert not Record.objects.filter(pk=alice_card["id"]).exists()
    assert unlocked_alice.client.get(record_url(alice_card["id"])).status_code == 404


def test_it_audits_the_deletion(unlocked_alice, alice_card):
    unlocked_alice.client.delete(record_url(alice_card["id"]))
    [event] = events("record.delete")
    assert (event.target_id, event.details) == (alice_card["id"], {"kind": "bank_card"})


def test_a_current_if_match_is_honoured_and_a_stale_one_answers_412(unlocked_alice, alice_card):
    response = unlocked_alice.client.delete(record_url(alice_card["id"]), HTTP_IF_MATCH='"2"')
    assert response.status_code == 412 and response["ETag"] == '"1"'
    assert Record.objects.filter(pk=alice_card["id"]).exists()
    assert unlocked_alice.client.delete(record_url(alice_card["id"]), HTTP_IF_MATCH='"1"').status_code == 204


def test_another_users_record_answers_404_and_survives(unlocked_bob, alice_card):
    assert unlocked_bob.client.delete(record_url(alice_card["id"])).status_code == 404
    assert Record.objects.filter(pk=alice_card["id"]).exists()
    assert events("record.delete") == []


def test_a_malformed_id_answers_404(unlocked_alice):
    assert unlocked_alice.client.delete(record_url("../vault")).status_code == 404


def test_a_locked_vault_answers_423(unlocked_alice, alice_card):
    unlocked_alice.client.post("/api/v1/vault/lock")
    assert unlocked_alice.client.delete(record_url(alice_card["id"])).status_code == 423
    assert Record.objects.filter(pk=alice_card["id"]).exists()


def test_a_token_without_records_write_answers_403(unlocked_alice, alice_card):
    response = unlocked_alice.with_scopes(RECORDS_READ).delete(record_url(alice_card["id"]))
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert Record.objects.filter(pk=alice_card["id"]).exists()
