"""plan_from_bitwarden: Bitwarden's unencrypted export read into Coffer records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interchange.bitwarden import attachments_from_zip, plan_from_bitwarden
from interchange.plan import SourceError
from records.schemas import KINDS
from tests.records.samples import valid

FIXTURE = Path(__file__).parent / "fixtures" / "bitwarden_export.json"
PASSPORT_ITEM = "b1000000-0000-4000-8000-000000000004"


def _document() -> dict:
    return json.loads(FIXTURE.read_text())


def _plan(**kwargs):
    return plan_from_bitwarden(_document(), **kwargs)


def _record(label: str):
    (found,) = [record for record in _plan().records if record.label == label]
    return found


def _left(title: str) -> dict[str, str]:
    return {item.what: item.reason for item in _plan().left if f"'{title}'" in item.source}


def _canonical(kind: str, **changes) -> dict:
    return KINDS[kind].validate(valid(kind, **changes))


def test_it_makes_an_identity_with_a_passport_number_a_passport_completed_by_custom_fields():
    record = _record("Erika (passport)")
    assert record.kind == "passport"
    assert KINDS["passport"].validate(record.data) == _canonical("passport", mrz=None)


def test_it_lists_what_an_identity_holds_that_coffer_does_not_by_name_only():
    left = _left("Erika")
    assert left["custom field 'Shoe size'"] == "Coffer records have no custom fields."
    assert "custom field 'Recovery word'" in left
    assert {"identity: address1", "identity: city", "identity: email", "identity: phone", "identity: ssn",
            "identity: title", "identity: country", "notes"} <= set(left)
    assert "custom field 'Nationality'" not in left  # used for the passport
    assert "swordfish" not in json.dumps(_plan().to_json())


def test_it_reads_a_card_item_into_a_bank_card():
    assert KINDS["bank_card"].validate(_record("Visa").data) == _canonical("bank_card", holder="Erika Mustermann")
    assert set(_left("Visa")) == {"custom field 'PIN'", "favorite mark"}


def test_it_lists_folders_once_for_the_whole_export():
    assert [(item.source, item.what) for item in _plan().left if item.what == "folders"] == [("the export", "folders")]


def test_it_reads_a_secure_note_with_its_name_as_title():
    assert KINDS["note"].validate(_record("Wi-Fi").data) == _canonical("note")


def test_it_reads_the_2026_passport_item_type():
    assert KINDS["passport"].validate(_record("Reisepass").data) == _canonical("passport", mrz=None)
    assert set(_left("Reisepass")) == {"passport: passportType", "passport: birthPlace", "passport: issuingAuthority"}


def test_it_reads_the_2026_drivers_license_item_type():
    record = _record("Permis")
    assert KINDS["driver_licence"].validate(record.data) == _canonical(
        "driver_licence", surname="Mustermann", given_names="Erika", date_of_birth="1964-08-12"
    )
    assert set(_left("Permis")) == {"driver's license: issuingState", "driver's license: issuingAuthority"}


def test_it_reads_a_bank_account_item():
    assert KINDS["bank_account"].validate(_record("Girokonto").data) == _canonical(
        "bank_account", holder="Erika Mustermann"
    )
    assert set(_left("Girokonto")) == {"bank account: accountType", "bank account: pin"}


def test_it_lists_each_unsupported_item_type():
    assert _left("Mail") == {"a login item": "Coffer holds no website logins.",
                             "notes": "Coffer keeps notes as their own records, not on other records."}
    assert _left("Server key") == {"a SSH key item": "Coffer holds no SSH keys."}
    assert "hunter2" not in json.dumps(_plan().to_json())


def test_it_attaches_zip_attachments_to_the_items_record():
    attachments = attachments_from_zip([
        ("data.json", 100), ("attachments/", 0), (f"attachments/{PASSPORT_ITEM}/", 0),
        (f"attachments/{PASSPORT_ITEM}/scan.pdf", 2048),
        ("attachments/b1000000-0000-4000-8000-000000000007/backup codes.txt", 10),
    ])
    plan = _plan(attachments=attachments)
    (passport,) = [record for record in plan.records if record.label == "Reisepass"]
    assert [(f.name, f.size, f.ref) for f in passport.files] == [
        ("scan.pdf", 2048, f"zip:attachments/{PASSPORT_ITEM}/scan.pdf")
    ]
    # The login is not imported, but its attachment is kept as a loose file.
    assert [f.name for f in plan.files] == ["backup codes.txt"]


@pytest.mark.parametrize("name", [
    "../evil", "attachments/../../etc/passwd", "attachments/x/../y", "/abs/path", "attachments/a/b/c",
    "other.txt", "attachments/x/\x01name",
])
def test_it_refuses_a_zip_member_outside_the_documented_layout(name):
    with pytest.raises(SourceError) as caught:
        attachments_from_zip([("data.json", 1), (name, 1)])
    assert caught.value.code == "bitwarden_zip_layout"


def test_it_refuses_an_encrypted_export():
    with pytest.raises(SourceError) as caught:
        plan_from_bitwarden({"encrypted": True, "encKeyValidation_DO_NOT_EDIT": "2.x", "items": []})
    assert caught.value.code == "bitwarden_encrypted"


@pytest.mark.parametrize("document", [[], {"items": {}}, {"items": [{"name": "no type"}]},
                                      {"items": [{"type": 3, "card": "x"}]}])
def test_it_refuses_what_is_not_a_bitwarden_export(document):
    with pytest.raises(SourceError) as caught:
        plan_from_bitwarden(document)
    assert caught.value.code == "bitwarden_invalid"
