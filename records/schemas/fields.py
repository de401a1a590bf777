"""Strict field types for record data.

DRF's own fields coerce: a CharField takes 42 and stores "42", an IntegerField
takes "7". Record schemas refuse the wrong JSON type instead, so a client bug
shows up as a 400 naming the field, not as silently reshaped data.
"""

from __future__ import annotations

import re
from datetime import date

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .checks import is_country_alpha3

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.DATE)
class IsoDateField(serializers.Field):
    """A calendar date as ISO 8601 `YYYY-MM-DD`, and only that form."""

    default_error_messages = {"invalid": "Must be a date as YYYY-MM-DD (ISO 8601)."}

    def to_internal_value(self, data) -> date:
        if not isinstance(data, str) or not _ISO_DATE.fullmatch(data):
            self.fail("invalid")
        try:
            return date.fromisoformat(data)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value: date) -> str:
        return value.isoformat()


class CountryField(StrictCharField):
    """An ISO 3166-1 alpha-3 code, upper-cased."""

    default_error_messages = {"country": "Must be an ISO 3166-1 alpha-3 country code, such as 'FRA'."}

    def to_internal_value(self, data) -> str:
        code = super().to_internal_value(data).upper()
        if not is_country_alpha3(code):
            self.fail("country")
        return code


class StrictListField(serializers.ListField):
    default_error_messages = {"not_a_list": "Must be a list."}
