"""plan_from_cxf: a CXF 1.0 document read into what Coffer would create and leave."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from interchange.cxf import cxf_from_export
from interchange.cxf_import import plan_from_cxf
from interchange.plan import SourceError
from records.schemas import KINDS
from tests.interchange.samples import export_document
from tests.records.samples import valid

FIXTURE = Path(__file__).parent / "fixtures" / "cxf_every_field.json"


def _document() -> dict:
    return json.loads(FIXTURE.read_text())


def _plan():
    return plan_from_cxf(_document())


def _record(label: str):
    (found,) = [record for record in _plan().records if record.label == label]
    return found


def _left(source_title: str) -> dict[str, str]:
    return {left.what: left.reason for left in _plan().left if f"'{source_title}'" in left.source}


def test_it_reads_an_identity_document_into_a_valid_id_card():
    record = _record("Personalausweis")
    assert record.kind == "id_card"
    assert KINDS["id_card"].validate(record.data) == valid("id_card")


def test_it_lists_the_identity_document_members_an_id_card_cannot_hold():
    assert set(_left("Personalausweis")) == {
        "identity-document: nationality", "identity-document: birthPlace", "identity-document: sex",
        "identity-document: issuingAuthority", "identity-document: fullName",
    }
    assert "last space" in _left("Personalausweis")["identity-document: fullName"]


def test_it_reads_a_passport_taking_the_names_from_its_person_name_credential():
    record = _record("Reisepass")
    assert record.kind == "passport"
    assert KINDS["passport"].validate(record.data) == valid("passport", mrz=None, personal_number="12345678")
    assert set(_left("Reisepass")) == {"passport: passportType", "passport: birthPlace", "passport: issuingAuthority"}


def test_it_reads_a_drivers_license_splitting_its_classes_into_categories():
    record = _record("Führerschein")
    assert record.kind == "driver_licence"
    assert KINDS["driver_licence"].validate(record.data) == KINDS["driver_licence"].validate(valid(
        "driver_licence", country="DEU", categories=["AM", "B", "BE"], surname="Mustermann", given_names="Erika",
        date_of_birth="1964-08-12",
    ))
    assert {"drivers-license: issuingAuthority", "drivers-license: territory"} <= set(_left("Führerschein"))


def test_it_reads_a_credit_card_into_a_bank_card():
    record = _record("Visa")
    assert KINDS["bank_card"].validate(record.data) == KINDS["bank_card"].validate(
        valid("bank_card", holder="Erika Mustermann")
    )
    # The card type is the brand Coffer derives from the number: nothing is lost.
    assert set(_left("Visa")) == {"credit-card: pin", "credit-card: validFrom"}


def test_it_lists_a_card_type_that_disagrees_with_the_number():
    document = _document()
    document["accounts"][0]["items"][3]["credentials"][0]["cardType"]["value"] = "Amex"
    assert "credit-card: cardType" in {item.what for item in plan_from_cxf(document).left}


def test_it_reads_a_note_titled_by_its_item():
    record = _record("Wi-Fi")
    assert KINDS["note"].validate(record.data) == valid("note")


def test_it_lists_a_file_credential_since_the_json_holds_no_contents():
    assert _left("Scan") == {"file 'scan.pdf'": "A CXF JSON document does not carry file contents; upload the file itself."}
    assert not [record for record in _plan().records if record.label == "Scan"]


def test_it_lists_an_unsupported_credential_type_without_its_values():
    left = [item for item in _plan().left if "'Mail login'" in item.source]
    assert [(item.what, item.reason) for item in left] == [
        ("a 'basic-auth' credential", "Coffer holds no credential of this type.")
    ]
    assert "hunter2" not in json.dumps(_plan().to_json()["left"])


def test_it_reads_coffers_own_cxf_back_into_the_same_records():
    document = export_document()
    plan = plan_from_cxf(json.loads(json.dumps(cxf_from_export(document))))
    read_back = {(r.kind, r.label): KINDS[r.kind].validate(r.data) for r in plan.records}
    expected = {}
    for record in document["records"]:
        fields = {k: v for k, v in record["fields"].items() if k not in KINDS[record["kind"]].derived(record["fields"])}
        expected[(record["kind"], record["label"])] = fields
    assert read_back == expected
    assert {item.what for item in plan.left} == {"file 'scan.pdf'", "file 'lease.pdf'"}


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ([], "cxf_invalid"),
        ({"version": {"major": 1, "minor": 0}}, "cxf_invalid"),
        ({"version": {"major": 2, "minor": 0}, "accounts": []}, "cxf_version"),
        ({"version": {"major": 1, "minor": 0}, "accounts": [{"items": [{"title": "x"}]}]}, "cxf_invalid"),
    ],
)
def test_it_refuses_what_is_not_a_cxf_1_document(document, code):
    with pytest.raises(SourceError) as caught:
        plan_from_cxf(document)
    assert caught.value.code == code


def test_it_refuses_an_editable_field_with_an_unknown_field_type():
    document = _document()
    document["accounts"][0]["items"][0]["credentials"][0]["documentNumber"]["fieldType"] = "blob"
    with pytest.raises(SourceError) as caught:
        plan_from_cxf(document)
    assert caught.value.code == "cxf_invalid" and "Personalausweis" in caught.value.message


def test_it_lists_item_metadata_coffer_has_no_place_for():
    document = _document()
    item = document["accounts"][0]["items"][4]
    item.update(subtitle="home", tags=["house"], favorite=True)
    document["accounts"][0]["collections"] = [{"id": "Yw", "title": "Docs", "items": []}]
    left = {(entry.source, entry.what) for entry in plan_from_cxf(document).left}
    assert {("item 5 'Wi-Fi'", "subtitle"), ("item 5 'Wi-Fi'", "tags"), ("item 5 'Wi-Fi'", "favorite mark"),
            ("the document", "collections")} <= left


def test_it_lists_a_country_that_is_no_iso_code():
    document = copy.deepcopy(_document())
    document["accounts"][0]["items"][0]["credentials"][0]["issuingCountry"]["value"] = "ZZ"
    plan = plan_from_cxf(document)
    assert "identity-document: issuingCountry" in {item.what for item in plan.left}
    assert "issuing_country" not in plan.records[0].data


def test_a_card_number_that_is_not_digits_is_listed_not_a_crash():
    document = _document()
    document["accounts"][0]["items"][3]["credentials"][0]["number"]["value"] = "42pe"
    plan = plan_from_cxf(document)
    assert "credit-card: cardType" in {item.what for item in plan.left}
