"""The worked examples in docs/attestations.md §5 and docs/sharing.md §7, byte for byte."""

import base64
import hashlib
import json

from nacl.public import PrivateKey, SealedBox
from nacl.signing import SigningKey

from sharing.canonical import (
    attestation_document,
    attestation_message,
    canonical_json,
    grant_envelope,
    grant_envelope_split,
    grant_message,
    grant_parse,
    request_message,
    scan_stream_context,
)
from vault.crypto.stream import decrypt_stream, encrypt_stream

USER_KEY = SigningKey(bytes(range(32)))
APP_BOX_KEY = PrivateKey(bytes(range(0x40, 0x60)))
APP_SIGN_KEY = SigningKey(bytes(range(0x60, 0x80)))


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def test_the_documented_public_keys():
    assert b64(bytes(USER_KEY.verify_key)) == "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
    assert b64(bytes(APP_BOX_KEY.public_key)) == "eaYx7t4b+cmPEgMs3q3Q56B5OY/HhriMyEbsia+FpRo="
    assert b64(bytes(APP_SIGN_KEY.verify_key)) == "F0VTtFbd38aQjsqxwQH+arIeK6oGF3lbfUOmNIKZP9U="


def test_the_documented_attestation():
    payload = json.loads('{"lat_e7": 525200066, "lon_e7": 134049540, "accuracy_m": 12, "note": "Café \\"Zur Linde\\""}')
    document = attestation_document(user_id=42, purpose="location-fix", issued_at=1767225600, payload=payload)
    message = attestation_message(document)
    assert message == (
        'coffer-attestation-v1\n{"issued_at":1767225600,"payload":{"accuracy_m":12,"lat_e7":525200066,'
        '"lon_e7":134049540,"note":"Café \\"Zur Linde\\""},"purpose":"location-fix","user_id":42,"version":1}'
    ).encode()
    assert b64(message) == (
        "Y29mZmVyLWF0dGVzdGF0aW9uLXYxCnsiaXNzdWVkX2F0IjoxNzY3MjI1NjAwLCJwYXlsb2FkIjp7ImFjY3VyYWN5X20iOjEyLCJsYXRfZTci"
        "OjUyNTIwMDA2NiwibG9uX2U3IjoxMzQwNDk1NDAsIm5vdGUiOiJDYWbDqSBcIlp1ciBMaW5kZVwiIn0sInB1cnBvc2UiOiJsb2NhdGlvbi1m"
        "aXgiLCJ1c2VyX2lkIjo0MiwidmVyc2lvbiI6MX0="
    )
    assert b64(USER_KEY.sign(message).signature) == (
        "98JpcxNZ5iHS8/xiBKbE4vkazkCryluSzM+MCcpFT8iwjXc6urcjy23gPuhgKiE+cvT4erbfJsh4RqeeAhkvDw=="
    )


def test_the_documented_grant():
    document = {
        "version": 1, "grant_id": "7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11", "app_id": "c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c",
        "user_id": 42, "issued_at": 1767225600, "expires_at": 1767830400,
        "records": [{"id": "5b2f6d0e-1c3a-4e8b-9f7d-6a4c2e0b8d19", "kind": "bank_card", "schema_version": 1,
                     "label": "Everyday Visa", "fields": {"number": "4242424242424242", "holder": "Alice Example"}}],
    }
    document_bytes = canonical_json(document)
    assert document_bytes == (
        b'{"app_id":"c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c","expires_at":1767830400,'
        b'"grant_id":"7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11","issued_at":1767225600,'
        b'"records":[{"fields":{"holder":"Alice Example","number":"4242424242424242"},'
        b'"id":"5b2f6d0e-1c3a-4e8b-9f7d-6a4c2e0b8d19","kind":"bank_card","label":"Everyday Visa","schema_version":1}],'
        b'"user_id":42,"version":1}'
    )
    signature = USER_KEY.sign(grant_message(document_bytes)).signature
    assert b64(signature) == "0tp67TXa9kd/8nr6rfhnyNs55JqtfriI0dUId6dKXvWbGy083xi4uRPTKgdBLy9SeL06+rO7s36oEuTioZWuBw=="
    envelope = grant_envelope(signature=signature, document_bytes=document_bytes)
    assert len(envelope) == 420
    sealed = SealedBox(APP_BOX_KEY.public_key).encrypt(envelope)
    assert len(sealed) == 468
    assert grant_envelope_split(SealedBox(APP_BOX_KEY).decrypt(sealed)) == (signature, document_bytes)


def test_the_documented_version_2_grant_with_a_scan():
    plaintext = b"Passport scan, page 2.\n"
    scan = {"id": "0e6f3c1a-5b7d-4f2e-8a9c-1d3b5f7e9a20", "role": "front", "content_type": "application/pdf",
            "size": 23, "sha256": hashlib.sha256(plaintext).hexdigest(), "key": b64(bytes(range(0x80, 0xA0)))}
    document = {
        "version": 2, "grant_id": "7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11", "app_id": "c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c",
        "user_id": 42, "issued_at": 1767225600, "expires_at": 1767830400,
        "records": [{"id": "5b2f6d0e-1c3a-4e8b-9f7d-6a4c2e0b8d19", "kind": "passport", "schema_version": 1, "label": "",
                     "fields": {"surname": "Mustermann"}, "scans": [scan]}],
    }
    document_bytes = canonical_json(document)
    assert document_bytes == (
        b'{"app_id":"c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c","expires_at":1767830400,'
        b'"grant_id":"7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11","issued_at":1767225600,'
        b'"records":[{"fields":{"surname":"Mustermann"},"id":"5b2f6d0e-1c3a-4e8b-9f7d-6a4c2e0b8d19","kind":"passport",'
        b'"label":"","scans":[{"content_type":"application/pdf","id":"0e6f3c1a-5b7d-4f2e-8a9c-1d3b5f7e9a20",'
        b'"key":"gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp8=","role":"front",'
        b'"sha256":"47d808b54ce64f4709689debaf3a82d5439b396347897feda975b285fec1bc00","size":23}],'
        b'"schema_version":1}],"user_id":42,"version":2}'
    )
    assert grant_parse(document_bytes) == document
    signature = USER_KEY.sign(grant_message(document_bytes)).signature
    assert b64(signature) == "XbHq2mmFQi3qD7wC+1gCv5HUs+M3cS+RWt5o6Kbr3DpZs6Smsktseo50m0e8vL3wPVN1xpQ7DDFIZgdqpcbIDw=="
    context = scan_stream_context(grant_id=document["grant_id"], scan_id=scan["id"])
    assert context == b"coffer-grant-scan-v1\n7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11\n0e6f3c1a-5b7d-4f2e-8a9c-1d3b5f7e9a20"
    copy = b"".join(encrypt_stream(bytes(range(0x80, 0xA0)), context, [plaintext],
                                   rng=lambda n: bytes(range(0xA0, 0xA0 + n))))
    assert copy.hex() == (
        "01a0a1a2a3a4a5a6a7a8a9aaabacadaeafaa1205fe787262ff283352acc480b4fb9a41c52f60623ce02ba25548264215fb0a5"
        "aae7cde1ed1431eb3c7c03b1e0bdf22653bbc450663a80bf338bf20debdac61652d43b9d7b1"
    )
    assert b"".join(decrypt_stream(bytes(range(0x80, 0xA0)), context, [copy])) == plaintext


def test_the_documented_signed_request():
    message = request_message(
        app_id="c3a1f5d2-8e4b-4f7a-b6c9-2d1e0f3a4b5c", method="GET", path="/api/v1/apps/me/grants/?limit=10",
        timestamp="1767225600", nonce="q3J5bW9uZC1ub25jZS0wMQ", body=b"",
    )
    assert b64(APP_SIGN_KEY.sign(message).signature) == (
        "6i740+8I3pgCH5rtqral7lHiepN1UEgFeIIymPdWweFMv7Y4gMB8hiqPEr0KJbg2L/BFRdAVkMR1AY1moiNzBQ=="
    )
