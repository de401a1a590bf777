"""CXF 1.0 -> Coffer: what a CXF header document would create, and what it would not.

See cxf.py for how Coffer writes CXF; this reads any exporter's document, and a
Coffer-written one back exactly. A CXF JSON document alone carries no file contents,
so its file credentials are listed, not imported; read from a CXP container
(cxp.py), each becomes a document of its item's record, or a document on no record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from records.schemas import KINDS
from records.schemas.bank_card import card_brand
from records.schemas.base import SCAN_ROLE_LIMITS

from .cxf import COFFER_MARKER, CXF_VERSION, DOCUMENT_TYPES, KIND_OF_TYPE, WRITTEN_KINDS
from .cxf_fields import alpha3 as to_alpha3
from .cxf_fields import b64url_decode, coffer_sex, cxf_date, split_full_name, value_of, year_month
from .cxp import Member
from .plan import ImportPlan, PlannedFile, PlannedRecord, SourceError

# The role a CXF file gets on a record whose kind takes scans: CXF says nothing of
# which side of a document a file shows.
FILE_ROLE = "other"

# Members of each imported type that Coffer has no field for (name -> why).
_NOT_HELD = {
    "identity-document": {
        "nationality": "Coffer's ID card has no nationality field.",
        "birthPlace": "Coffer's ID card has no place of birth.",
        "sex": "Coffer's ID card has no sex field.",
        "issuingAuthority": "Coffer's ID card has no issuing authority.",
    },
    "passport": {
        "passportType": "Coffer keeps a passport's type only inside its MRZ.",
        "birthPlace": "Coffer's passport has no place of birth.",
        "issuingAuthority": "Coffer's passport has no issuing authority.",
    },
    "drivers-license": {
        "issuingAuthority": "Coffer's driving licence has no issuing authority.",
        "territory": "Coffer's driving licence has no state or province.",
    },
    "credit-card": {
        "cardType": "Coffer derives a card's brand from its number.",
        "pin": "Coffer does not keep a card's PIN.",
        "validFrom": "Coffer's bank card has no 'valid from' date.",
    },
    "note": {},
}
_DOCUMENT_MEMBERS = {
    "identity-document": ("issuingCountry", "documentNumber", "identificationNumber", "nationality", "fullName",
                          "birthDate", "birthPlace", "sex", "issueDate", "expiryDate", "issuingAuthority"),
    "passport": ("issuingCountry", "passportType", "passportNumber", "nationalIdentificationNumber", "nationality",
                 "fullName", "birthDate", "birthPlace", "sex", "issueDate", "expiryDate", "issuingAuthority"),
    "drivers-license": ("fullName", "birthDate", "issueDate", "expiryDate", "issuingAuthority", "territory",
                        "country", "licenseNumber", "licenseClass"),
    "credit-card": ("number", "fullName", "cardType", "verificationNumber", "pin", "expiryDate", "validFrom"),
    "note": ("content",),
}


class _Item:
    """One CXF item being read: its title, where it is, and its credentials by type."""

    def __init__(self, item: dict[str, Any], index: int, plan: ImportPlan,
                 documents: dict[str, Member] | None = None, taken: set[str] | None = None):
        if not isinstance(item, dict) or not isinstance(item.get("credentials"), list):
            raise SourceError("cxf_invalid", f"Item {index + 1} has no list of credentials.")
        title = item.get("title")
        self.title = title if isinstance(title, str) else ""
        self.where = f"item {index + 1} '{self.title}'" if self.title else f"item {index + 1}"
        self.plan = plan
        self.documents = documents  # None: a CXF JSON document alone, no file contents
        self.taken = taken if taken is not None else set()  # documents a file credential already uses
        self.raw = item
        self.credentials = [c for c in item["credentials"] if isinstance(c, dict) and isinstance(c.get("type"), str)]
        if len(self.credentials) != len(item["credentials"]):
            raise SourceError("cxf_invalid", f"{self.where}: a credential has no type.")

    def of_type(self, type_name: str) -> list[dict[str, Any]]:
        return [c for c in self.credentials if c["type"] == type_name]

    def value(self, credential: dict[str, Any], name: str) -> str | None:
        return value_of(credential, name, where=self.where)

    def leave(self, what: str, reason: str) -> None:
        self.plan.leave(self.where, what, reason)


def plan_from_cxf(document: Any, *, documents: dict[str, Member] | None = None) -> ImportPlan:
    """What a CXF 1.x header document would create in Coffer, and what it would not.
    `documents` maps a file credential's id to its member in a CXP container
    (cxp.container_layout); without it, file credentials are listed, not created."""
    if not isinstance(document, dict) or not isinstance(document.get("accounts"), list):
        raise SourceError("cxf_invalid", "This is not a CXF document (no 'accounts' list).")
    version = document.get("version")
    if not isinstance(version, dict) or version.get("major") != CXF_VERSION["major"]:
        raise SourceError("cxf_version", "Only CXF version 1.x documents can be imported.")
    plan = ImportPlan()
    index = 0
    taken: set[str] = set()
    for account in document["accounts"]:
        if not isinstance(account, dict) or not isinstance(account.get("items"), list):
            raise SourceError("cxf_invalid", "A CXF account has no list of items.")
        if account.get("collections"):
            plan.leave("the document", "collections", "Coffer has no collections: records are created without them.")
        for raw in account["items"]:
            _plan_item(_Item(raw, index, plan, documents, taken))
            index += 1
    for file_id in sorted(set(documents or ()) - taken):
        plan.leave("the archive", f"document '{file_id}'", "No file credential names this document.")
    return plan


def _plan_item(item: _Item) -> None:
    kinds_marked = _coffer_custom_fields(item)
    records = [_planned(item, credential, kinds_marked) for credential in item.credentials
               if credential["type"] in DOCUMENT_TYPES]
    if "bank_account" in kinds_marked:
        records.append(PlannedRecord(kind="bank_account", label=item.title, data=dict(kinds_marked["bank_account"]),
                                     source=item.where))
    for record in records:
        record.data.update(kinds_marked.get(record.kind, {}))
    files = [file for file in (_planned_file(item, c) for c in item.of_type("file")) if file is not None]
    if records:
        _attach(records[0], files)
    else:
        item.plan.files.extend(files)
        if files and item.title and item.title not in {file.name for file in files}:
            item.leave("title", "A document on no record keeps its own file name, not the item's title.")
    item.plan.records.extend(records)
    if records:
        for name, what in (("subtitle", "subtitle"), ("tags", "tags"), ("favorite", "favorite mark")):
            if item.raw.get(name):
                item.leave(what, f"Coffer records have no {what}.")
    for credential in item.credentials:
        kind = credential["type"]
        if kind in DOCUMENT_TYPES or kind == "file":
            continue
        if kind == "person-name" and any(r.kind in ("id_card", "passport", "driver_licence") for r in records):
            continue
        if kind == "custom-fields" and _marked_kind(credential):
            continue
        if kind == "custom-fields":
            item.leave("custom fields", "Coffer records have no custom fields.")
        else:
            item.leave(f"a '{kind}' credential", "Coffer holds no credential of this type.")


def _planned(item: _Item, credential: dict[str, Any], marked: dict[str, dict[str, str]]) -> PlannedRecord:
    type_name = credential["type"]
    data = _READERS[type_name](item, credential)
    kept = _kept_elsewhere(type_name, data, marked.get(KIND_OF_TYPE[type_name], {}))
    for name, reason in _NOT_HELD[type_name].items():
        value = item.value(credential, name)
        if value is not None and not kept(name, value):
            item.leave(f"{type_name}: {name}", reason)
    for name in credential:
        if name not in _DOCUMENT_MEMBERS[type_name] and name not in ("type", "id", "extensions"):
            item.leave(f"{type_name}: {name}", "Not a member CXF 1.0 defines for this type.")
    label = item.title or type_name
    return PlannedRecord(kind=KIND_OF_TYPE[type_name], label=label, data=_present(data), source=item.where)


def _kept_elsewhere(type_name: str, data: dict[str, Any], marked: dict[str, str]) -> Callable[[str, str], bool]:
    """Whether a member Coffer has no field for is still kept: a card type that is the
    brand Coffer derives from the number, a passport type that the MRZ repeats."""

    def kept(name: str, value: str) -> bool:
        if type_name == "credit-card" and name == "cardType":
            digits = (data.get("number") or "").replace(" ", "")
            return digits.isascii() and digits.isdigit() and card_brand(digits) == value.strip().lower()
        if type_name == "passport" and name == "passportType":
            return marked.get("mrz", "")[:2].rstrip("<") == value.strip().upper()
        return False

    return kept


def _present(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value not in (None, "", [])}


def _names(item: _Item, credential: dict[str, Any]) -> dict[str, str | None]:
    """Surname and given names: from a person-name credential in the item, else split
    from the document's one fullName (said in the preview)."""
    for person in item.of_type("person-name"):
        surname = " ".join(filter(None, (item.value(person, n) for n in ("surnamePrefix", "surname", "surname2"))))
        given = " ".join(filter(None, (item.value(person, n) for n in ("given", "given2"))))
        if surname or given:
            return {"surname": surname or None, "given_names": given or None}
    full_name = item.value(credential, "fullName")
    if not full_name:
        return {}
    given, surname = split_full_name(full_name)
    item.leave(f"{credential['type']}: fullName", "Split at the last space into given names and surname; check them.")
    return {"surname": surname, "given_names": given}


def _country(item: _Item, credential: dict[str, Any], name: str) -> str | None:
    text = item.value(credential, name)
    code = to_alpha3(text)
    if text and code is None:
        item.leave(f"{credential['type']}: {name}", "Not an ISO 3166-1 country code.")
    return code


def _date(item: _Item, credential: dict[str, Any], name: str) -> str | None:
    text = item.value(credential, name)
    parsed = cxf_date(text)
    if text and parsed is None:
        item.leave(f"{credential['type']}: {name}", "Not a date (RFC 3339).")
    return parsed


def _read_identity_document(item: _Item, credential: dict[str, Any]) -> dict[str, Any]:
    return {
        "document_number": item.value(credential, "documentNumber"),
        "issuing_country": _country(item, credential, "issuingCountry"),
        **_names(item, credential),
        "date_of_birth": _date(item, credential, "birthDate"),
        "date_of_issue": _date(item, credential, "issueDate"),
        "date_of_expiry": _date(item, credential, "expiryDate"),
        "personal_number": item.value(credential, "identificationNumber"),
    }


def _read_passport(item: _Item, credential: dict[str, Any]) -> dict[str, Any]:
    sex_text = item.value(credential, "sex")
    sex = coffer_sex(sex_text)
    if sex_text and sex is None:
        item.leave("passport: sex", "Coffer holds a passport's sex as printed: F, M or X.")
    return {
        "number": item.value(credential, "passportNumber"),
        "issuing_country": _country(item, credential, "issuingCountry"),
        **_names(item, credential),
        "nationality": _country(item, credential, "nationality"),
        "date_of_birth": _date(item, credential, "birthDate"),
        "sex": sex,
        "date_of_issue": _date(item, credential, "issueDate"),
        "date_of_expiry": _date(item, credential, "expiryDate"),
        "personal_number": item.value(credential, "nationalIdentificationNumber"),
    }


def _read_drivers_license(item: _Item, credential: dict[str, Any]) -> dict[str, Any]:
    classes = item.value(credential, "licenseClass") or ""
    return {
        "number": item.value(credential, "licenseNumber"),
        "country": _country(item, credential, "country"),
        "categories": [c for c in classes.replace(",", " ").replace(";", " ").replace("/", " ").split() if c],
        "date_of_issue": _date(item, credential, "issueDate"),
        "date_of_expiry": _date(item, credential, "expiryDate"),
        **_names(item, credential),
        "date_of_birth": _date(item, credential, "birthDate"),
    }


def _read_credit_card(item: _Item, credential: dict[str, Any]) -> dict[str, Any]:
    expiry_text = item.value(credential, "expiryDate")
    expiry = year_month(expiry_text)
    if expiry_text and expiry is None:
        item.leave("credit-card: expiryDate", "Not a year and month (YYYY-MM).")
    year, month = expiry or (None, None)
    return {
        "holder": item.value(credential, "fullName"),
        "number": item.value(credential, "number"),
        "expiry_month": month,
        "expiry_year": year,
        "cvv": item.value(credential, "verificationNumber"),
    }


def _read_note(item: _Item, credential: dict[str, Any]) -> dict[str, Any]:
    content = credential.get("content")
    text = content.get("value") if isinstance(content, dict) else None
    if not isinstance(text, str):
        raise SourceError("cxf_invalid", f"{item.where}: a note has no content.")
    return {"title": (item.title or "Note")[:200], "text": text}


_READERS: dict[str, Callable[[_Item, dict[str, Any]], dict[str, Any]]] = {
    "identity-document": _read_identity_document, "passport": _read_passport,
    "drivers-license": _read_drivers_license, "credit-card": _read_credit_card, "note": _read_note,
}


def _marked_kind(credential: dict[str, Any]) -> str | None:
    """The Coffer kind a custom-fields credential was written for, if Coffer wrote it."""
    try:
        marker = b64url_decode(credential.get("id", "")).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    kind = marker.removeprefix(COFFER_MARKER)
    return kind if marker.startswith(COFFER_MARKER) and kind in WRITTEN_KINDS else None


def _coffer_custom_fields(item: _Item) -> dict[str, dict[str, str]]:
    """Fields Coffer wrote as custom fields (see the module text), by kind."""
    found: dict[str, dict[str, str]] = {}
    for credential in item.of_type("custom-fields"):
        kind = _marked_kind(credential)
        if kind is None or not isinstance(credential.get("fields"), list):
            continue
        for member in credential["fields"]:
            if isinstance(member, dict) and isinstance(member.get("label"), str) and isinstance(member.get("value"), str):
                found.setdefault(kind, {})[member["label"]] = member["value"]
    return found


def _checked_file(item: _Item, credential: dict[str, Any]) -> tuple[str, int, str]:
    """(name, decryptedSize, integrityHash as hex): CXF's FileCredential members, strictly."""
    name, size, digest = credential.get("name"), credential.get("decryptedSize"), credential.get("integrityHash")
    if not isinstance(name, str) or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise SourceError("cxf_invalid", f"{item.where}: a file credential needs a name and a decryptedSize.")
    try:
        sha256 = b64url_decode(digest)
    except ValueError:
        raise SourceError("cxf_invalid", f"{item.where}: a file's integrityHash is not base64url.") from None
    if len(sha256) != 32:
        raise SourceError("cxf_invalid", f"{item.where}: a file's integrityHash is not a SHA-256.")
    return name, size, sha256.hex()


def _planned_file(item: _Item, credential: dict[str, Any]) -> PlannedFile | None:
    """The file to store from the container's documents/<id>, or None (said in the preview)."""
    name, size, sha256 = _checked_file(item, credential)
    what = f"file '{name}'"
    if item.documents is None:
        item.leave(what, "A CXF JSON document does not carry file contents; import the CXP export (.zip) "
                         "that holds it.")
        return None
    file_id = credential.get("id")
    if not isinstance(file_id, str) or not file_id:
        raise SourceError("cxf_invalid", f"{item.where}: a file credential has no id.")
    member = item.documents.get(file_id)
    if member is None:
        item.leave(what, "The archive holds no document for it (documents/<its id>).")
        return None
    if file_id in item.taken:
        item.leave(what, "Another file credential already names the same document.")
        return None
    item.taken.add(file_id)
    if member.size != size:
        item.leave(what, "Its document in the archive is not the size (decryptedSize) the credential gives.")
        return None
    return PlannedFile(ref=f"zip:{member.name}", name=name, size=size, sha256=sha256)


def _attach(record: PlannedRecord, files: list[PlannedFile]) -> None:
    """Files become the record's scans with role `other` where its kind takes that role
    and has room; else documents of the record with no role (a note takes no scans)."""
    room = SCAN_ROLE_LIMITS[FILE_ROLE] if FILE_ROLE in KINDS[record.kind].scan_roles else 0
    for file in files:
        if room:
            file.role, room = FILE_ROLE, room - 1
        record.files.append(file)
