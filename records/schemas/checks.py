"""Checksums and code formats: Luhn, IBAN mod-97, BIC, ICAO 9303 check digits, ISO 3166.

Pure functions on strings, no Django: each answers a yes/no question or normalises.
"""

from __future__ import annotations

import re

from .countries import ALPHA2, ALPHA3

# ---- countries ----


def is_country_alpha3(code: str) -> bool:
    return code in ALPHA3


# ---- Luhn (payment card numbers) ----


def luhn_valid(digits: str) -> bool:
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass Luhn."""
    for digit in "0123456789":
        if luhn_valid(payload + digit):
            return digit
    raise ValueError("payload must be digits")  # pragma: no cover - unreachable for digits


# ---- IBAN (ISO 13616) ----

# Total IBAN length per country, from the SWIFT IBAN registry. XK (Kosovo) is a
# user-assigned ISO code that the registry uses.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
    "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
    "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
    "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
    "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
    "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def normalise_iban(text: str) -> str:
    """Spaces dropped, letters upper-cased: the electronic format of ISO 13616."""
    return "".join(text.split()).upper()


def iban_mod97(iban: str) -> int:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97


def iban_problem(iban: str) -> str | None:
    """Why a normalised IBAN is not valid, or None if it is."""
    if not iban.isascii() or not _IBAN_SHAPE.fullmatch(iban):
        return "An IBAN is a country code, two check digits and up to 30 letters or digits."
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None:
        return "IBANs are not issued for this country code."
    if len(iban) != expected:
        return f"An IBAN from this country has {expected} characters, not {len(iban)}."
    if iban_mod97(iban) != 1:
        return "The IBAN check digits are wrong (mod-97 check failed)."
    return None


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits for a country code and BBAN."""
    return f"{98 - iban_mod97(country + '00' + bban):02d}"


# ---- BIC (ISO 9362) ----

_BIC_SHAPE = re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


def bic_problem(bic: str) -> str | None:
    if not bic.isascii() or not _BIC_SHAPE.fullmatch(bic):
        return "A BIC is 8 or 11 letters and digits: bank, country, location, optional branch."
    if bic[4:6] not in ALPHA2 and bic[4:6] != "XK":
        return "The BIC's country code (characters 5 and 6) is not an ISO 3166 code."
    return None


# ---- ICAO 9303 check digits (machine-readable zones) ----

MRZ_ALPHABET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<")
_MRZ_WEIGHTS = (7, 3, 1)


def mrz_char_value(char: str) -> int:
    if char == "<":
        return 0
    if char.isdigit():
        return int(char)
    return ord(char) - ord("A") + 10


def mrz_check_digit(field: str) -> str:
    """ICAO 9303 Part 3 §4.9: weights 7, 3, 1 repeating, sum modulo 10."""
    total = sum(mrz_char_value(char) * _MRZ_WEIGHTS[i % 3] for i, char in enumerate(field))
    return str(total % 10)
