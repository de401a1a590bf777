"""The canonical form, byte for byte, as docs/audit.md specifies it. No database."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from audit.hashing import (
    GENESIS_HASH, canonical_event, canonical_ip, canonical_timestamp, checkpoint_message, event_hash,
)

FIELDS = {
    "id": 42, "created_at": "2026-01-31T09:05:00.000000Z", "actor_id": 7, "actor_label": "alice",
    "subject_user_id": 7, "action": "record.reveal", "outcome": "success", "ip_address": "2001:db8::1",
    "target_kind": "record", "target_id": "5f0c6a1e-3b5e-4c1a-9d1e-2f6a7b8c9d0e", "details": {"kind": "passport"},
}


def test_the_canonical_form_sorts_keys_and_has_no_spaces():
    assert canonical_event(FIELDS) == (
        b'{"action":"record.reveal","actor_id":7,"actor_label":"alice","created_at":"2026-01-31T09:05:00.000000Z",'
        b'"details":{"kind":"passport"},"id":42,"ip_address":"2001:db8::1","outcome":"success",'
        b'"subject_user_id":7,"target_id":"5f0c6a1e-3b5e-4c1a-9d1e-2f6a7b8c9d0e","target_kind":"record"}'
    )


def test_the_hash_is_sha256_of_the_prev_hash_a_newline_and_the_canonical_form():
    expected = hashlib.sha256(GENESIS_HASH.encode() + b"\n" + canonical_event(FIELDS)).hexdigest()
    assert expected == "87be238d83f0cd37f56cb720ea49fe6cd381c221cf904d06d7e02817fbaf02b3"
    assert event_hash(GENESIS_HASH, FIELDS) == expected


def test_non_ascii_text_is_hashed_as_utf8_not_escaped():
    fields = {**FIELDS, "actor_label": "zoë"}
    assert "zoë".encode() in canonical_event(fields)
    assert event_hash("ab" * 32, fields) == "86febb8048154548d5d6b97f5a54eacd35c4a51b1427ca9fb8f357f963638a92"


def test_any_changed_field_changes_the_hash():
    original = event_hash(GENESIS_HASH, FIELDS)
    for key, value in [("id", 43), ("outcome", "failure"), ("details", {}), ("ip_address", None), ("actor_id", None)]:
        assert event_hash(GENESIS_HASH, {**FIELDS, key: value}) != original, key
    assert event_hash("1" * 64, FIELDS) != original


def test_timestamps_are_utc_with_six_fractional_digits():
    moment = datetime(2026, 1, 31, 10, 5, tzinfo=timezone(timedelta(hours=1)))
    assert canonical_timestamp(moment) == "2026-01-31T09:05:00.000000Z"
    assert canonical_timestamp(moment.replace(microsecond=1500)) == "2026-01-31T09:05:00.001500Z"
    with pytest.raises(ValueError):
        canonical_timestamp(datetime(2026, 1, 31))


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::ffff:1.2.3.4", "1.2.3.4"),
        ("::ffff:0102:0304", "1.2.3.4"),
        ("2001:0DB8:0000::0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("::1.2.3.4", "::102:304"),
        ("fe80::1%eth0", "fe80::1"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("not an address", None),
        ("", None),
        (None, None),
    ],
)
def test_an_address_has_one_spelling_whatever_printed_it(given, canonical):
    assert canonical_ip(given) == canonical


def test_the_checkpoint_message_is_label_event_hash_and_time_on_lines():
    message = checkpoint_message(last_event_id=42, last_hash="ab" * 32, created_at="2026-01-31T09:10:00.000000Z")
    assert message == b"coffer/audit-checkpoint/v1\n42\n" + b"ab" * 32 + b"\n2026-01-31T09:10:00.000000Z"
    with pytest.raises(ValueError):
        checkpoint_message(last_event_id=42, last_hash="AB" * 32, created_at="2026-01-31T09:10:00.000000Z")
