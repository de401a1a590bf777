"""PATCH /api/v1/records/{id}/"""

import threading

import pytest
from django.db import connection

from accounts.scopes import RECORDS_READ
from records import services
from records.errors import PreconditionFailed
from records.models import Record
from vault.services import vault_keys

from .conftest import events, record_url
from .samples import td3


def patch(person, record, body, *, if_match='"1"', client=None):
    headers = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return (client or person.client).patch(record_url(record["id"]), body, format="json", **headers)


def reveal(person, record) -> dict:
    return person.client.get(record_url(record["id"], "?reveal=true")).json()


def test_it_changes_the_label_and_bumps_the_etag(unlocked_alice, alice_card):
    response = patch(unlocked_alice, alice_card, {"label": "Old Visa"})
    assert response.status_code == 200
    assert response["ETag"] == '"2"' and response.json()["revision"] == 2
    assert response.json()["label"] == "Old Visa"
    assert reveal(unlocked_alice, alice_card)["data"]["number"] == "4242424242424242"


def test_it_merges_data_field_by_field(unlocked_alice, alice_card):
    response = patch(unlocked_alice, alice_card, {"data": {"expiry_year": 2041, "holder": "A. Example"}})
    assert response.status_code == 200
    data = reveal(unlocked_alice, alice_card)["data"]
    assert (data["expiry_year"], data["holder"], data["cvv"]) == (2041, "A. Example", "123")
    assert response.json()["label"] == "Everyday Visa"


def test_null_removes_an_optional_field(unlocked_alice, alice_card):
    assert patch(unlocked_alice, alice_card, {"data": {"cvv": None}}).status_code == 200
    assert "cvv" not in reveal(unlocked_alice, alice_card)["data"]


def test_null_on_a_required_field_answers_400(unlocked_alice, alice_card):
    response = patch(unlocked_alice, alice_card, {"data": {"number": None}})
    assert response.status_code == 400
    assert response.json()["fields"] == {"data": {"number": ["This field is required."]}}


def test_the_merged_result_is_validated_as_a_whole(unlocked_alice, create_record):
    passport = create_record("passport")
    response = patch(unlocked_alice, passport, {"data": {"surname": "Musterfrau"}})
    assert response.status_code == 400
    assert response.json()["fields"] == {"data": {"mrz": ["The MRZ does not agree with the surname."]}}
    zone = td3(surname="Musterfrau")
    response = patch(unlocked_alice, passport, {"data": {"surname": "Musterfrau", "mrz": zone}})
    assert response.status_code == 200 and response.json()["data"]["surname"] == "Musterfrau"


def test_bad_data_answers_400_and_changes_nothing(unlocked_alice, alice_card):
    response = patch(unlocked_alice, alice_card, {"data": {"number": "4242 4242 4242 4241", "pin": "1234"}})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "data": {"number": ["This card number is not valid (Luhn check failed)."], "pin": ["Unknown field."]}
    }
    assert Record.objects.get(pk=alice_card["id"]).revision == 1


def test_the_kind_cannot_change_and_an_empty_patch_is_refused(unlocked_alice, alice_card):
    response = patch(unlocked_alice, alice_card, {"kind": "note"})
    assert response.json()["fields"] == {"kind": ["The kind of a record cannot change."]}
    response = patch(unlocked_alice, alice_card, {})
    assert response.status_code == 400 and "non_field_errors" in response.json()["fields"]


def test_a_stale_if_match_answers_412_with_the_current_etag(unlocked_alice, alice_card):
    assert patch(unlocked_alice, alice_card, {"label": "first"}).status_code == 200
    response = patch(unlocked_alice, alice_card, {"label": "second"}, if_match='"1"')
    assert response.status_code == 412
    assert response.json()["code"] == "precondition_failed" and response["ETag"] == '"2"'
    assert reveal(unlocked_alice, alice_card)["label"] == "first"


def test_weak_and_foreign_etags_never_match(unlocked_alice, alice_card):
    for if_match in ('W/"1"', "1", '"abc"', '"2"'):
        assert patch(unlocked_alice, alice_card, {"label": "x"}, if_match=if_match).status_code == 412, if_match


def test_a_list_of_etags_matches_if_any_is_current(unlocked_alice, alice_card):
    assert patch(unlocked_alice, alice_card, {"label": "x"}, if_match='"7", "1"').status_code == 200


def test_a_missing_or_wildcard_if_match_answers_428(unlocked_alice, alice_card):
    for if_match in (None, "*"):
        response = patch(unlocked_alice, alice_card, {"label": "x"}, if_match=if_match)
        assert response.status_code == 428 and response.json()["code"] == "precondition_required"
    assert Record.objects.get(pk=alice_card["id"]).revision == 1


def test_a_change_that_outgrows_the_limit_answers_413(unlocked_alice, create_record, settings):
    note = create_record("note")
    settings.COFFER_RECORD_MAX_BYTES = 300
    response = patch(unlocked_alice, note, {"data": {"text": "x" * 200}, "label": "y" * 100})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"


def test_it_audits_the_update_without_values(unlocked_alice, alice_card):
    patch(unlocked_alice, alice_card, {"label": "Old Visa"})
    [event] = events("record.update")
    assert (event.target_id, event.details) == (alice_card["id"], {"kind": "bank_card"})


def test_another_users_record_answers_404_and_stays_unchanged(unlocked_bob, unlocked_alice, alice_card):
    response = patch(unlocked_bob, alice_card, {"label": "mine now"})
    assert response.status_code == 404
    assert reveal(unlocked_alice, alice_card)["label"] == "Everyday Visa"


def test_a_locked_vault_answers_423(unlocked_alice, alice_card):
    unlocked_alice.client.post("/api/v1/vault/lock")
    assert patch(unlocked_alice, alice_card, {"label": "x"}).status_code == 423


def test_a_token_without_records_write_answers_403(unlocked_alice, alice_card):
    client = unlocked_alice.with_scopes(RECORDS_READ)
    response = patch(unlocked_alice, alice_card, {"label": "x"}, client=client)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_from_the_same_etag_never_both_succeed(unlocked_alice, alice_card):
    keys = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def update(label: str) -> None:
        try:
            start.wait()
            services.record_update(
                owner=unlocked_alice.user, keys=keys, record_id=alice_card["id"],
                expected_revisions=frozenset({1}), label=label,
            )
            outcomes.append("updated")
        except PreconditionFailed:
            outcomes.append("precondition_failed")
        finally:
            connection.close()

    threads = [threading.Thread(target=update, args=(label,)) for label in ("from phone", "from laptop")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["precondition_failed", "updated"]
    assert Record.objects.get(pk=alice_card["id"]).revision == 2
