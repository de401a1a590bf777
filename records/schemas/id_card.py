"""`id_card`: a national identity card."""

from __future__ import annotations

from .base import SCAN_ROLES, DocumentNumberField, Kind, KindSerializer, check_document_dates, date_of, name_field
from .fields import CountryField, IsoDateField

SCHEMA_VERSION = 1


class IdCardData(KindSerializer):
    document_number = DocumentNumberField()
    issuing_country = CountryField()
    surname = name_field()
    given_names = name_field()
    date_of_birth = IsoDateField()
    date_of_issue = IsoDateField()
    date_of_expiry = IsoDateField()
    personal_number = DocumentNumberField(required=False)

    def validate(self, attrs):
        check_document_dates(attrs)
        return attrs


KIND = Kind(
    name="id_card",
    schema_version=SCHEMA_VERSION,
    serializer=IdCardData,
    partly_masked=frozenset({"document_number", "personal_number"}),
    expires_on=lambda data: date_of(data, "date_of_expiry"),
    scan_roles=SCAN_ROLES,
)
