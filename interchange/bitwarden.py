"""Bitwarden's unencrypted export (JSON, or the .zip with data.json and attachments).

Item types (libs/common/src/vault/enums/cipher-type.ts): 1 login, 2 secure note,
3 card, 4 identity, 5 SSH key, 6 bank account, 7 driver's license, 8 passport.
Coffer takes notes, cards, identities (as a passport, driving licence and/or ID
card where their numbers are present), bank accounts, driver's licenses and
passports; the zip's attachments/<item id>/<file name> become files of the item's
first record (or loose files). Custom fields fill a record's fields when their
name says which (see _ALIASES); everything else is listed, by name, never value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .cxf_fields import alpha3, coffer_sex, cxf_date
from .plan import ImportPlan, PlannedFile, PlannedRecord, SourceError

LOGIN, SECURE_NOTE, CARD, IDENTITY, SSH_KEY, BANK_ACCOUNT, DRIVERS_LICENSE, PASSPORT = range(1, 9)
TYPE_NAMES = {LOGIN: "login", SECURE_NOTE: "secure note", CARD: "card", IDENTITY: "identity", SSH_KEY: "SSH key",
              BANK_ACCOUNT: "bank account", DRIVERS_LICENSE: "driver's license", PASSPORT: "passport"}
_UNSUPPORTED = {LOGIN: "Coffer holds no website logins.", SSH_KEY: "Coffer holds no SSH keys."}

# Custom field names (lower-cased, letters and digits only) that name a Coffer field.
_ALIASES = {
    "dateofbirth": "date_of_birth", "birthdate": "date_of_birth", "dob": "date_of_birth",
    "dateofissue": "date_of_issue", "issuedate": "date_of_issue", "issued": "date_of_issue",
    "dateofexpiry": "date_of_expiry", "expirydate": "date_of_expiry", "expirationdate": "date_of_expiry",
    "expires": "date_of_expiry", "nationality": "nationality", "sex": "sex", "gender": "sex",
    "issuingcountry": "issuing_country", "personalnumber": "personal_number", "mrz": "mrz",
    "documentnumber": "document_number", "idcardnumber": "document_number", "idnumber": "document_number",
    "categories": "categories", "licenseclass": "categories", "licenceclass": "categories",
    "licensecountry": "country", "licencecountry": "country", "bic": "bic", "swift": "bic", "iban": "iban",
}
_COUNTRY_FIELDS = frozenset({"issuing_country", "nationality", "country"})
_DATE_FIELDS = frozenset({"date_of_birth", "date_of_issue", "date_of_expiry"})
_KIND_FIELDS = {
    "id_card": {"document_number", "issuing_country", "surname", "given_names", "date_of_birth", "date_of_issue",
                "date_of_expiry", "personal_number"},
    "passport": {"number", "issuing_country", "surname", "given_names", "nationality", "date_of_birth", "sex",
                 "date_of_issue", "date_of_expiry", "personal_number", "mrz"},
    "driver_licence": {"number", "country", "categories", "date_of_issue", "date_of_expiry", "surname",
                       "given_names", "date_of_birth"},
    "bank_card": {"holder", "number", "expiry_month", "expiry_year", "cvv"},
    "bank_account": {"holder", "bank_name", "iban", "account_number", "routing_code", "bic"},
    "note": {"title", "text"},
}


def plan_from_bitwarden(document: Any, *, attachments: dict[str, list[PlannedFile]] | None = None) -> ImportPlan:
    """What a Bitwarden export would create. `attachments` maps an item id to its
    files (from the zip's attachments/ folder); a plain JSON export has none."""
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise SourceError("bitwarden_invalid", "This is not a Bitwarden JSON export (no 'items' list).")
    if document.get("encrypted") is True:
        raise SourceError("bitwarden_encrypted", "This Bitwarden export is encrypted; export it unencrypted (JSON or .zip).")
    plan = ImportPlan()
    for key, what in (("folders", "folders"), ("collections", "collections")):
        if document.get(key):
            plan.leave("the export", what, f"Coffer has no {what}: records are created without them.")
    attachments = dict(attachments or {})
    for index, item in enumerate(document["items"]):
        _Item(item, index, plan).read(attachments.pop(_item_id(item), []))
    for item_id, files in attachments.items():
        plan.files.extend(files)
        plan.leave(f"attachments of item {item_id}", "files", "No item in data.json has this id: kept as loose files.")
    return plan


def _item_id(item: Any) -> str | None:
    return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else None


def _text(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # some exporters write a card's month and year as numbers
    return value.strip() if isinstance(value, str) and value.strip() else None


def _joined(*parts: Any) -> str | None:
    return " ".join(text for text in map(_text, parts) if text) or None


class _Item:
    def __init__(self, item: Any, index: int, plan: ImportPlan):
        if not isinstance(item, dict) or not isinstance(item.get("type"), int):
            raise SourceError("bitwarden_invalid", f"Item {index + 1} has no type.")
        self.item, self.plan = item, plan
        self.name = _text(item.get("name")) or ""
        self.where = f"item {index + 1} '{self.name}'" if self.name else f"item {index + 1}"
        self.custom = self._custom_fields()
        self.used_custom: set[str] = set()

    def leave(self, what: str, reason: str) -> None:
        self.plan.leave(self.where, what, reason)

    def section(self, key: str) -> dict[str, Any]:
        value = self.item.get(key)
        if value is not None and not isinstance(value, dict):
            raise SourceError("bitwarden_invalid", f"{self.where}: '{key}' is not an object.")
        return value or {}

    def _custom_fields(self) -> dict[str, tuple[str, str]]:
        """Coffer field -> (custom field name, value), for fields whose name says which."""
        found: dict[str, tuple[str, str]] = {}
        fields = self.item.get("fields") or []
        if not isinstance(fields, list):
            raise SourceError("bitwarden_invalid", f"{self.where}: 'fields' is not a list.")
        self.all_custom = []
        for custom in fields:
            if not isinstance(custom, dict):
                raise SourceError("bitwarden_invalid", f"{self.where}: a custom field is not an object.")
            name = _text(custom.get("name")) or ""
            self.all_custom.append(name)
            target = _ALIASES.get(re.sub(r"[^a-z0-9]", "", name.lower()))
            value = _text(custom.get("value"))
            if target and value and target not in found:
                found[target] = (name, value)
        return found

    def read(self, files: list[PlannedFile]) -> None:
        kind = self.item["type"]
        if kind in _UNSUPPORTED:
            self.leave(f"a {TYPE_NAMES[kind]} item", _UNSUPPORTED[kind])
            records = []
        elif kind in _READERS:
            records = _READERS[kind](self)
        else:
            self.leave(f"an item of type {kind}", "Not a Bitwarden item type Coffer knows.")
            records = []
        for record in records:
            self._fill_from_custom(record)
        if records:
            records[0].files = files
        else:
            self.plan.files.extend(files)
        self.plan.records.extend(records)
        for name in self.all_custom:
            if name not in self.used_custom:
                self.leave(f"custom field '{name}'", "Coffer records have no custom fields.")
        if _text(self.item.get("notes")) and kind != SECURE_NOTE:
            self.leave("notes", "Coffer keeps notes as their own records, not on other records.")
        if self.item.get("favorite") is True and records:
            self.leave("favorite mark", "Coffer has no favourites.")

    def _fill_from_custom(self, record: PlannedRecord) -> None:
        for target, (name, value) in self.custom.items():
            if target not in _KIND_FIELDS[record.kind] or target in record.data:
                continue
            converted = _convert(target, value)
            if converted is None:
                continue
            record.data[target] = converted
            self.used_custom.add(name)

    def record(self, kind: str, data: dict[str, Any], *, label: str | None = None) -> PlannedRecord:
        present = {key: value for key, value in data.items() if value not in (None, "", [])}
        return PlannedRecord(kind=kind, label=label or self.name or kind, data=present, source=self.where)

    def not_held(self, section: dict[str, Any], reasons: dict[str, str], prefix: str) -> None:
        for key, reason in reasons.items():
            if _text(section.get(key)):
                self.leave(f"{prefix}: {key}", reason)

    def country(self, section: dict[str, Any], key: str, prefix: str) -> str | None:
        text = _text(section.get(key))
        code = alpha3(text)
        if text and code is None:
            self.leave(f"{prefix}: {key}", "Not an ISO 3166-1 country code.")
        return code

    def date(self, section: dict[str, Any], key: str, prefix: str) -> str | None:
        text = _text(section.get(key))
        parsed = cxf_date(text)
        if text and parsed is None:
            self.leave(f"{prefix}: {key}", "Not a date as YYYY-MM-DD.")
        return parsed


def _convert(target: str, value: str) -> Any:
    if target in _COUNTRY_FIELDS:
        return alpha3(value)
    if target in _DATE_FIELDS:
        return cxf_date(value)
    if target == "sex":
        return coffer_sex(value)
    if target == "categories":
        return _categories(value)
    return value


def _categories(text: str | None) -> list[str]:
    return [part for part in re.split(r"[\s,;/]+", text or "") if part]


def _secure_note(item: _Item) -> list[PlannedRecord]:
    notes = item.item.get("notes")
    return [item.record("note", {"title": (item.name or "Note")[:200], "text": notes if isinstance(notes, str) else ""})]


def _card(item: _Item) -> list[PlannedRecord]:
    card = item.section("card")
    month, year = _text(card.get("expMonth")), _text(card.get("expYear"))
    expiry_month = int(month) if month and month.isdigit() else None
    expiry_year = int(year) if year and year.isdigit() else None
    if expiry_year is not None and expiry_year < 100:
        expiry_year += 2000
    if (month and expiry_month is None) or (year and expiry_year is None):
        item.leave("card: expiry", "Not a month and year in digits.")
    # The brand is derived from the number in Coffer, so it is not listed as lost.
    return [item.record("bank_card", {
        "holder": _text(card.get("cardholderName")), "number": _text(card.get("number")),
        "expiry_month": expiry_month, "expiry_year": expiry_year, "cvv": _text(card.get("code")),
    })]


_IDENTITY_NOT_HELD = {
    key: "Coffer keeps no contact details or addresses." for key in (
        "title", "address1", "address2", "address3", "city", "state", "postalCode", "company", "email", "phone",
        "username",
    )
}


def _identity(item: _Item) -> list[PlannedRecord]:
    """One Bitwarden identity may hold a passport number, a licence number and an
    SSN: each number present becomes its own record, named after the item."""
    identity = item.section("identity")
    names = {"surname": _text(identity.get("lastName")),
             "given_names": _joined(identity.get("firstName"), identity.get("middleName"))}
    records = []
    if _text(identity.get("passportNumber")):
        records.append(item.record("passport", {"number": _text(identity["passportNumber"]), **names},
                                   label=f"{item.name} (passport)" if item.name else None))
    if _text(identity.get("licenseNumber")):
        records.append(item.record("driver_licence", {"number": _text(identity["licenseNumber"]), **names},
                                   label=f"{item.name} (driving licence)" if item.name else None))
    if "document_number" in item.custom:
        records.append(item.record("id_card", {"personal_number": _text(identity.get("ssn")), **names},
                                   label=f"{item.name} (ID card)" if item.name else None))
    elif _text(identity.get("ssn")):
        item.leave("identity: ssn", "A social security number alone is no ID card; add an 'ID card number' field.")
    if not records:
        item.leave("an identity item", "It holds no passport, licence or ID card number.")
    item.not_held(identity, _IDENTITY_NOT_HELD, "identity")
    if _text(identity.get("country")):
        item.leave("identity: country", "An address's country; give 'Issuing country' or 'Nationality' fields.")
    return records


def _bank_account(item: _Item) -> list[PlannedRecord]:
    account = item.section("bankAccount")
    item.not_held(account, {
        "accountType": "Coffer's bank account has no account type.",
        "branchNumber": "Coffer's bank account has no branch number.",
        "pin": "Coffer does not keep a bank PIN.",
        "bankContactPhone": "Coffer keeps no contact details.",
    }, "bank account")
    return [item.record("bank_account", {
        "holder": _text(account.get("nameOnAccount")), "bank_name": _text(account.get("bankName")),
        "iban": _text(account.get("iban")), "account_number": _text(account.get("accountNumber")),
        "routing_code": _text(account.get("routingNumber")), "bic": _text(account.get("swiftCode")),
    })]


def _drivers_license(item: _Item) -> list[PlannedRecord]:
    licence = item.section("driversLicense")
    prefix = "driver's license"
    item.not_held(licence, {
        "issuingState": "Coffer's driving licence has no state or province.",
        "issuingAuthority": "Coffer's driving licence has no issuing authority.",
    }, prefix)
    return [item.record("driver_licence", {
        "number": _text(licence.get("licenseNumber")),
        "country": item.country(licence, "issuingCountry", prefix),
        "categories": _categories(licence.get("licenseClass") if isinstance(licence.get("licenseClass"), str) else ""),
        "date_of_issue": item.date(licence, "issueDate", prefix),
        "date_of_expiry": item.date(licence, "expirationDate", prefix),
        "surname": _text(licence.get("lastName")),
        "given_names": _joined(licence.get("firstName"), licence.get("middleName")),
        "date_of_birth": item.date(licence, "dateOfBirth", prefix),
    })]


def _passport(item: _Item) -> list[PlannedRecord]:
    passport = item.section("passport")
    prefix = "passport"
    item.not_held(passport, {
        "passportType": "Coffer keeps a passport's type only inside its MRZ.",
        "birthPlace": "Coffer's passport has no place of birth.",
        "issuingAuthority": "Coffer's passport has no issuing authority.",
    }, prefix)
    sex_text = _text(passport.get("sex"))
    if sex_text and coffer_sex(sex_text) is None:
        item.leave("passport: sex", "Coffer holds a passport's sex as printed: F, M or X.")
    return [item.record("passport", {
        "number": _text(passport.get("passportNumber")),
        "issuing_country": item.country(passport, "issuingCountry", prefix),
        "surname": _text(passport.get("surname")),
        "given_names": _text(passport.get("givenName")),
        "nationality": item.country(passport, "nationality", prefix),
        "date_of_birth": item.date(passport, "dateOfBirth", prefix),
        "sex": coffer_sex(sex_text),
        "date_of_issue": item.date(passport, "issueDate", prefix),
        "date_of_expiry": item.date(passport, "expirationDate", prefix),
        "personal_number": _text(passport.get("nationalIdentificationNumber")),
    })]


_READERS: dict[int, Callable[[_Item], list[PlannedRecord]]] = {
    SECURE_NOTE: _secure_note, CARD: _card, IDENTITY: _identity, BANK_ACCOUNT: _bank_account,
    DRIVERS_LICENSE: _drivers_license, PASSPORT: _passport,
}


def attachments_from_zip(members: list[tuple[str, int]]) -> dict[str, list[PlannedFile]]:
    """Item id -> files, from a Bitwarden .zip's member (name, size) list. The zip
    holds data.json and attachments/<item id>/<file name>, nothing else."""
    found: dict[str, list[PlannedFile]] = {}
    for name, size in members:
        if name == "data.json" or name.endswith("/") and name.count("/") <= 2 and name.startswith("attachments/"):
            continue
        parts = name.split("/")
        if (len(parts) != 3 or parts[0] != "attachments" or not parts[1] or not parts[2]
                or parts[1] in (".", "..") or parts[2] in (".", "..") or "\\" in name
                or any(ord(char) < 32 for char in name)):
            raise SourceError("bitwarden_zip_layout", "The zip holds something other than data.json and attachments.")
        found.setdefault(parts[1], []).append(PlannedFile(ref=f"zip:{name}", name=parts[2], size=size))
    return found
