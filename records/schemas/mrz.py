"""The TD3 machine-readable zone of a passport (ICAO 9303 Part 4): parse and check.

Two lines of 44 characters:

    line 1: P, type, issuing state (3), names (39: SURNAME<<GIVEN<NAMES<<<)
    line 2: number (9), check, nationality (3), birth YYMMDD, check, sex,
            expiry YYMMDD, check, personal number (14), check, composite check
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .checks import MRZ_ALPHABET, mrz_check_digit

LINE_LENGTH = 44

# ICAO codes that differ from ISO 3166-1 alpha-3 but name an ISO country.
ICAO_TO_ISO = {"D": "DEU"}


class MrzError(ValueError):
    """The MRZ is malformed or a check digit is wrong. The message says which, for people."""


@dataclass(frozen=True)
class Td3:
    document_type: str
    issuing_state: str
    surname: str  # '<'-separated words, fillers removed
    given_names: str
    names_truncated: bool  # the name field is full, so the names may be cut short
    number: str
    nationality: str
    date_of_birth: str  # YYMMDD, '<' where unknown
    sex: str  # 'M', 'F' or '<'
    date_of_expiry: str
    personal_number: str


def normalise_mrz(text: str) -> str:
    """Upper-cased, trailing blanks dropped, as two lines joined by a newline.

    A single 88-character line is split in two, so OCR output pastes as is.
    """
    lines = [line.strip() for line in text.strip().upper().splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) == 2 * LINE_LENGTH:
        lines = [lines[0][:LINE_LENGTH], lines[0][LINE_LENGTH:]]
    return "\n".join(lines)


def _state(code: str) -> str:
    code = code.rstrip("<")
    return ICAO_TO_ISO.get(code, code)


def _check(field: str, digit: str, what: str, *, may_be_filler: bool = False) -> None:
    if may_be_filler and digit == "<" and set(field) == {"<"}:
        return
    if digit != mrz_check_digit(field):
        raise MrzError(f"The MRZ check digit for the {what} is wrong.")


def parse_td3(text: str) -> Td3:
    """Parse a normalised TD3 MRZ, verifying every check digit."""
    lines = text.split("\n")
    if len(lines) != 2 or any(len(line) != LINE_LENGTH for line in lines):
        raise MrzError("A passport MRZ is two lines of 44 characters (ICAO 9303 TD3).")
    if any(char not in MRZ_ALPHABET for line in lines for char in line):
        raise MrzError("An MRZ holds only the letters A-Z, digits and '<'.")
    first, second = lines
    if first[0] != "P":
        raise MrzError("A passport MRZ starts with 'P'.")
    _check(second[0:9], second[9], "document number")
    _check(second[13:19], second[19], "date of birth")
    _check(second[21:27], second[27], "date of expiry")
    _check(second[28:42], second[42], "personal number", may_be_filler=True)
    _check(second[0:10] + second[13:20] + second[21:43], second[43], "whole zone (composite)")
    if second[20] not in "MF<":
        raise MrzError("The sex in the MRZ must be 'M', 'F' or '<'.")
    surname, _, given_names = first[5:].partition("<<")
    return Td3(
        document_type=first[0:2].rstrip("<"),
        issuing_state=_state(first[2:5]),
        surname=surname.strip("<"),
        given_names=given_names.strip("<"),
        names_truncated=first[-1] != "<",
        number=second[0:9].rstrip("<"),
        nationality=_state(second[10:13]),
        date_of_birth=second[13:19],
        sex=second[20],
        date_of_expiry=second[21:27],
        personal_number=second[28:42].rstrip("<"),
    )


# ---- comparing the zone with the printed fields ----

# ICAO 9303 Part 3 §6 transliterations that are not just a dropped accent.
_TRANSLITERATIONS = {
    "Ä": "AE", "Ö": "OE", "Ü": "UE", "ß": "SS", "Å": "AA", "Æ": "AE", "Ø": "OE",
    "Œ": "OE", "Þ": "TH", "Ð": "D", "Ĳ": "IJ", "Ł": "L", "Đ": "D", "Ħ": "H", "İ": "I", "ı": "I",
}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def name_spellings(name: str) -> set[str] | None:
    """The A-Z-only spellings an MRZ may use for a printed name (both 'MUELLER' and
    'MULLER' for 'Müller'); None if the name is in a script the MRZ cannot compare."""
    upper = name.upper()
    icao = "".join(_TRANSLITERATIONS.get(c, c) for c in upper)
    spellings = set()
    for variant in (_strip_accents(icao), _strip_accents(upper)):
        variant = "".join(_TRANSLITERATIONS.get(c, c) for c in variant)
        if any(c.isalpha() and not ("A" <= c <= "Z") for c in variant):
            return None
        spellings.add("".join(c for c in variant if "A" <= c <= "Z"))
    return spellings


def name_agrees(printed: str, in_zone: str, *, truncated: bool) -> bool:
    spellings = name_spellings(printed)
    if spellings is None:
        return True  # a non-Latin printed name: nothing to compare it with
    letters = in_zone.replace("<", "")
    if truncated:
        return any(spelling.startswith(letters) for spelling in spellings)
    return letters in spellings


def yymmdd_agrees(printed, in_zone: str) -> bool:
    """`printed` is a date; '<' in the zone stands for an unknown digit."""
    text = printed.strftime("%y%m%d")
    return all(z == "<" or z == p for z, p in zip(in_zone, text, strict=True))
