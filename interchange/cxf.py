"""CXF 1.0 (FIDO Alliance Credential Exchange Format) in both directions.

`cxf_from_export(document)` turns an export's records.json document into a CXF
header document (written into the archive as coffer-export/cxf.json).
`cxf_import.plan_from_cxf(document)` reads one back into an ImportPlan.

Coffer writes each record as one CXF item whose title is the record's label:
  id_card        -> identity-document   passport -> passport
  driver_licence -> drivers-license     bank_card -> credit-card
  note           -> note                files     -> file credentials
plus a person-name credential (surname, given names, which the document types hold
only as one fullName) and, for what CXF has no member for (a passport's MRZ, a
note's title, a whole bank account), a custom-fields credential whose id is
base64url("coffer:<kind>") and whose field labels are Coffer's field names. Read
back, that credential restores the record exactly; other importers show it as
ordinary custom fields. docs/export.md holds the mapping tables.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from .cxf_fields import alpha2, b64url, field, unix_seconds

CXF_VERSION = {"major": 1, "minor": 0}
COFFER_MARKER = "coffer:"
DOCUMENT_TYPES = ("identity-document", "passport", "drivers-license", "credit-card", "note")
KIND_OF_TYPE = {
    "identity-document": "id_card", "passport": "passport", "drivers-license": "driver_licence",
    "credit-card": "bank_card", "note": "note",
}

# ---------------------------------------------------------------- Coffer -> CXF


def cxf_from_export(document: dict[str, Any], *, exporter_rp_id: str = "coffer",
                    exporter_display_name: str = "Coffer") -> dict[str, Any]:
    """The CXF 1.0 header document holding the same records and files as `document`
    (an export's records.json, see docs/export.md)."""
    username = document["username"]
    items = [_item_from_record(record) for record in document["records"]]
    items += [_item_from_file(file) for file in document.get("files", [])]
    return {
        "version": dict(CXF_VERSION),
        "exporterRpId": exporter_rp_id,
        "exporterDisplayName": exporter_display_name,
        "timestamp": unix_seconds(document["exported_at"]),
        "accounts": [{
            "id": b64url(hashlib.sha256(username.encode()).digest()),
            "username": username,
            "email": "",
            "collections": [],
            "items": items,
        }],
    }


def _item_from_record(record: dict[str, Any]) -> dict[str, Any]:
    fields = record["fields"]
    credentials = _CREDENTIALS_OF_KIND[record["kind"]](fields)
    credentials += [_file_credential(file) for file in record.get("files", [])]
    item = {
        "id": b64url(uuid.UUID(record["id"]).bytes),
        "creationAt": unix_seconds(record.get("created_at")),
        "modifiedAt": unix_seconds(record.get("updated_at")),
        "title": record["label"],
        "credentials": credentials,
    }
    return {key: value for key, value in item.items() if value is not None}


def _item_from_file(file: dict[str, Any]) -> dict[str, Any]:
    item = {
        "id": b64url(uuid.UUID(file["id"]).bytes),
        "creationAt": unix_seconds(file.get("created_at")),
        "title": file["name"],
        "credentials": [_file_credential(file)],
    }
    return {key: value for key, value in item.items() if value is not None}


def _file_credential(file: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "file",
        "id": b64url(uuid.UUID(file["id"]).bytes),
        "name": file["name"],
        "decryptedSize": file["size"],
        "integrityHash": b64url(bytes.fromhex(file["sha256"])),
    }


def _members(**values: tuple[str, str | None]) -> dict[str, Any]:
    """CXF members from name=(fieldType, value), leaving out absent values."""
    return {name: field(field_type, value) for name, (field_type, value) in values.items() if value}


def _person_name(fields: dict[str, Any]) -> list[dict[str, Any]]:
    names = _members(given=("string", fields.get("given_names")), surname=("string", fields.get("surname")))
    return [{"type": "person-name", **names}] if names else []


def _full_name(fields: dict[str, Any]) -> str | None:
    return " ".join(part for part in (fields.get("given_names"), fields.get("surname")) if part) or None


def _coffer_fields(kind: str, fields: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, Any]]:
    kept = [field("concealed-string" if name == "mrz" else "string", fields[name], label=name, id=b64url(name.encode()))
            for name in names if fields.get(name) not in (None, "")]
    if not kept:
        return []
    return [{"type": "custom-fields", "id": b64url(f"{COFFER_MARKER}{kind}".encode()),
             "label": f"Coffer {kind}", "fields": kept}]


def _id_card(fields: dict[str, Any]) -> list[dict[str, Any]]:
    document = _members(
        issuingCountry=("country-code", alpha2(fields.get("issuing_country"))),
        documentNumber=("string", fields.get("document_number")),
        identificationNumber=("string", fields.get("personal_number")),
        fullName=("string", _full_name(fields)),
        birthDate=("date", fields.get("date_of_birth")),
        issueDate=("date", fields.get("date_of_issue")),
        expiryDate=("date", fields.get("date_of_expiry")),
    )
    return [{"type": "identity-document", **document}, *_person_name(fields)]


def _passport(fields: dict[str, Any]) -> list[dict[str, Any]]:
    mrz = fields.get("mrz")
    document = _members(
        issuingCountry=("country-code", alpha2(fields.get("issuing_country"))),
        # ICAO 9303 document code: the MRZ's first two characters, filler removed.
        passportType=("string", mrz[:2].rstrip("<") if mrz else None),
        passportNumber=("string", fields.get("number")),
        nationalIdentificationNumber=("string", fields.get("personal_number")),
        # Nationality stays ICAO alpha-3: CXF gives it no code format, and it may be
        # a code (XXA stateless, UNO) that is no ISO country.
        nationality=("string", fields.get("nationality")),
        fullName=("string", _full_name(fields)),
        birthDate=("date", fields.get("date_of_birth")),
        sex=("string", fields.get("sex")),
        issueDate=("date", fields.get("date_of_issue")),
        expiryDate=("date", fields.get("date_of_expiry")),
    )
    return [{"type": "passport", **document}, *_person_name(fields), *_coffer_fields("passport", fields, ("mrz",))]


def _driver_licence(fields: dict[str, Any]) -> list[dict[str, Any]]:
    document = _members(
        fullName=("string", _full_name(fields)),
        birthDate=("date", fields.get("date_of_birth")),
        issueDate=("date", fields.get("date_of_issue")),
        expiryDate=("date", fields.get("date_of_expiry")),
        country=("country-code", alpha2(fields.get("country"))),
        licenseNumber=("string", fields.get("number")),
        licenseClass=("string", " ".join(fields.get("categories") or ()) or None),
    )
    return [{"type": "drivers-license", **document}, *_person_name(fields)]


def _bank_card(fields: dict[str, Any]) -> list[dict[str, Any]]:
    expiry = None
    if fields.get("expiry_year") and fields.get("expiry_month"):
        expiry = f"{fields['expiry_year']:04d}-{fields['expiry_month']:02d}"
    card = _members(
        number=("concealed-string", fields.get("number")),
        fullName=("string", fields.get("holder")),
        cardType=("string", fields.get("brand") if fields.get("brand") != "unknown" else None),
        verificationNumber=("concealed-string", fields.get("cvv")),
        expiryDate=("year-month", expiry),
    )
    return [{"type": "credit-card", **card}]


def _note(fields: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "note", "content": field("string", fields.get("text", ""))},
            *_coffer_fields("note", fields, ("title",))]


def _bank_account(fields: dict[str, Any]) -> list[dict[str, Any]]:
    # CXF 1.0 has no bank account type: the fields travel as labelled custom fields.
    return _coffer_fields("bank_account", fields, ("holder", "bank_name", "iban", "account_number",
                                                   "routing_code", "bic"))


_CREDENTIALS_OF_KIND: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "id_card": _id_card, "passport": _passport, "driver_licence": _driver_licence,
    "bank_card": _bank_card, "note": _note, "bank_account": _bank_account,
}
WRITTEN_KINDS = frozenset(_CREDENTIALS_OF_KIND)
