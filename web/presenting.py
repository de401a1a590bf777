"""How records look on the pages: names of kinds and fields, the key field of each
kind, expiry. Masking itself is records.presenting's; this only arranges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from records.presenting import present_record
from records.schemas import KINDS
from records.selectors import OpenedRecord

from .countries import COUNTRY_NAMES


@dataclass(frozen=True)
class KindInfo:
    name: str
    title: str
    plural: str
    blurb: str
    # The field that tells two records of this kind apart, shown masked in lists.
    key_fields: tuple[str, ...]

    @property
    def noun(self) -> str:
        """The title inside a sentence: "passport", "driving licence", but "ID card"."""
        return self.title if self.title[:2].isupper() else self.title[0].lower() + self.title[1:]


KIND_INFO: dict[str, KindInfo] = {
    info.name: info
    for info in (
        KindInfo(
            "passport",
            "Passport",
            "Passports",
            "Number, dates and the machine-readable zone.",
            ("number",),
        ),
        KindInfo(
            "id_card", "ID card", "ID cards", "A national identity card.", ("document_number",)
        ),
        KindInfo(
            "driver_licence",
            "Driving licence",
            "Driving licences",
            "Number, country and categories.",
            ("number",),
        ),
        KindInfo(
            "bank_card", "Bank card", "Bank cards", "Card number, expiry and CVV.", ("number",)
        ),
        KindInfo(
            "bank_account",
            "Bank account",
            "Bank accounts",
            "IBAN, or account number and routing code.",
            ("iban", "account_number"),
        ),
        KindInfo(
            "note", "Secure note", "Secure notes", "Anything else worth keeping secret.", ("title",)
        ),
    )
}
assert set(KIND_INFO) == set(KINDS), "every kind of record needs a KindInfo"

FIELD_LABELS: dict[str, str] = {
    "number": "Number",
    "document_number": "Document number",
    "issuing_country": "Issuing country",
    "country": "Country",
    "surname": "Surname",
    "given_names": "Given names",
    "nationality": "Nationality",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "date_of_issue": "Date of issue",
    "date_of_expiry": "Expiry date",
    "personal_number": "Personal number",
    "mrz": "Machine-readable zone (MRZ)",
    "categories": "Categories",
    "holder": "Holder",
    "expiry_month": "Expiry month",
    "expiry_year": "Expiry year",
    "cvv": "CVV",
    "brand": "Brand",
    "bank_name": "Bank",
    "iban": "IBAN",
    "account_number": "Account number",
    "routing_code": "Routing code",
    "bic": "BIC (SWIFT)",
    "title": "Title",
    "text": "Text",
}

KIND_FIELD_LABELS: dict[tuple[str, str], str] = {
    ("passport", "number"): "Passport number",
    ("driver_licence", "number"): "Licence number",
    ("bank_card", "number"): "Card number",
    ("bank_card", "holder"): "Name on the card",
    ("bank_account", "holder"): "Account holder",
    ("note", "text"): "Note",
}

BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "maestro": "Maestro",
    "discover": "Discover",
    "jcb": "JCB",
    "diners": "Diners Club",
    "unionpay": "UnionPay",
    "mir": "Mir",
    "unknown": "Card",
}


def field_label(kind: str, name: str) -> str:
    return (
        KIND_FIELD_LABELS.get((kind, name))
        or FIELD_LABELS.get(name)
        or name.replace("_", " ").capitalize()
    )


def secret_fields(kind: str) -> frozenset[str]:
    spec = KINDS[kind]
    return spec.partly_masked | spec.fully_masked


# A note's text is what one edits a note for: its edit form shows it (a reveal, audited).
# Every other secret (numbers, CVV, IBAN, MRZ) stays masked there, kept unless typed over.
_SHOWN_WHEN_EDITING = {"note": frozenset({"text"})}


def secrets_hidden_when_editing(kind: str) -> frozenset[str]:
    return secret_fields(kind) - _SHOWN_WHEN_EDITING.get(kind, frozenset())


DATE_FIELDS = frozenset({"date_of_birth", "date_of_issue", "date_of_expiry"})
COUNTRY_FIELDS = frozenset({"issuing_country", "nationality", "country"})


def display_value(name: str, value: Any) -> str:
    """A value as the pages show it: dates spelled out, countries named."""
    if name in DATE_FIELDS and isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
            return f"{day.day} {day:%b %Y}"
        except ValueError:
            return value
    if name in COUNTRY_FIELDS and value in COUNTRY_NAMES:
        return f"{COUNTRY_NAMES[value]} ({value})"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if name == "brand":
        return BRANDS.get(value, str(value))
    if name == "expiry_month" and isinstance(value, int):
        return f"{value:02d}"
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Row:
    """One record in the vault list. Holds masked values only."""

    id: str
    kind: KindInfo
    label: str
    key_label: str
    key_value: str  # masked when the field is secret
    key_secret: bool
    extra: str
    expires_on: date | None
    expired: bool
    expires_soon: bool
    integrity_error: bool
    documents: int = 0
    # Days from today to the expiry date (0 on the day); None when the record never expires.
    expires_in_days: int | None = None


# A record that expires within this many days is "expiring soon" (a badge and a filter).
EXPIRES_SOON_DAYS = 90


def _expiry(opened: OpenedRecord) -> date | None:
    return KINDS[opened.record.kind].expires_on(opened.payload.data)


def record_row(opened: OpenedRecord, *, today: date | None = None) -> Row:
    today = today or timezone.localdate()
    info = KIND_INFO[opened.record.kind]
    shown = present_record(opened, today=today)
    if shown["integrity_error"]:
        return Row(
            str(opened.record.pk), info, info.title, "", "", False, "", None, False, False, True
        )
    data = shown["data"]
    key = next((name for name in info.key_fields if name in data), info.key_fields[0])
    expires_on = _expiry(opened)
    extra = BRANDS.get(data.get("brand", ""), "") if opened.record.kind == "bank_card" else ""
    return Row(
        id=str(opened.record.pk),
        kind=info,
        label=shown["label"]
        or (data.get("title") if opened.record.kind == "note" else None)
        or info.title,
        key_label=field_label(opened.record.kind, key),
        key_value=display_value(key, data.get(key, "")),
        key_secret=key in secret_fields(opened.record.kind),
        extra=extra,
        expires_on=expires_on,
        expired=bool(shown["expired"]),
        expires_soon=bool(expires_on and not shown["expired"] and (expires_on - today).days <= EXPIRES_SOON_DAYS),
        integrity_error=False,
        expires_in_days=(expires_on - today).days if expires_on else None,
    )


def group_rows(rows: list[Row]) -> list[tuple[KindInfo, list[Row]]]:
    """Rows grouped by kind, in the order kinds are listed, empty groups left out."""
    groups = {name: [] for name in KIND_INFO}
    for row in rows:
        groups[row.kind.name].append(row)
    return [(KIND_INFO[name], items) for name, items in groups.items() if items]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str  # masked unless revealed
    secret: bool
    multiline: bool


def record_fields(
    opened: OpenedRecord, *, reveal: bool = False, reveal_only: str | None = None
) -> list[Field]:
    """The detail page's fields. With `reveal_only`, one secret field is shown unmasked."""
    kind = opened.record.kind
    masked = present_record(opened)["data"]
    revealed = present_record(opened, reveal=True)["data"] if reveal or reveal_only else masked
    secrets = secret_fields(kind)
    fields = []
    for name, value in masked.items():
        if reveal or name == reveal_only:
            value = revealed[name]
        fields.append(
            Field(
                name,
                field_label(kind, name),
                display_value(name, value),
                name in secrets,
                name in ("mrz", "text"),
            )
        )
    return fields
