"""GET /api/v1/records/"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.scopes import RECORDS_READ, RECORDS_WRITE
from records.models import Record

from .conftest import RECORDS_URL, events
from .samples import valid


def test_it_lists_the_owners_records_newest_first_and_masked(create_record, unlocked_alice):
    card = create_record("bank_card", label="Visa")
    note = create_record("note", label="Wi-Fi")
    response = unlocked_alice.client.get(RECORDS_URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [item["id"] for item in body["results"]] == [note["id"], card["id"]]
    listed_card = body["results"][1]
    assert listed_card["label"] == "Visa"
    assert listed_card["data"]["number"] == "•••• 4242" and listed_card["data"]["cvv"] == "••••"
    assert listed_card["etag"] == '"1"' and listed_card["integrity_error"] is False
    assert set(listed_card) >= {"id", "kind", "schema_version", "label", "data", "expired", "created_at",
                                "updated_at", "etag", "revision"}


def test_it_filters_by_kind(create_record, unlocked_alice):
    create_record("bank_card")
    passport = create_record("passport")
    body = unlocked_alice.client.get(RECORDS_URL, {"kind": "passport"}).json()
    assert [item["id"] for item in body["results"]] == [passport["id"]]


def test_an_unknown_kind_filter_answers_400(unlocked_alice):
    response = unlocked_alice.client.get(RECORDS_URL, {"kind": "diary"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"kind"}


def test_it_paginates_with_limit_and_offset(create_record, unlocked_alice):
    ids = [create_record("note", label=f"note {i}")["id"] for i in range(3)]
    body = unlocked_alice.client.get(RECORDS_URL, {"limit": 2}).json()
    assert body["count"] == 3 and [item["id"] for item in body["results"]] == ids[::-1][:2]
    assert "offset=2" in body["next"]
    body = unlocked_alice.client.get(RECORDS_URL, {"limit": 2, "offset": 2}).json()
    assert [item["id"] for item in body["results"]] == [ids[0]] and body["next"] is None


def test_later_pages_read_ids_first_and_keep_the_order_ties_included(create_record, unlocked_alice):
    ids = [create_record("note" if i % 3 else "bank_card", label=f"item {i}")["id"] for i in range(8)]
    # Ties on created_at are ordered by id: pages must agree on it too.
    Record.objects.filter(pk__in=ids[2:6]).update(created_at=Record.objects.get(pk=ids[2]).created_at)
    for kind in (None, "note"):
        query = {"kind": kind} if kind else {}
        whole = [item["id"] for item in unlocked_alice.client.get(RECORDS_URL, {**query, "limit": 50}).json()["results"]]
        paged = []
        for offset in range(0, len(whole), 3):
            with CaptureQueriesContext(connection) as queries:
                body = unlocked_alice.client.get(RECORDS_URL, {**query, "limit": 3, "offset": offset}).json()
            assert body["count"] == len(whole)
            paged += [item["id"] for item in body["results"]]
            id_only = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "records_record"."id" AS "pk"')]
            assert len(id_only) == (1 if offset else 0)
        assert paged == whole and len(whole) == (8 if kind is None else 5)


def test_it_never_lists_another_users_records(create_record, unlocked_alice, unlocked_bob):
    create_record("note", person=unlocked_bob)
    assert unlocked_alice.client.get(RECORDS_URL).json()["count"] == 0


def test_reveal_is_refused_on_the_list(create_record, unlocked_alice):
    create_record("bank_card")
    response = unlocked_alice.client.get(RECORDS_URL, {"reveal": "true"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"reveal"}
    assert events("record.reveal") == []


def test_a_damaged_record_is_flagged_and_audited_without_hiding_the_others(create_record, unlocked_alice):
    good = create_record("note", label="fine")
    bad = create_record("note", label="damaged")
    row = Record.objects.get(pk=bad["id"])
    row.ciphertext = bytes(row.ciphertext[:-1]) + bytes([row.ciphertext[-1] ^ 1])
    row.save()
    items = {item["id"]: item for item in unlocked_alice.client.get(RECORDS_URL).json()["results"]}
    assert items[good["id"]]["label"] == "fine" and items[good["id"]]["integrity_error"] is False
    assert items[bad["id"]]["integrity_error"] is True
    assert (items[bad["id"]]["label"], items[bad["id"]]["data"], items[bad["id"]]["expired"]) == (None, None, None)
    [event] = events("record.integrity_failure")
    assert event.target_id == bad["id"] and event.outcome == "failure" and event.details["operation"] == "list"


def test_a_locked_vault_answers_423(alice):
    alice.setup_vault()
    assert alice.client.get(RECORDS_URL).status_code == 423


def test_a_token_without_records_read_answers_403(unlocked_alice, create_record):
    create_record("note")
    response = unlocked_alice.with_scopes(RECORDS_WRITE).get(RECORDS_URL)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert "results" not in response.json()


def test_a_token_with_records_read_may_list(unlocked_alice, create_record):
    create_record("note")
    assert unlocked_alice.with_scopes(RECORDS_READ).get(RECORDS_URL).json()["count"] == 1


def test_creating_through_the_list_url_and_listing_agree(unlocked_alice):
    unlocked_alice.client.post(RECORDS_URL, {"kind": "note", "label": "x", "data": valid("note")}, format="json")
    assert unlocked_alice.client.get(RECORDS_URL).json()["results"][0]["data"] == {"title": "Wi-Fi", "text": "••••"}


def test_the_list_is_exactly_what_its_documented_serializer_writes(create_record, unlocked_alice):
    """The list renders present_record's dicts straight to JSON (docs/performance.md); they must
    say exactly what RecordListItemOutput, the schema the API docs publish, would say, for every
    kind and for a record that fails its integrity check."""
    import json

    from rest_framework.renderers import JSONRenderer

    from records.api.serializers import RecordListItemOutput
    from records.presenting import present_record
    from records.schemas import KINDS
    from records.selectors import record_list, record_open_many
    from vault.services import vault_keys

    for kind in KINDS:
        create_record(kind, label=f"my {kind}")
    damaged = create_record("note", label="damaged")
    ciphertext = bytearray(Record.objects.get(pk=damaged["id"]).ciphertext)
    ciphertext[-1] ^= 1
    Record.objects.filter(pk=damaged["id"]).update(ciphertext=bytes(ciphertext))
    listed = unlocked_alice.client.get(RECORDS_URL, {"limit": 50}).json()["results"]
    assert len(listed) == len(KINDS) + 1 and [i["integrity_error"] for i in listed].count(True) == 1

    keys = vault_keys(user=unlocked_alice.user, unlock_secret=unlocked_alice.unlock_secret)
    opened = record_open_many(records=list(record_list(owner=unlocked_alice.user)), keys=keys)
    serialized = RecordListItemOutput([present_record(item) for item in opened], many=True).data
    assert json.loads(JSONRenderer().render(serialized)) == listed
