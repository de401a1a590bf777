"""cxf_from_export: an export's records.json as a CXF 1.0 document."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid

from interchange.cxf import cxf_from_export
from tests.interchange.samples import RECORD_IDS, SCAN, export_document, revealed


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _items() -> dict[str, dict]:
    account = cxf_from_export(export_document())["accounts"][0]
    return {item["title"]: item for item in account["items"]}


def _credential(item: dict, type_name: str) -> dict:
    (found,) = [c for c in item["credentials"] if c["type"] == type_name]
    return found


def _values(credential: dict) -> dict:
    return {name: member["value"] for name, member in credential.items() if isinstance(member, dict)}


def test_it_writes_a_cxf_1_0_header_for_the_export():
    document = cxf_from_export(export_document())
    assert document["version"] == {"major": 1, "minor": 0}
    assert document["exporterDisplayName"] == "Coffer"
    assert document["timestamp"] == 1772323200  # 2026-03-01T00:00:00Z
    (account,) = document["accounts"]
    assert account["username"] == "alice" and account["email"] == "" and account["collections"] == []
    assert len(account["items"]) == len(RECORD_IDS) + 1
    json.dumps(document)  # JSON-ready


def test_it_gives_each_record_an_item_with_its_id_and_dates():
    item = _items()["My passport"]
    assert item["id"] == _b64url(uuid.UUID(RECORD_IDS["passport"]).bytes)
    assert item["creationAt"] == 1767323045 and item["modifiedAt"] == 1770091506


def test_it_writes_an_id_card_as_an_identity_document_with_alpha2_country():
    item = _items()["My id_card"]
    assert _values(_credential(item, "identity-document")) == {
        "issuingCountry": "DE", "documentNumber": "T22000129", "identificationNumber": "1234567890",
        "fullName": "Erika Mustermann", "birthDate": "1964-08-12", "issueDate": "2021-01-15",
        "expiryDate": "2041-01-14",
    }
    assert _credential(item, "identity-document")["issuingCountry"]["fieldType"] == "country-code"
    assert _values(_credential(item, "person-name")) == {"given": "Erika", "surname": "Mustermann"}


def test_it_writes_a_passport_with_its_mrz_as_a_coffer_custom_field():
    item = _items()["My passport"]
    fields = revealed("passport")
    assert _values(_credential(item, "passport")) == {
        "issuingCountry": "DE", "passportType": "P", "passportNumber": "C01X00T47", "nationality": "DEU",
        "fullName": "Erika Mustermann", "birthDate": "1964-08-12", "sex": "F", "issueDate": "2024-03-01",
        "expiryDate": "2034-02-28",
    }
    custom = _credential(item, "custom-fields")
    assert custom["id"] == _b64url(b"coffer:passport")
    assert [(f["label"], f["fieldType"], f["value"]) for f in custom["fields"]] == [
        ("mrz", "concealed-string", fields["mrz"])
    ]


def test_it_writes_a_driver_licence_with_its_categories_as_the_license_class():
    item = _items()["My driver_licence"]
    assert _values(_credential(item, "drivers-license")) == {
        "issueDate": "2015-06-01", "expiryDate": "2040-05-31", "country": "FR",
        "licenseNumber": "B072RRE2I55", "licenseClass": "AM B",
    }


def test_it_writes_a_bank_card_as_a_credit_card_with_a_year_month_expiry():
    card = _credential(_items()["My bank_card"], "credit-card")
    assert _values(card) == {
        "number": "4242424242424242", "fullName": "Alice Example", "cardType": "visa",
        "verificationNumber": "123", "expiryDate": "2040-12",
    }
    assert card["number"]["fieldType"] == "concealed-string"
    assert card["expiryDate"]["fieldType"] == "year-month"


def test_it_writes_a_note_with_its_title_kept_as_a_coffer_field():
    item = _items()["My note"]
    assert _credential(item, "note")["content"] == {"fieldType": "string", "value": "The password is on the fridge."}
    assert [(f["label"], f["value"]) for f in _credential(item, "custom-fields")["fields"]] == [("title", "Wi-Fi")]


def test_it_writes_a_bank_account_as_coffer_custom_fields_only():
    (custom,) = _items()["My bank_account"]["credentials"]
    assert custom["type"] == "custom-fields" and custom["id"] == _b64url(b"coffer:bank_account")
    assert {f["label"]: f["value"] for f in custom["fields"]} == {
        "holder": "Alice Example", "bank_name": "Example Bank", "iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
    }


def test_it_writes_files_as_file_credentials_with_their_sha256():
    attached = _credential(_items()["My id_card"], "file")
    assert attached == {
        "type": "file", "id": _b64url(uuid.UUID("11111111-1111-4111-8111-111111111111").bytes),
        "name": "scan.pdf", "decryptedSize": len(SCAN), "integrityHash": _b64url(hashlib.sha256(SCAN).digest()),
    }
    loose = _items()["lease.pdf"]
    assert [c["type"] for c in loose["credentials"]] == ["file"]
