"""exports.age against the C2SP CCTV age testkit (tests/vectors/age, with its LICENSE).

Each vector is decrypted one layer at a time, so a failure must come from the layer
the vector names: "header failure" from parsing (the scrypt stanza's shape counts as
header), "no match" from unwrapping, "HMAC failure" from the MAC, "payload failure"
from the stream, after releasing exactly the plaintext whose hash the vector gives.
Vectors for an X25519 identity are read with their "file key" line instead.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import pytest

from exports.age import AgeError, header_split, payload_decrypt
from exports.age.format import header_encode, header_verify
from exports.age.scrypt import scrypt_check, scrypt_unwrap
from exports.age.stream import nonce_split

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "age"
NAMES = sorted(p.name for p in VECTORS.iterdir() if p.name != "LICENSE")


def _load(name: str) -> tuple[dict[str, list[str]], bytes]:
    raw = (VECTORS / name).read_bytes()
    head, _, body = raw.partition(b"\n\n")
    fields: dict[str, list[str]] = {}
    for line in head.decode().splitlines():
        key, _, value = line.partition(": ")
        fields.setdefault(key, []).append(value)
    if fields.get("compressed") == ["zlib"]:
        body = zlib.decompress(body)
    return fields, body


def _decrypt(fields: dict[str, list[str]], body: bytes) -> tuple[str, bytes]:
    """(the stage that failed, or "success"; the plaintext released before it)."""
    try:
        header, payload = header_split([body])
        found = scrypt_check(header.stanzas)
    except AgeError:
        return "header failure", b""
    if found is not None:
        file_key = None
        for passphrase in fields.get("passphrase", []):
            try:
                file_key = scrypt_unwrap(passphrase, *found)
                break
            except AgeError:
                continue
        if file_key is None:
            return "no match", b""
    else:
        if "passphrase" in fields:
            return "no match", b""
        file_key = bytes.fromhex(fields["file key"][0])
    try:
        header_verify(header, file_key)
    except AgeError:
        return "HMAC failure", b""
    try:
        payload = _with_nonce(*nonce_split(payload))
    except AgeError:
        return "header failure", b""  # the testkit counts the nonce with the header
    released = bytearray()
    try:
        for piece in payload_decrypt(file_key, payload):
            released += piece
    except AgeError:
        return "payload failure", bytes(released)
    return "success", bytes(released)


def _with_nonce(nonce, rest):
    yield nonce
    yield from rest


def test_it_has_the_vendored_vectors():
    assert len(NAMES) == 78
    assert {"scrypt", "scrypt_no_match", "stream_two_final_chunks", "hmac_bad", "stanza_spurious_cr"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_it_reads_each_vector_as_the_testkit_expects(name):
    fields, body = _load(name)
    outcome, released = _decrypt(fields, body)
    assert outcome == fields["expect"][0]
    if "payload" in fields:
        assert hashlib.sha256(released).hexdigest() == fields["payload"][0]


# A vector without its file key cannot have its MAC recomputed: it is checked above only.
@pytest.mark.parametrize("name", [n for n in NAMES if _load(n)[0]["expect"][0] != "header failure"
                                  and "file key" in _load(n)[0]])
def test_it_reencodes_every_parsable_header_byte_for_byte(name):
    fields, body = _load(name)
    header, _ = header_split([body])
    file_key = bytes.fromhex(fields["file key"][0])
    encoded = header_encode(header.stanzas, file_key)
    if fields["expect"][0] == "HMAC failure":
        assert encoded != body[: len(encoded)]
    else:
        assert body.startswith(encoded)


def test_it_parses_a_header_fed_one_byte_at_a_time():
    fields, body = _load("scrypt")
    header, payload = header_split(body[i : i + 1] for i in range(len(body)))
    salt, work_factor, wrapped = scrypt_check(header.stanzas)
    file_key = scrypt_unwrap(fields["passphrase"][0], salt, work_factor, wrapped)
    assert file_key.hex() == fields["file key"][0]
    plaintext = b"".join(payload_decrypt(file_key, payload))
    assert hashlib.sha256(plaintext).hexdigest() == fields["payload"][0]
