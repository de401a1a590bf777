"""Tampered rows: every mismatch fails to open, answers 409 and is audited."""

from records.models import Record

from .conftest import events, record_url


def _tamper(record_id: str, **columns) -> None:
    Record.objects.filter(pk=record_id).update(**columns)


def _row(record: dict) -> Record:
    return Record.objects.get(pk=record["id"])


def _assert_integrity_error(response) -> None:
    assert response.status_code == 409
    assert response.json() == {
        "code": "integrity_error",
        "detail": "Stored data failed its integrity check and was not returned.",
    }


def test_a_blob_and_wrapped_dek_copied_to_another_row_fail_to_open(unlocked_alice, create_record):
    source, target = create_record("note", label="source"), create_record("note", label="target")
    row = _row(source)
    _tamper(target["id"], ciphertext=row.ciphertext, wrapped_dek=row.wrapped_dek)
    _assert_integrity_error(unlocked_alice.client.get(record_url(target["id"])))
    [event] = events("record.integrity_failure")
    assert (event.target_id, event.outcome) == (target["id"], "failure")
    assert event.details == {"kind": "note", "operation": "read", "vault_key_version": 1, "dek_version": 1}


def test_a_blob_copied_alone_fails_to_open(unlocked_alice, create_record):
    source, target = create_record("note"), create_record("note")
    _tamper(target["id"], ciphertext=_row(source).ciphertext)
    _assert_integrity_error(unlocked_alice.client.get(record_url(target["id"])))


def test_a_wrapped_dek_copied_alone_fails_to_open(unlocked_alice, create_record):
    source, target = create_record("note"), create_record("note")
    _tamper(target["id"], wrapped_dek=_row(source).wrapped_dek)
    _assert_integrity_error(unlocked_alice.client.get(record_url(target["id"])))


def test_a_blob_copied_into_another_users_row_fails_to_open(unlocked_alice, unlocked_bob, create_record):
    alices = create_record("note")
    bobs = create_record("note", person=unlocked_bob)
    row = _row(alices)
    _tamper(bobs["id"], ciphertext=row.ciphertext, wrapped_dek=row.wrapped_dek)
    _assert_integrity_error(unlocked_bob.client.get(record_url(bobs["id"])))


def test_relabelled_metadata_fails_to_open(unlocked_alice, create_record):
    for columns in ({"kind": "id_card"}, {"schema_version": 2}, {"dek_version": 2}, {"vault_key_version": 2}):
        record = create_record("note")
        _tamper(record["id"], **columns)
        _assert_integrity_error(unlocked_alice.client.get(record_url(record["id"])))
    assert len(events("record.integrity_failure")) == 4


def test_a_flipped_bit_anywhere_fails_to_open(unlocked_alice, create_record):
    record = create_record("note")
    row = _row(record)
    for column in ("ciphertext", "wrapped_dek"):
        original = bytes(getattr(row, column))
        for index in (0, 1, 30, len(original) - 1):
            flipped = bytearray(original)
            flipped[index] ^= 0x01
            _tamper(record["id"], **{column: bytes(flipped)})
            _assert_integrity_error(unlocked_alice.client.get(record_url(record["id"])))
        _tamper(record["id"], **{column: original})
    assert unlocked_alice.client.get(record_url(record["id"])).status_code == 200


def test_revealing_a_damaged_record_is_audited_as_a_failure_not_a_reveal(unlocked_alice, create_record):
    source, target = create_record("note"), create_record("note")
    _tamper(target["id"], ciphertext=_row(source).ciphertext)
    _assert_integrity_error(unlocked_alice.client.get(record_url(target["id"], "?reveal=true")))
    assert events("record.reveal") == []
    assert [e.details["operation"] for e in events("record.integrity_failure")] == ["reveal"]


def test_updating_a_damaged_record_fails_is_audited_and_changes_nothing(unlocked_alice, create_record):
    source, target = create_record("note"), create_record("note")
    _tamper(target["id"], ciphertext=_row(source).ciphertext)
    response = unlocked_alice.client.patch(
        record_url(target["id"]), {"label": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )
    _assert_integrity_error(response)
    assert _row(target).revision == 1 and bytes(_row(target).ciphertext) == bytes(_row(source).ciphertext)
    [event] = events("record.integrity_failure")
    assert event.details["operation"] == "update"
    assert events("record.update") == []
