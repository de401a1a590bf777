"""`driver_licence`: a driving licence and the vehicle categories it covers."""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError

from .base import SCAN_ROLES, DocumentNumberField, Kind, KindSerializer, check_document_dates, date_of, name_field
from .fields import CountryField, IsoDateField, StrictCharField, StrictListField

SCHEMA_VERSION = 1

# EU categories (AM, A1, B, BE, C1E, ...) and most national ones fit this shape.
_CATEGORY = re.compile(r"[A-Z][A-Z0-9+]{0,4}")


class CategoryField(StrictCharField):
    default_error_messages = {
        "format": "A category is a letter then up to 4 letters, digits or '+', such as 'B' or 'C1E'.",
    }

    def to_internal_value(self, data) -> str:
        category = super().to_internal_value(data).upper()
        if not _CATEGORY.fullmatch(category):
            self.fail("format")
        return category


class DriverLicenceData(KindSerializer):
    # Licence numbers carry slashes (Poland: 00123/12/3456) or dots in some countries.
    number = DocumentNumberField(separators=" -/.")
    country = CountryField()
    categories = StrictListField(child=CategoryField(), min_length=1, max_length=30)
    date_of_issue = IsoDateField()
    # Older licences in several countries never expire.
    date_of_expiry = IsoDateField(required=False)
    surname = name_field(required=False)
    given_names = name_field(required=False)
    date_of_birth = IsoDateField(required=False)

    def validate_categories(self, categories: list[str]) -> list[str]:
        if len(set(categories)) != len(categories):
            raise ValidationError("Each category may appear once.")
        return categories

    def validate(self, attrs):
        check_document_dates(attrs)
        return attrs


KIND = Kind(
    name="driver_licence",
    schema_version=SCHEMA_VERSION,
    serializer=DriverLicenceData,
    partly_masked=frozenset({"number"}),
    expires_on=lambda data: date_of(data, "date_of_expiry"),
    scan_roles=SCAN_ROLES,
)
