"""plan_from_cxf: a CXF 1.0 document read into what Coffer would create and leave."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import pytest

from interchange.cxf import cxf_from_export
from interchange.cxf_import import plan_from_cxf
from interchange.cxp import Member
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
    assert _left("Scan") == {"file 'scan.pdf'": "A CXF JSON document does not carry file contents; "
                                                "import the CXP export (.zip) that holds it."}
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


# ---- file credentials read from a CXP container (documents/<id> beside the document) ----

FILE_ID = "ERERERERQRGBERERERERMQ"
DIGEST = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg"  # base64url SHA-256 of b"test"


def _file_credential(name: str = "scan.pdf", *, file_id: str = FILE_ID, size: int = 4) -> dict:
    return {"type": "file", "id": file_id, "name": name, "decryptedSize": size, "integrityHash": DIGEST}


def _with_items(*items: dict) -> dict:
    return {"version": {"major": 1, "minor": 0}, "exporterRpId": "example.com", "exporterDisplayName": "Example",
            "timestamp": 1, "accounts": [{"id": "YQ", "username": "", "email": "", "items": list(items)}]}


def _passport_item(*files: dict) -> dict:
    passport = {"type": "passport", "passportNumber": {"fieldType": "string", "value": "C01X00T47"}}
    return {"id": "aXRlbQ", "title": "Reisepass", "credentials": [passport, *files]}


def _documents(*ids: str, size: int = 4) -> dict[str, Member]:
    return {file_id: Member(name=f"documents/{file_id}", size=size, compressed_size=size) for file_id in ids}


def test_a_file_beside_a_document_becomes_its_scan_with_the_role_other():
    plan = plan_from_cxf(_with_items(_passport_item(_file_credential())), documents=_documents(FILE_ID))
    (record,) = plan.records
    (scan,) = record.files
    assert (scan.ref, scan.name, scan.size, scan.role) == (f"zip:documents/{FILE_ID}", "scan.pdf", 4, "other")
    assert scan.sha256 == hashlib.sha256(b"test").hexdigest()
    assert plan.left == [] and plan.files == []


def test_a_file_of_a_note_is_a_document_of_the_note_without_a_role():
    note = {"title": "Lease", "credentials": [{"type": "note", "content": {"fieldType": "string", "value": "x"}},
                                               _file_credential("lease.pdf")]}
    (record,) = plan_from_cxf(_with_items(note), documents=_documents(FILE_ID)).records
    assert [(f.name, f.role) for f in record.files] == [("lease.pdf", "")]


def test_an_item_of_files_alone_gives_documents_on_no_record():
    plan = plan_from_cxf(_with_items({"title": "lease.pdf", "credentials": [_file_credential("lease.pdf")]}),
                         documents=_documents(FILE_ID))
    assert plan.records == [] and [f.name for f in plan.files] == ["lease.pdf"] and plan.left == []


def test_an_item_title_a_loose_document_cannot_keep_is_listed():
    plan = plan_from_cxf(_with_items({"title": "My lease", "credentials": [_file_credential("lease.pdf")]}),
                         documents=_documents(FILE_ID))
    assert [(left.what, left.source) for left in plan.left] == [("title", "item 1 'My lease'")]


def test_a_file_whose_document_is_missing_is_listed_and_the_record_still_made():
    plan = plan_from_cxf(_with_items(_passport_item(_file_credential())), documents={})
    assert [r.files for r in plan.records] == [[]]
    assert {left.what: left.reason for left in plan.left} == {
        "file 'scan.pdf'": "The archive holds no document for it (documents/<its id>)."}


def test_a_document_of_another_size_than_the_credential_says_is_listed():
    plan = plan_from_cxf(_with_items(_passport_item(_file_credential(size=5))), documents=_documents(FILE_ID))
    assert plan.records[0].files == []
    assert [left.what for left in plan.left] == ["file 'scan.pdf'"]


def test_a_document_no_credential_names_is_listed_and_not_stored():
    plan = plan_from_cxf(_with_items(_passport_item()), documents=_documents("b3JwaGFu"))
    assert plan.files == [] and plan.records[0].files == []
    assert [(left.source, left.what) for left in plan.left] == [("the archive", "document 'b3JwaGFu'")]


def test_two_credentials_naming_one_document_store_it_once():
    plan = plan_from_cxf(_with_items(_passport_item(_file_credential("a.pdf"), _file_credential("b.pdf"))),
                         documents=_documents(FILE_ID))
    assert [f.name for f in plan.records[0].files] == ["a.pdf"]
    assert [left.what for left in plan.left] == ["file 'b.pdf'"]


@pytest.mark.parametrize("change", [
    {"id": None}, {"id": ""}, {"decryptedSize": -1}, {"decryptedSize": "4"}, {"integrityHash": "not base64!"},
    {"integrityHash": "YWJj"}, {"name": None},
])
def test_a_malformed_file_credential_is_refused(change):
    credential = {**_file_credential(), **change}
    with pytest.raises(SourceError) as caught:
        plan_from_cxf(_with_items(_passport_item(credential)), documents=_documents(FILE_ID))
    assert caught.value.code == "cxf_invalid"


def test_coffers_own_cxf_with_its_documents_gives_every_file_back():
    document = export_document()
    cxf = cxf_from_export(document)
    ids = [credential["id"] for account in cxf["accounts"] for item in account["items"]
           for credential in item["credentials"] if credential["type"] == "file"]
    sizes = {f["name"]: f["size"] for f in [*document["records"][0]["files"], *document["files"]]}
    documents = {file_id: Member(name=f"documents/{file_id}", size=size, compressed_size=size)
                 for file_id, size in zip(ids, sizes.values())}
    plan = plan_from_cxf(json.loads(json.dumps(cxf)), documents=documents)
    assert plan.left == []
    assert [(f.name, f.role) for r in plan.records for f in r.files] == [("scan.pdf", "other")]
    assert [f.name for f in plan.files] == ["lease.pdf"]
