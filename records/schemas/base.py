"""What every kind of record shares: the Kind description and the data serializer base."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from .fields import StrictCharField

UNKNOWN_FIELD = "Unknown field."

# Scans a record of a document kind can hold, by role. A single role holds one scan
# (a newer one replaces it); the others hold up to their limit.
SINGLE_SCAN_ROLES: tuple[str, ...] = ("front", "back", "selfie")
SCAN_ROLE_LIMITS: Mapping[str, int] = {"front": 1, "back": 1, "selfie": 1, "translation": 10, "other": 20}
SCAN_ROLES: tuple[str, ...] = tuple(SCAN_ROLE_LIMITS)


class StrictSerializer(serializers.Serializer):
    """Unknown keys are errors, reported with the field errors in one answer."""

    # Keys the server refuses as input, with the reason why (derived or immutable).
    refused_fields: Mapping[str, str] = {}

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise ValidationError({api_settings.NON_FIELD_ERRORS_KEY: ["Must be an object."]})
        unknown = {
            key: [self.refused_fields.get(key, UNKNOWN_FIELD)] for key in data if key not in self.fields
        }
        try:
            value = super().to_internal_value(data)
        except ValidationError as exc:
            raise ValidationError({**unknown, **exc.detail}) from None
        if unknown:
            raise ValidationError(unknown)
        return value


class KindSerializer(StrictSerializer):
    """One kind's `data`. Its output is JSON-ready: dates as YYYY-MM-DD strings."""


@dataclass(frozen=True)
class Kind:
    """A kind of record: its data schema, which fields are secret, when it expires."""

    name: str
    schema_version: int
    serializer: type[KindSerializer]
    # Masked to their last few characters ("•••• 4242") unless revealed.
    partly_masked: frozenset[str] = field(default_factory=frozenset)
    # Masked entirely ("••••") unless revealed.
    fully_masked: frozenset[str] = field(default_factory=frozenset)
    # The last day the document is valid, from its (validated) data; None if it never expires.
    expires_on: Callable[[Mapping[str, Any]], date | None] = lambda data: None
    # Output-only fields computed from the data, such as a card's brand.
    derived: Callable[[Mapping[str, Any]], dict[str, Any]] = lambda data: {}
    # The scan roles (SCAN_ROLES) a record of this kind accepts; none for kinds that are not documents.
    scan_roles: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        assert set(self.scan_roles) <= set(SCAN_ROLES), f"{self.name}: unknown scan roles"

    def validate(self, data: Any) -> dict[str, Any]:
        """The canonical JSON form of valid data, or a ValidationError nested under `data`."""
        serializer = self.serializer(data=data)
        if not serializer.is_valid():
            raise ValidationError({"data": serializer.errors})
        return _plain(serializer.data)

    def expired(self, data: Mapping[str, Any], *, today: date) -> bool:
        last_valid_day = self.expires_on(data)
        return last_valid_day is not None and last_valid_day < today


def _plain(value):
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def date_of(data: Mapping[str, Any], key: str) -> date | None:
    text = data.get(key)
    return date.fromisoformat(text) if text else None


# ---- shared field shapes ----

class DocumentNumberField(StrictCharField):
    """Letters, digits, and inner spaces and hyphens (and, where a kind allows them, other
    separators such as the slashes of a Polish driving licence); stored upper-cased."""

    default_error_messages = {"format": "Use letters, digits, spaces and hyphens only."}

    def __init__(self, *, separators: str = " -", **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        inner = re.escape(separators)
        self.pattern = re.compile(rf"[A-Z0-9](?:[A-Z0-9{inner}]*[A-Z0-9])?")
        if separators != " -":
            names = {" ": "spaces", "-": "hyphens", "/": "slashes", ".": "dots"}
            listed = [names[s] for s in separators]
            self.error_messages["format"] = f"Use letters, digits, {', '.join(listed[:-1])} and {listed[-1]} only."

    def to_internal_value(self, data) -> str:
        number = super().to_internal_value(data).upper()
        if not self.pattern.fullmatch(number):
            self.fail("format")
        return number


def name_field(**kwargs) -> StrictCharField:
    return StrictCharField(max_length=200, **kwargs)


def check_document_dates(attrs: Mapping[str, Any]) -> None:
    """Birth in the past, issue on or after birth, expiry after issue. Errors name the later field."""
    errors: dict[str, list[str]] = {}
    birth, issue, expiry = attrs.get("date_of_birth"), attrs.get("date_of_issue"), attrs.get("date_of_expiry")
    if birth is not None and birth > timezone.localdate():
        errors["date_of_birth"] = ["Must not be in the future."]
    if birth is not None and issue is not None and issue < birth:
        errors["date_of_issue"] = ["Must not be before the date of birth."]
    if issue is not None and expiry is not None and expiry <= issue:
        errors["date_of_expiry"] = ["Must be after the date of issue."]
    if errors:
        raise ValidationError(errors)
