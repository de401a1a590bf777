"""Valid data for every kind of record, and a TD3 MRZ builder.

The MRZ builder uses the production check-digit function; test_checks pins that
function to the ICAO 9303 specimen, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import copy
from datetime import date

from records.schemas.checks import mrz_check_digit


def _mrz_name(text: str) -> str:
    return text.upper().replace(" ", "<").replace("-", "<")


def td3(
    *,
    number: str = "C01X00T47",
    issuing: str = "DEU",
    surname: str = "Mustermann",
    given_names: str = "Erika",
    nationality: str = "DEU",
    date_of_birth: str = "1964-08-12",
    sex: str = "F",
    date_of_expiry: str = "2034-02-28",
    personal_number: str = "",
) -> str:
    """A TD3 MRZ with correct check digits for these fields."""

    def yymmdd(text: str) -> str:
        return date.fromisoformat(text).strftime("%y%m%d")

    names = f"{_mrz_name(surname)}<<{_mrz_name(given_names)}"
    first = f"P<{issuing:<<3}{names}".ljust(44, "<")[:44]
    number_field = number.ljust(9, "<")
    personal = personal_number.ljust(14, "<")
    birth, expiry = yymmdd(date_of_birth), yymmdd(date_of_expiry)
    sex_char = "<" if sex == "X" else sex
    second = (
        number_field + mrz_check_digit(number_field)
        + nationality.ljust(3, "<")
        + birth + mrz_check_digit(birth)
        + sex_char
        + expiry + mrz_check_digit(expiry)
        + personal + mrz_check_digit(personal)
    )
    composite = second[0:10] + second[13:20] + second[21:43]
    return f"{first}\n{second}{mrz_check_digit(composite)}"


_VALID = {
    "id_card": {
        "document_number": "T22000129",
        "issuing_country": "DEU",
        "surname": "Mustermann",
        "given_names": "Erika",
        "date_of_birth": "1964-08-12",
        "date_of_issue": "2021-01-15",
        "date_of_expiry": "2041-01-14",
        "personal_number": "1234567890",
    },
    "passport": {
        "number": "C01X00T47",
        "issuing_country": "DEU",
        "surname": "Mustermann",
        "given_names": "Erika",
        "nationality": "DEU",
        "date_of_birth": "1964-08-12",
        "sex": "F",
        "date_of_issue": "2024-03-01",
        "date_of_expiry": "2034-02-28",
        "mrz": td3(),
    },
    "driver_licence": {
        "number": "B072RRE2I55",
        "country": "FRA",
        "categories": ["AM", "B"],
        "date_of_issue": "2015-06-01",
        "date_of_expiry": "2040-05-31",
    },
    "bank_card": {
        "holder": "Alice Example",
        "number": "4242 4242 4242 4242",
        "expiry_month": 12,
        "expiry_year": 2040,
        "cvv": "123",
    },
    "bank_account": {
        "holder": "Alice Example",
        "bank_name": "Example Bank",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "COBADEFFXXX",
    },
    "note": {"title": "Wi-Fi", "text": "The password is on the fridge."},
}

KIND_NAMES = tuple(_VALID)


def valid(kind: str, **changes) -> dict:
    """A fresh copy of valid data for `kind`; a change to None drops the field."""
    data = copy.deepcopy(_VALID[kind])
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
