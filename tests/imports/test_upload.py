"""POST /api/v1/imports/: the source is stored encrypted and previewed; nothing is written."""

from __future__ import annotations

from imports.models import ImportJob
from records.models import Record
from storage.factory import get_store
from tests.imports.conftest import IMPORTS_URL, as_json, fixture_bytes, upload


def test_it_previews_a_cxf_document_without_writing_a_record(unlocked_alice):
    response = upload(unlocked_alice, fixture_bytes("cxf_every_field.json"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "preview" and body["format"] == "cxf"
    assert body["records_planned"] == 5
    assert {(r["kind"], r["label"]) for r in body["preview"]["records"]} == {
        ("id_card", "Personalausweis"), ("passport", "Reisepass"), ("driver_licence", "Führerschein"),
        ("bank_card", "Visa"), ("note", "Wi-Fi"),
    }
    assert {"source": "item 7 'Mail login'", "what": "a 'basic-auth' credential",
            "reason": "Coffer holds no credential of this type."} in body["preview"]["left"]
    assert Record.objects.count() == 0


def test_it_previews_a_bitwarden_export_listing_what_cannot_be_created(unlocked_alice):
    body = upload(unlocked_alice, fixture_bytes("bitwarden_export.json")).json()
    assert body["format"] == "bitwarden_json"
    whats = {item["what"] for item in body["preview"]["left"]}
    assert {"a login item", "a SSH key item", "custom field 'Shoe size'"} <= whats


def test_it_stores_the_source_only_encrypted(unlocked_alice):
    source = fixture_bytes("bitwarden_export.json")
    job = ImportJob.objects.get(pk=upload(unlocked_alice, source).json()["id"])
    stored = get_store().read_range(job.source_blob_key, 0, job.source_ciphertext_size)
    assert len(stored) == job.source_ciphertext_size > len(source)
    assert b"hunter2" not in stored and b"Mustermann" not in stored
    assert b"hunter2" not in bytes(job.sealed_preview) and b"hunter2" not in bytes(job.sealed_material)


def _blob_keys() -> set[str]:
    return {blob.key for blob in get_store().list_blobs()}


def test_it_refuses_a_file_of_no_known_format_and_keeps_nothing(unlocked_alice):
    before = _blob_keys()
    response = upload(unlocked_alice, b"\x00\x01 not an export")
    assert response.status_code == 400
    assert response.json()["code"] == "import_unknown_format"
    assert ImportJob.objects.count() == 0
    assert _blob_keys() == before


def test_it_refuses_invalid_json_with_a_stable_code(unlocked_alice):
    response = upload(unlocked_alice, b'{"items": [')
    assert response.status_code == 400 and response.json()["code"] == "import_invalid_json"


def test_it_refuses_an_encrypted_bitwarden_export(unlocked_alice):
    response = upload(unlocked_alice, as_json({"encrypted": True, "items": []}))
    assert response.status_code == 400 and response.json()["code"] == "bitwarden_encrypted"


def test_it_refuses_a_source_over_the_size_limit(unlocked_alice, settings):
    settings.COFFER_IMPORT_MAX_SOURCE_BYTES = 1000
    before = _blob_keys()
    response = upload(unlocked_alice, b"{" + b" " * 5000 + b"}")
    assert response.status_code == 413 and response.json()["code"] == "import_too_large"
    assert _blob_keys() == before


def test_it_refuses_more_items_than_the_limit(unlocked_alice, settings):
    settings.COFFER_IMPORT_MAX_ITEMS = 3
    response = upload(unlocked_alice, fixture_bytes("cxf_every_field.json"))
    assert response.status_code == 400 and response.json()["code"] == "import_too_many_items"


def test_it_needs_an_unlocked_vault(alice):
    alice.setup_vault()
    response = upload(alice, fixture_bytes("cxf_every_field.json"))
    assert response.status_code == 423


def test_it_lists_only_your_own_imports(unlocked_alice, unlocked_bob):
    upload(unlocked_alice, fixture_bytes("cxf_every_field.json"))
    assert unlocked_bob.client.get(IMPORTS_URL).json() == []
    assert len(unlocked_alice.client.get(IMPORTS_URL).json()) == 1


def test_another_user_gets_404_for_an_import(unlocked_alice, unlocked_bob):
    job_id = upload(unlocked_alice, fixture_bytes("cxf_every_field.json")).json()["id"]
    assert unlocked_bob.client.get(f"{IMPORTS_URL}{job_id}/").status_code == 404
    assert unlocked_bob.client.post(f"{IMPORTS_URL}{job_id}/confirm").status_code == 404
    assert unlocked_bob.client.post(f"{IMPORTS_URL}{job_id}/cancel").status_code == 404
    assert unlocked_bob.client.get(f"{IMPORTS_URL}not-a-uuid/").status_code == 404


def test_a_token_without_the_vault_manage_scope_is_refused_before_the_file_is_read(unlocked_alice):
    before = _blob_keys()
    limited = unlocked_alice.with_scopes("records:write", "files:write")
    response = upload(unlocked_alice, fixture_bytes("cxf_every_field.json"), client=limited)
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0 and _blob_keys() == before


def test_a_body_that_is_not_a_form_is_refused_with_415(unlocked_alice):
    response = unlocked_alice.client.generic("POST", IMPORTS_URL, fixture_bytes("cxf_every_field.json"),
                                             content_type="application/json")
    assert response.status_code == 415 and response.json()["code"] == "invalid_upload"


def test_a_form_without_the_source_field_is_refused(unlocked_alice):
    response = unlocked_alice.client.post(IMPORTS_URL, {"passphrase": "x"}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "invalid_upload"
