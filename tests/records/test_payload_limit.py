"""The record size limit: COFFER_RECORD_MAX_BYTES, 64 KiB by default, else 413."""

import json

from django.conf import settings as django_settings

from records.models import Record

from .conftest import RECORDS_URL


def _note_body(text_length: int) -> bytes:
    return json.dumps({"kind": "note", "label": "", "data": {"title": "t", "text": "x" * text_length}}).encode()


def test_the_default_limit_is_64_kib():
    assert django_settings.COFFER_RECORD_MAX_BYTES == 64 * 1024


def test_a_record_under_64_kib_is_accepted(unlocked_alice):
    response = unlocked_alice.client.post(RECORDS_URL, _note_body(60_000), content_type="application/json")
    assert response.status_code == 201


def test_a_record_over_64_kib_answers_413(unlocked_alice):
    response = unlocked_alice.client.post(RECORDS_URL, _note_body(70_000), content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert not Record.objects.exists()


def test_the_limit_follows_the_setting_to_the_byte(unlocked_alice, settings):
    settings.COFFER_RECORD_MAX_BYTES = 2048
    at_limit = _note_body(2048 - len(_note_body(0)))
    assert len(at_limit) == 2048
    assert unlocked_alice.client.post(RECORDS_URL, at_limit, content_type="application/json").status_code == 201
    over = _note_body(2049 - len(_note_body(0)))
    assert unlocked_alice.client.post(RECORDS_URL, over, content_type="application/json").status_code == 413


def test_a_declared_length_over_the_limit_is_refused_before_reading(unlocked_alice, settings):
    settings.COFFER_RECORD_MAX_BYTES = 2048
    response = unlocked_alice.client.post(
        RECORDS_URL, _note_body(10), content_type="application/json", CONTENT_LENGTH="999999"
    )
    assert response.status_code == 413


def test_a_too_large_patch_body_answers_413(unlocked_alice, create_record, settings):
    note = create_record("note")
    settings.COFFER_RECORD_MAX_BYTES = 1024
    body = json.dumps({"data": {"text": "x" * 2000}}).encode()
    response = unlocked_alice.client.patch(
        f"{RECORDS_URL}{note['id']}/", body, content_type="application/json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
