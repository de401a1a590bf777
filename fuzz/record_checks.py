"""The checksum and code checkers in records/schemas: Luhn, IBAN, BIC and the passport MRZ.

Untrusted input: any text a client sends as a card number, IBAN, BIC or MRZ. The
checkers answer yes/no or a problem string and raise nothing, except parse_td3's
MrzError and mrz_check_digit's ValueError (both ValueErrors). What they accept is
checked against independent implementations written here from the standards.
"""

from __future__ import annotations

from fuzz import harness
from records.schemas.checks import (
    IBAN_LENGTHS,
    MRZ_ALPHABET,
    bic_problem,
    iban_problem,
    luhn_valid,
    mrz_check_digit,
    normalise_iban,
)
from records.schemas.countries import ALPHA2
from records.schemas.mrz import LINE_LENGTH, MrzError, name_spellings, normalise_mrz, parse_td3

ASCII_DIGITS = frozenset("0123456789")
ASCII_UPPER_AND_DIGITS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def reference_luhn(digits: str) -> bool:
    """ISO/IEC 7812-1 Annex B: double every second digit from the right."""
    if not digits or not set(digits) <= ASCII_DIGITS:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = (ord(char) - 48) * (2 if position % 2 else 1)
        total += value // 10 + value % 10
    return total % 10 == 0


def reference_iban_ok(iban: str) -> bool:
    """ISO 13616: letters as 10..35, the first four characters moved to the end, mod 97 == 1."""
    if not set(iban) <= ASCII_UPPER_AND_DIGITS or IBAN_LENGTHS.get(iban[:2]) != len(iban):
        return False
    if not iban[2:4].isascii() or not iban[2:4].isdigit() or not iban[:2].isalpha():
        return False
    remainder = 0
    for char in iban[4:] + iban[:4]:
        for digit in str(int(char, 36)):
            remainder = (remainder * 10 + int(digit)) % 97
    return remainder == 1


def reference_check_digit(field: str) -> str:
    values = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")} | {"<": 0}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(field)) % 10)


def _check_luhn(text: str) -> None:
    assert luhn_valid(text) == reference_luhn(text), f"Luhn disagrees on {text!r}"


def _check_iban(text: str) -> None:
    iban = normalise_iban(text)
    problem = iban_problem(iban)
    assert problem is None or isinstance(problem, str)
    assert (problem is None) == reference_iban_ok(iban), f"IBAN check disagrees on {iban!r}: {problem}"


def _check_bic(text: str) -> None:
    problem = bic_problem(text)
    if problem is None:
        assert len(text) in (8, 11) and set(text) <= ASCII_UPPER_AND_DIGITS, f"bad BIC accepted: {text!r}"
        assert text[4:6] in ALPHA2 or text[4:6] == "XK"
        assert text[4:6].isalpha()


def _check_mrz(text: str) -> None:
    zone = normalise_mrz(text)
    try:
        parsed = parse_td3(zone)
    except MrzError:
        return
    first, second = zone.split("\n")
    assert len(first) == len(second) == LINE_LENGTH and set(first + second) <= MRZ_ALPHABET
    for field, digit in ((second[0:9], second[9]), (second[13:19], second[19]), (second[21:27], second[27])):
        assert reference_check_digit(field) == digit, f"a wrong MRZ check digit passed: {zone!r}"
    composite = second[0:10] + second[13:20] + second[21:43]
    assert reference_check_digit(composite) == second[43]
    assert parsed.sex in ("M", "F", "<")
    assert normalise_mrz(zone) == zone


def one_input(data: bytes) -> None:
    text = harness.text_of(data)
    _check_luhn(text)
    _check_iban(text)
    _check_bic(text)
    _check_mrz(text)
    try:
        digit = mrz_check_digit(text)
    except ValueError:
        pass
    else:
        assert digit in "0123456789" and len(digit) == 1
        if set(text) <= MRZ_ALPHABET:
            assert digit == reference_check_digit(text)
    spellings = name_spellings(text)
    assert spellings is None or all(set(s) <= ASCII_UPPER_AND_DIGITS for s in spellings)


if __name__ == "__main__":
    harness.main(one_input)
