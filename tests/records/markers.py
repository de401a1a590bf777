"""Records of every kind with a unique marker in every field that can hold one.

Free-text fields (labels, names, holders, bank names, note title and text) hold
the marker word itself. Number-like fields hold unique random values that pass
their checks (a Luhn-valid card number, a mod-97-valid IBAN, an MRZ with right
check digits), and each of those values is a needle too. Fields with a closed
vocabulary (country codes, dates, sex, months, licence categories) cannot hold a
marker; nothing about them is searchable in a dump anyway.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
from dataclasses import dataclass, field

from records.schemas.checks import iban_check_digits, luhn_check_digit

from .samples import td3, valid


def _letters(n: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def _upper_alnum(n: int) -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(n))


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


@dataclass
class MarkedRecords:
    # A word no table, index or ciphertext can contain by chance: mixed case, not hex.
    marker: str = field(default_factory=lambda: f"CofferMarker{_letters(10)}")
    needles: set[str] = field(default_factory=set)
    records: list[tuple[str, str, dict]] = field(default_factory=list)

    def text(self, name: str) -> str:
        """A free-text value: the marker, the field's name, and non-ASCII text."""
        return f"{self.marker}-{name}-Zoë ünïcödé"

    def value(self, text: str) -> str:
        self.needles.add(text)
        return text

    def add(self, kind: str, data: dict) -> None:
        self.records.append((kind, self.text(f"{kind}-label"), data))


def marked_records() -> MarkedRecords:
    m = MarkedRecords()
    m.needles.add(m.marker)

    m.add("id_card", valid(
        "id_card",
        document_number=m.value("ID" + _upper_alnum(12)),
        surname=m.text("id-surname"),
        given_names=m.text("id-given-names"),
        personal_number=m.value("PN" + _upper_alnum(12)),
    ))

    # The MRZ repeats the names, so they must be letters only: their own needles.
    surname, given = "Marker" + _letters(12), "Marker" + _letters(12)
    number = m.value("P" + _upper_alnum(8))
    personal = m.value("PP" + _upper_alnum(12))
    zone = m.value(td3(number=number, surname=surname, given_names=given, personal_number=personal))
    m.value(surname)
    m.value(given)
    m.value(surname.upper())
    m.add("passport", valid(
        "passport", number=number, surname=surname, given_names=given, personal_number=personal, mrz=zone,
    ))

    m.add("driver_licence", valid(
        "driver_licence",
        number=m.value("DL" + _upper_alnum(12)),
        surname=m.text("dl-surname"),
        given_names=m.text("dl-given-names"),
        date_of_birth="1970-01-01",
    ))

    card_payload = "4" + _digits(14)
    m.add("bank_card", valid(
        "bank_card",
        holder=m.text("card-holder"),
        number=m.value(card_payload + luhn_check_digit(card_payload)),
    ))

    bban = _digits(18)
    m.add("bank_account", valid(
        "bank_account",
        holder=m.text("iban-holder"),
        bank_name=m.text("iban-bank"),
        iban=m.value("DE" + iban_check_digits("DE", bban) + bban),
        bic=m.value(_upper_alnum(4) + "DE" + _upper_alnum(2) + _upper_alnum(3)),
    ))
    m.add("bank_account", valid(
        "bank_account",
        holder=m.text("domestic-holder"),
        bank_name=m.text("domestic-bank"),
        iban=None,
        account_number=m.value("AC" + _upper_alnum(14)),
        routing_code=m.value("RC" + _upper_alnum(10)),
    ))

    m.add("note", {"title": m.text("note-title"), "text": m.text("note-text") + "\n" + m.text("note-line-2")})
    for kind, label, data in m.records:
        m.needles.add(label)
        m.needles.update(value for value in data.values() if isinstance(value, str) and m.marker in value)
    return m


def needle_forms(needle: str) -> set[bytes]:
    """The byte strings a leaked `needle` could show up as in a dump or a database file."""
    raw = needle.encode("utf-8")
    forms = {
        raw,
        json.dumps(needle)[1:-1].encode("ascii"),  # JSON with ensure_ascii
        needle.encode("utf-16-le"),
        raw.hex().encode(),  # pg_dump writes bytea as hex
        raw.hex().upper().encode(),
    }
    for shift in range(3):  # base64 at each of the three byte alignments
        encoded = base64.b64encode(b"\0" * shift + raw)
        forms.add(encoded[4 if shift else 0 : -4])
    if "\n" in needle:
        forms |= {line.encode("utf-8") for line in needle.split("\n")}
    return {form for form in forms if len(form) >= 8}


def leaks(blob: bytes, marked: MarkedRecords) -> list[str]:
    """Each needle found in `blob`, with the form it was found in."""
    found = []
    for needle in sorted(marked.needles):
        for form in needle_forms(needle):
            if form in blob:
                found.append(f"{needle!r} as {form[:40]!r}")
    return found
