"""POST /api/v1/attestations/: the user's Ed25519 signature over a canonical statement."""

import base64
import json
import time

import pytest
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey
from rest_framework.test import APIClient

from accounts.scopes import RECORDS_READ
from sharing.canonical import ATTESTATION_DOMAIN, attestation_parse, canonical_json

from .conftest import ATTESTATIONS_URL, events, keys_url

LOCATION_FIX = {"lat_e7": 525200066, "lon_e7": 134049540, "accuracy_m": 12, "fix": "gps", "at": "2025-05-01T09:30:00Z"}


def sign(person, payload=LOCATION_FIX, purpose="location-fix"):
    return person.client.post(ATTESTATIONS_URL, {"purpose": purpose, "payload": payload}, format="json")


def verify(body: dict, public_key: bytes) -> dict:
    """What any verifier does, with a key it got from /keys/{handle}."""
    message = base64.b64decode(body["canonical"])
    VerifyKey(public_key).verify(message, base64.b64decode(body["signature"]))
    return attestation_parse(message)


def published_key(user_id: int) -> bytes:
    from django.contrib.auth import get_user_model

    from sharing.key_handles import key_handle_get, key_handle_rotate

    user = get_user_model().objects.get(pk=user_id)
    handle = key_handle_get(user=user) or key_handle_rotate(user=user)
    return base64.b64decode(APIClient().get(keys_url(handle.handle)).json()["sign_public_key"])


def test_it_signs_a_statement_anyone_can_verify_with_the_published_key(unlocked_alice):
    before = int(time.time())
    response = sign(unlocked_alice)
    assert response.status_code == 200, response.content
    body = response.json()
    document = verify(body, published_key(unlocked_alice.user.pk))
    assert document == body["attestation"]
    assert document["version"] == 1 and document["user_id"] == unlocked_alice.user.pk
    assert document["purpose"] == "location-fix" and document["payload"] == LOCATION_FIX
    assert before <= document["issued_at"] <= int(time.time())
    assert base64.b64decode(body["public_key"]) == published_key(unlocked_alice.user.pk)


def test_the_signed_bytes_are_the_domain_string_and_canonical_json(unlocked_alice):
    body = sign(unlocked_alice, payload={"b": [1, "é"], "a": None}).json()
    message = base64.b64decode(body["canonical"])
    assert message == ATTESTATION_DOMAIN + canonical_json(body["attestation"])
    assert message.endswith(b'"payload":{"a":null,"b":[1,"\xc3\xa9"]},"purpose":"location-fix","user_id":'
                            + str(unlocked_alice.user.pk).encode() + b',"version":1}')


@pytest.mark.parametrize("tamper", ["payload", "user_id", "purpose", "issued_at", "signature"])
def test_a_tampered_attestation_fails_verification(unlocked_alice, tamper):
    body = sign(unlocked_alice).json()
    document = dict(body["attestation"])
    signature = base64.b64decode(body["signature"])
    if tamper == "payload":
        document["payload"] = {**LOCATION_FIX, "lat_e7": 525200067}
    elif tamper == "user_id":
        document["user_id"] += 1
    elif tamper == "purpose":
        document["purpose"] = "consent"
    elif tamper == "issued_at":
        document["issued_at"] += 1
    else:
        signature = bytes([signature[0] ^ 1]) + signature[1:]
    message = ATTESTATION_DOMAIN + canonical_json(document)
    with pytest.raises(BadSignatureError):
        VerifyKey(published_key(unlocked_alice.user.pk)).verify(message, signature)


def test_another_users_key_does_not_verify_it(unlocked_alice, unlocked_bob):
    body = sign(unlocked_alice).json()
    with pytest.raises(BadSignatureError):
        verify(body, published_key(unlocked_bob.user.pk))


@pytest.mark.parametrize(
    "payload",
    [52.52, {"lat": 52.52}, [1, 2.0], 2**53, {"n": -(2**53)}],
)
def test_non_integer_or_unsafe_numbers_answer_400(unlocked_alice, payload):
    response = sign(unlocked_alice, payload=payload)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"payload"}
    assert events("attestation.sign") == []


def test_a_float_written_as_1_point_0_is_refused_too(unlocked_alice):
    raw = b'{"purpose": "location-fix", "payload": {"lat": 1.0}}'
    response = unlocked_alice.client.post(ATTESTATIONS_URL, raw, content_type="application/json")
    assert response.status_code == 400


def test_a_lone_surrogate_answers_400(unlocked_alice):
    raw = b'{"purpose": "note", "payload": "\\ud800"}'
    assert unlocked_alice.client.post(ATTESTATIONS_URL, raw, content_type="application/json").status_code == 400


def test_a_payload_over_the_limit_answers_400(unlocked_alice, settings):
    settings.COFFER_ATTESTATION_MAX_BYTES = 64
    assert sign(unlocked_alice, payload="x" * 63).status_code == 400
    assert sign(unlocked_alice, payload="x" * 62).status_code == 200


@pytest.mark.parametrize("purpose", ["", "Location", "-start", "has space", "x" * 101, "émoji"])
def test_a_bad_purpose_answers_400(unlocked_alice, purpose):
    response = sign(unlocked_alice, purpose=purpose)
    assert response.status_code == 400 and set(response.json()["fields"]) == {"purpose"}


@pytest.mark.parametrize("purpose", ["consent", "consent:com.example/terms-v2", "location-fix", "a.b_c"])
def test_machine_readable_purposes_are_fine(unlocked_alice, purpose):
    assert sign(unlocked_alice, purpose=purpose).status_code == 200


def test_a_locked_vault_answers_423(unlocked_alice):
    unlocked_alice.client.post("/api/v1/vault/lock")
    assert sign(unlocked_alice).status_code == 423
    assert events("attestation.sign") == []


def test_it_needs_vault_manage(unlocked_alice):
    client = unlocked_alice.with_scopes(RECORDS_READ)
    body = {"purpose": "consent", "payload": {}}
    assert client.post(ATTESTATIONS_URL, body, format="json").status_code == 403


def test_it_is_audited_with_the_purpose_and_size_never_the_payload(unlocked_alice):
    body = sign(unlocked_alice).json()
    [event] = events("attestation.sign")
    assert event.actor == unlocked_alice.user
    assert event.details == {"purpose": "location-fix", "bytes": len(base64.b64decode(body["canonical"]))}
    assert "525200066" not in json.dumps(event.details)
