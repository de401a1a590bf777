"""`passport`: a passport, optionally with its machine-readable zone.

When the MRZ is given, its check digits must hold and it must agree with every
field it repeats: number, issuing state, names, nationality, birth, sex, expiry
and, when given, the personal number.
"""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError

from .base import SCAN_ROLES, DocumentNumberField, Kind, KindSerializer, check_document_dates, date_of, name_field
from .fields import CountryField, IsoDateField, StrictCharField
from .mrz import MrzError, Td3, name_agrees, normalise_mrz, parse_td3, yymmdd_agrees

SCHEMA_VERSION = 1

SEXES = ("F", "M", "X")
_PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{1,20}")


class PassportNumberField(StrictCharField):
    default_error_messages = {"format": "A passport number is 1 to 20 letters and digits."}

    def to_internal_value(self, data) -> str:
        number = super().to_internal_value(data).upper()
        if not _PASSPORT_NUMBER.fullmatch(number):
            self.fail("format")
        return number


class SexField(StrictCharField):
    default_error_messages = {"choice": "Must be 'F', 'M' or 'X' (unspecified), as printed."}

    def to_internal_value(self, data) -> str:
        sex = super().to_internal_value(data).upper()
        if sex not in SEXES:
            self.fail("choice")
        return sex


class MrzField(StrictCharField):
    """Two lines of 44 characters, joined by a newline (or one line of 88)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=200, **kwargs)

    def to_internal_value(self, data) -> str:
        text = normalise_mrz(super().to_internal_value(data))
        try:
            parse_td3(text)
        except MrzError as exc:
            raise ValidationError(str(exc)) from None
        return text


class PassportData(KindSerializer):
    number = PassportNumberField()
    issuing_country = CountryField()
    surname = name_field()
    given_names = name_field()
    nationality = CountryField()
    date_of_birth = IsoDateField()
    sex = SexField()
    date_of_issue = IsoDateField()
    date_of_expiry = IsoDateField()
    personal_number = DocumentNumberField(required=False, max_length=14)
    mrz = MrzField(required=False)

    def validate(self, attrs):
        check_document_dates(attrs)
        if "mrz" in attrs:
            disagreements = mrz_disagreements(parse_td3(attrs["mrz"]), attrs)
            if disagreements:
                raise ValidationError(
                    {"mrz": [f"The MRZ does not agree with the {field}." for field in disagreements]}
                )
        return attrs


def mrz_disagreements(zone: Td3, attrs) -> list[str]:
    """The fields (by name) that the zone repeats differently."""
    found = []
    if zone.number != attrs["number"]:
        found.append("number")
    if zone.issuing_state != attrs["issuing_country"]:
        found.append("issuing_country")
    if not name_agrees(attrs["surname"], zone.surname, truncated=zone.names_truncated):
        found.append("surname")
    if not name_agrees(attrs["given_names"], zone.given_names, truncated=zone.names_truncated):
        found.append("given_names")
    if zone.nationality != attrs["nationality"]:
        found.append("nationality")
    if not yymmdd_agrees(attrs["date_of_birth"], zone.date_of_birth):
        found.append("date_of_birth")
    if zone.sex != {"X": "<"}.get(attrs["sex"], attrs["sex"]):
        found.append("sex")
    if not yymmdd_agrees(attrs["date_of_expiry"], zone.date_of_expiry):
        found.append("date_of_expiry")
    personal_number = attrs.get("personal_number")
    if personal_number is not None and zone.personal_number != personal_number.replace(" ", "").replace("-", ""):
        found.append("personal_number")
    return found


KIND = Kind(
    name="passport",
    schema_version=SCHEMA_VERSION,
    serializer=PassportData,
    partly_masked=frozenset({"number", "personal_number"}),
    fully_masked=frozenset({"mrz"}),
    expires_on=lambda data: date_of(data, "date_of_expiry"),
    scan_roles=SCAN_ROLES,
)
