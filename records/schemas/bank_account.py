"""`bank_account`: an IBAN, or a domestic account number with its routing code."""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError

from .base import Kind, KindSerializer, name_field
from .checks import bic_problem, iban_problem, normalise_iban
from .fields import StrictCharField

SCHEMA_VERSION = 1

# Domestic formats vary (UK 8 digits, US up to 17, ...): letters, digits, inner spaces and hyphens.
_ACCOUNT_NUMBER = re.compile(r"[A-Z0-9](?:[A-Z0-9 -]{0,32}[A-Z0-9])?")
# Sort codes, ABA routing numbers, BSBs, IFSCs, transit numbers.
_ROUTING_CODE = re.compile(r"[A-Z0-9](?:[A-Z0-9 -]{0,18}[A-Z0-9])?")


class IbanField(StrictCharField):
    def to_internal_value(self, data) -> str:
        iban = normalise_iban(super().to_internal_value(data))
        problem = iban_problem(iban)
        if problem:
            raise ValidationError(problem)
        return iban


class BicField(StrictCharField):
    def to_internal_value(self, data) -> str:
        bic = super().to_internal_value(data).upper()
        problem = bic_problem(bic)
        if problem:
            raise ValidationError(problem)
        return bic


class PatternField(StrictCharField):
    default_error_messages = {"format": "Use letters, digits, spaces and hyphens only."}

    def __init__(self, pattern: re.Pattern, **kwargs):
        self.pattern = pattern
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data).upper()
        if not self.pattern.fullmatch(value):
            self.fail("format")
        return value


class BankAccountData(KindSerializer):
    holder = name_field()
    bank_name = name_field()
    iban = IbanField(required=False)
    account_number = PatternField(_ACCOUNT_NUMBER, required=False, max_length=34)
    routing_code = PatternField(_ROUTING_CODE, required=False, max_length=20)
    bic = BicField(required=False)

    def validate(self, attrs):
        has_number, has_routing = "account_number" in attrs, "routing_code" in attrs
        if has_number != has_routing:
            missing = "routing_code" if has_number else "account_number"
            raise ValidationError({missing: ["An account number and a routing code go together."]})
        if "iban" not in attrs and not has_number:
            raise ValidationError({"iban": ["Give an IBAN, or an account number and a routing code."]})
        return attrs


KIND = Kind(
    name="bank_account",
    schema_version=SCHEMA_VERSION,
    serializer=BankAccountData,
    partly_masked=frozenset({"iban", "account_number"}),
)
