"""GET /api/v1/records/?q=: decrypt-and-match in memory, owner's records only."""

from audit.models import AuditEvent

from .conftest import RECORDS_URL
from .samples import valid


def _found(person, q: str, **params) -> list[str]:
    response = person.client.get(RECORDS_URL, {"q": q, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return [item["id"] for item in body["results"]]


def test_it_finds_records_by_label_case_insensitively(create_record, unlocked_alice):
    trip = create_record("note", label="Trip to Lisbon")
    create_record("note", label="Wi-Fi")
    assert _found(unlocked_alice, "lisbon") == [trip["id"]]


def test_it_finds_a_passport_by_its_document_number_even_typed_with_spaces(create_record, unlocked_alice):
    passport = create_record("passport", label="Mine")
    create_record("id_card", label="Mine too")
    assert _found(unlocked_alice, "C01X00T47") == [passport["id"]]
    assert _found(unlocked_alice, "c01x 00t47") == [passport["id"]]


def test_it_finds_documents_by_issuing_country_and_expiry_year(create_record, unlocked_alice):
    german = create_record("passport")
    french = create_record("id_card", data={**valid("id_card"), "issuing_country": "FRA"})
    create_record("note", label="Nothing to see")
    assert _found(unlocked_alice, "fra") == [french["id"]]
    assert _found(unlocked_alice, "deu 2034") == [german["id"]]
    assert _found(unlocked_alice, "2041 mustermann") == [french["id"]]
    assert set(_found(unlocked_alice, "mustermann")) == {german["id"], french["id"]}


def test_it_finds_by_kind_and_combines_with_the_kind_filter(create_record, unlocked_alice):
    card = create_record("bank_card", label="Visa")
    create_record("passport", label="Visa stamps")
    assert _found(unlocked_alice, "bank card") == [card["id"]]
    assert _found(unlocked_alice, "visa", kind="bank_card") == [card["id"]]


def test_it_never_matches_a_fully_secret_field(create_record, unlocked_alice):
    create_record("note", label="Diary", data={"title": "Diary", "text": "the zebra password"})
    create_record("bank_card", data={**valid("bank_card"), "cvv": "987"})
    assert _found(unlocked_alice, "zebra") == []
    assert _found(unlocked_alice, "987") == []


def test_another_users_records_never_show_in_results(create_record, unlocked_alice, unlocked_bob):
    create_record("passport", label="Bob's passport", person=unlocked_bob)
    mine = create_record("note", label="Alice's passport list")
    assert _found(unlocked_alice, "passport") == [mine["id"]]
    assert _found(unlocked_bob, "alice") == []


def test_a_blank_query_lists_everything_as_before(create_record, unlocked_alice):
    ids = [create_record("note", label=f"note {i}")["id"] for i in range(2)]
    assert _found(unlocked_alice, "  ") == ids[::-1]


def test_results_are_paginated_newest_first(create_record, unlocked_alice):
    ids = [create_record("note", label=f"receipt {i}")["id"] for i in range(3)]
    body = unlocked_alice.client.get(RECORDS_URL, {"q": "receipt", "limit": 2}).json()
    assert body["count"] == 3 and [item["id"] for item in body["results"]] == ids[::-1][:2]
    assert "offset=2" in body["next"]


def test_a_locked_vault_answers_423(unlocked_alice, create_record):
    create_record("note", label="Lisbon")
    unlocked_alice.client.post("/api/v1/vault/lock")
    response = unlocked_alice.client.get(RECORDS_URL, {"q": "lisbon"})
    assert response.status_code == 423 and response.json()["code"] == "vault_locked"


def test_a_too_long_query_answers_400_invalid_naming_q(unlocked_alice):
    response = unlocked_alice.client.get(RECORDS_URL, {"q": "x" * 101})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and set(response.json()["fields"]) == {"q"}


def test_a_search_writes_no_audit_event_that_holds_the_query(create_record, unlocked_alice):
    create_record("note", label="Lisbon")
    before = AuditEvent.objects.count()
    _found(unlocked_alice, "lisbon")
    assert AuditEvent.objects.count() == before
