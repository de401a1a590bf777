"""What fuzzing found, one test per finding. The inputs also sit in fuzz/corpus/."""

from __future__ import annotations

import copy
import io

import pytest
from rest_framework.exceptions import ParseError

from fuzz import audit_export, unlock_session
from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.keys import parse_recovery_code, unlock_session_key
from vault.crypto.session import PURPOSE, _encode, open_session

CODE = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"


@pytest.mark.parametrize("code", ["ı" + CODE[1:], CODE[:-1] + "ſ", CODE[:-2] + "ß"], ids=["dotless-i", "long-s", "sharp-s"])
def test_a_recovery_code_with_letters_outside_ascii_is_refused(code):
    # str.upper() maps these onto Crockford letters; the docstring promises nothing else parses.
    with pytest.raises(IntegrityError):
        parse_recovery_code(code)


def _open_payload(payload: bytes):
    u = unlock_session
    context = Context(PURPOSE, u.USER_ID, "", u.EPOCH)
    blob = aead.seal(unlock_session_key(u.SECRET), payload, context)
    return open_session(u.SECRET, u.USER_ID, u.EPOCH, blob)


def test_a_session_payload_without_any_vault_key_does_not_open():
    payload = _encode(unlock_session.KEYS)
    with pytest.raises(IntegrityError):
        _open_payload(payload[:32] + b"\x00\x00")


@pytest.mark.parametrize("order", ["repeated", "descending"])
def test_a_session_payload_with_versions_out_of_order_does_not_open(order):
    payload = _encode(unlock_session.KEYS)
    first, second = payload[34:70], payload[70:106]
    body = first + first if order == "repeated" else second + first
    with pytest.raises(IntegrityError):
        _open_payload(payload[:34] + body)


def test_a_record_body_nested_past_the_recursion_limit_is_a_parse_error():
    from records.api.parsers import RecordJSONParser

    with pytest.raises(ParseError):
        RecordJSONParser().parse(io.BytesIO(b'{"data":' + b"[" * 5000))


def test_the_export_checker_refuses_a_checkpoint_whose_event_id_is_a_string():
    """A rewritten export keeps its signed checkpoints with "3" for 3: the signature still verifies,
    and the checker then compares the checkpoint with no event at all."""
    from audit.export import jsonl_lines
    from audit.hashing import GENESIS_HASH, event_hash

    records = copy.deepcopy(audit_export.RECORDS)
    events = [r for r in records if r["type"] == "event"]
    events[1]["fields"]["details"] = {"kind": "forged"}
    prev_hash = GENESIS_HASH
    for record in events:
        record["prev_hash"], record["hash"] = prev_hash, event_hash(prev_hash, record["fields"])
        prev_hash = record["hash"]
    for record in records:
        if record["type"] == "checkpoint":
            record["last_event_id"] = str(record["last_event_id"])
    file = "".join(jsonl_lines(records)).encode("utf-8")
    checker = audit_export.CHECKER
    assert checker.problems(checker.records("jsonl", file), contiguous=True) != []
