"""The canonical byte forms (docs/attestations.md §2, docs/sharing.md). No database."""

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    attestation_document,
    attestation_message,
    attestation_parse,
    canonical_json,
    grant_envelope,
    grant_envelope_split,
    parse_canonical,
    request_message,
)


def test_it_sorts_keys_and_drops_whitespace():
    assert canonical_json({"b": 1, "a": [True, False, None], "c": {"z": "", "y": -0}}) == (
        b'{"a":[true,false,null],"b":1,"c":{"y":0,"z":""}}'
    )


def test_it_sorts_keys_by_utf16_code_units_as_rfc_8785_does():
    # U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FF61; by code point it would sort after.
    assert canonical_json({"\uff61": 1, "\U0001f600": 2, "a": 3}) == '{"a":3,"😀":2,"｡":1}'.encode()


def test_it_escapes_strings_exactly_like_ecmascript():
    text = 'quote" backslash\\ \b\f\n\r\t \x00\x1f \x7f é € 😀 \u2028'
    assert canonical_json(text) == (
        '"quote\\" backslash\\\\ \\b\\f\\n\\r\\t \\u0000\\u001f \x7f é € 😀 \u2028"'.encode()
    )


def test_it_writes_integers_in_shortest_decimal_form():
    assert canonical_json([0, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == b"[0,-1,9007199254740991,-9007199254740991]"


@pytest.mark.parametrize(
    "value",
    [1.5, 1.0, float("nan"), MAX_SAFE_INTEGER + 1, -MAX_SAFE_INTEGER - 1, "\ud800", {"\udfff": 1}, {1: "a"},
     b"bytes", {"set"}],
)
def test_it_refuses_what_has_no_canonical_form(value):
    with pytest.raises(CanonicalError):
        canonical_json(value)


def test_it_refuses_deep_nesting():
    value = []
    for _ in range(40):
        value = [value]
    with pytest.raises(CanonicalError):
        canonical_json(value)


@pytest.mark.parametrize(
    "raw",
    [b'{"b":1,"a":2}', b'{"a": 1}', b'{"a":1,"a":1}', b'{"a":1.0}', b'{"a":1e3}', b'{"a":NaN}', b'"\\u00e9"',
     b'"\\/"', b"\xff", b'{"a":1}\n', b'[01]'],
)
def test_parsing_refuses_anything_not_already_canonical(raw):
    with pytest.raises(CanonicalError):
        parse_canonical(raw)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_bytes_parse_back_to_the_same_value(value):
    raw = canonical_json(value)
    assert parse_canonical(raw) == value
    assert canonical_json(parse_canonical(raw)) == raw


def test_an_attestation_message_is_the_domain_string_then_canonical_json():
    document = attestation_document(user_id=7, purpose="location-fix", issued_at=1700000000,
                                    payload={"lat_e7": 525200066, "lon_e7": 134049540})
    message = attestation_message(document)
    assert message == (
        b'coffer-attestation-v1\n{"issued_at":1700000000,"payload":{"lat_e7":525200066,"lon_e7":134049540},'
        b'"purpose":"location-fix","user_id":7,"version":1}'
    )
    assert attestation_parse(message) == document


@pytest.mark.parametrize(
    "message",
    [
        b'coffer-attestation-v2\n{"issued_at":1,"payload":null,"purpose":"p","user_id":7,"version":1}',
        b'coffer-attestation-v1\n{"issued_at":1,"payload":null,"purpose":"p","user_id":7,"version":2}',
        b'coffer-attestation-v1\n{"issued_at":1,"payload":null,"purpose":"p","user_id":7}',
        b'coffer-attestation-v1\n{"extra":1,"issued_at":1,"payload":null,"purpose":"p","user_id":7,"version":1}',
        b'coffer-attestation-v1\n{"issued_at":"1","payload":null,"purpose":"p","user_id":7,"version":1}',
        b'coffer-attestation-v1\n{"issued_at":1,"payload":null,"purpose":"p","user_id":true,"version":1}',
        b'coffer-attestation-v1\n{"user_id":7,"issued_at":1,"payload":null,"purpose":"p","version":1}',
    ],
)
def test_an_attestation_that_is_not_exactly_version_1_is_refused(message):
    with pytest.raises(CanonicalError):
        attestation_parse(message)


def test_a_grant_envelope_is_a_version_byte_a_signature_and_the_document():
    envelope = grant_envelope(signature=b"s" * 64, document_bytes=b"{}")
    assert envelope == b"\x01" + b"s" * 64 + b"{}"
    assert grant_envelope_split(envelope) == (b"s" * 64, b"{}")


@pytest.mark.parametrize("envelope", [b"", b"\x01" + b"s" * 65, b"\x02" + b"s" * 64 + b"{}"])
def test_a_short_or_unknown_grant_envelope_is_refused(envelope):
    with pytest.raises(CanonicalError):
        grant_envelope_split(envelope)


def test_the_request_string_is_seven_lines_without_a_trailing_newline():
    message = request_message(app_id="a1", method="get", path="/api/v1/apps/me/grants/?limit=5",
                              timestamp="1700000000", nonce="n" * 16, body=b"")
    assert message == (
        b"coffer-app-request-v1\na1\nGET\n/api/v1/apps/me/grants/?limit=5\n1700000000\nnnnnnnnnnnnnnnnn\n"
        b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_the_canonical_module_imports_without_django():
    code = "import sys, sharing.canonical; sys.exit(1 if any(m.startswith('django') for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=".", env={"PATH": ""}).returncode == 0
