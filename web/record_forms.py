"""One form per kind of record, built from the kind's schema (records/schemas).

The form only turns what a person types into the schema's JSON shapes (dates as
YYYY-MM-DD, lists, integers). Validation is the schema's: its errors come back
from the service and are shown next to the fields they name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django import forms
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from records.schemas import KINDS
from records.schemas.fields import CountryField, IsoDateField, StrictIntegerField, StrictListField

from .countries import COUNTRY_NAMES
from .presenting import field_label

COUNTRY_CHOICES = [("", "Choose a country…")] + sorted(
    ((code, f"{name} ({code})") for code, name in COUNTRY_NAMES.items()),
    key=lambda choice: choice[1],
)
SEX_CHOICES = [("", "Choose…"), ("F", "F (female)"), ("M", "M (male)"), ("X", "X (unspecified)")]
MONTH_CHOICES = [("", "Month…")] + [(str(month), f"{month:02d}") for month in range(1, 13)]

HELP: dict[tuple[str, str] | str, str] = {
    "mrz": "The two lines of <<< at the bottom of the photo page, 44 characters each.",
    "categories": "Separate them with commas, such as AM, B, BE.",
    ("bank_card", "number"): "The long number on the front. Spaces are fine.",
    "cvv": "The 3 or 4 digits on the back.",
    "iban": "Or give an account number and a routing code instead.",
    "routing_code": "Sort code, ABA routing number, BSB or IFSC.",
    ("note", "text"): "Only you can read it, after unlocking your vault.",
}

_SECRET_ATTRS = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}


def _help(kind: str, name: str) -> str:
    return HELP.get((kind, name)) or HELP.get(name, "")


def _form_field(kind: str, name: str, spec: serializers.Field) -> forms.Field:
    """The form field for one schema field. Required-ness comes from the schema."""
    common = {
        "label": field_label(kind, name),
        "required": spec.required,
        "help_text": _help(kind, name),
    }
    if isinstance(spec, IsoDateField):
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if isinstance(spec, CountryField):
        return forms.ChoiceField(choices=COUNTRY_CHOICES, **common)
    if isinstance(spec, StrictListField):
        return forms.CharField(
            max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}), **common
        )
    if isinstance(spec, StrictIntegerField):
        if name == "expiry_month":
            return forms.TypedChoiceField(
                choices=MONTH_CHOICES, coerce=int, empty_value=None, **common
            )
        return forms.IntegerField(
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **common
        )
    if name == "sex":
        return forms.ChoiceField(choices=SEX_CHOICES, **common)
    if name == "mrz":
        attrs = {**_SECRET_ATTRS, "rows": 2, "cols": 44, "class": "mono", "wrap": "off"}
        return forms.CharField(max_length=200, widget=forms.Textarea(attrs=attrs), **common)
    if kind == "note" and name == "text":
        common["required"] = False  # blank is a valid note text; the schema still gets ""
        return forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 8}), **common)
    attrs = {"autocomplete": "off"}
    if name in KINDS[kind].partly_masked | KINDS[kind].fully_masked:
        attrs.update(_SECRET_ATTRS, **{"class": "mono"})
    if name in ("number", "cvv") and kind == "bank_card":
        attrs["inputmode"] = "numeric"
    return forms.CharField(
        max_length=getattr(spec, "max_length", None) or 200,
        widget=forms.TextInput(attrs=attrs),
        **common,
    )


def _categories(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text.upper()) if part]


def _flatten(detail: Any) -> list[str]:
    """DRF error detail (list, or dict by list index) as plain messages."""
    if isinstance(detail, Mapping):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


class RecordForm(forms.Form):
    label = forms.CharField(
        label="Label",
        max_length=200,
        required=False,
        help_text="Your name for it in the list, such as “My passport”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kind: str, kept_secrets: Mapping[str, str] | None = None, **kwargs):
        """`kept_secrets`, when editing: secret field -> its masked stored value. Those fields
        start empty (the edit page reveals nothing) and keep the stored value unless typed over."""
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.schema_fields = KINDS[kind].serializer().fields
        for name, spec in self.schema_fields.items():
            self.fields[name] = _form_field(kind, name, spec)
        self.kept_secrets = dict(kept_secrets or {})
        for name, shown in self.kept_secrets.items():
            field = self.fields[name]
            field.required = False
            field.show_optional = False
            field.help_text = f"Stored: {shown}. Leave it empty to keep it, or type a new one."
            field.widget.attrs["placeholder"] = shown

    @classmethod
    def initial_from(cls, *, label: str, data: Mapping[str, Any], revision: int) -> dict[str, Any]:
        """The form's initial values for editing a decrypted record."""
        initial = {
            name: ", ".join(value) if isinstance(value, list) else value
            for name, value in data.items()
        }
        if "expiry_month" in data:
            initial["expiry_month"] = str(data["expiry_month"])
        return {**initial, "label": label, "revision": revision}

    def _value(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        if isinstance(self.schema_fields[name], StrictListField):
            return _categories(value or "") or None
        if value in ("", None):
            return "" if (self.kind, name) == ("note", "text") else None
        return value

    def record_data(self) -> dict[str, Any]:
        """The data for a new record: blank optional fields left out."""
        values = {name: self._value(name) for name in self.schema_fields}
        return {name: value for name, value in values.items() if value is not None}

    def record_changes(self) -> dict[str, Any]:
        """The data for an update: a blank field is null, which removes it (records.services.merge_data),
        except a kept secret left empty, which stays as stored."""
        changes = {name: self._value(name) for name in self.schema_fields}
        return {name: value for name, value in changes.items() if not (name in self.kept_secrets and value is None)}

    def add_schema_errors(self, exc: ValidationError) -> None:
        detail = (
            exc.detail.get("data", exc.detail) if isinstance(exc.detail, Mapping) else exc.detail
        )
        if not isinstance(detail, Mapping):
            self.add_error(None, _flatten(detail))
            return
        for name, messages in detail.items():
            self.add_error(name if name in self.fields else None, _flatten(messages))
