"""`bank_card`: a payment card. The brand is derived from the number, never sent."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from .base import Kind, KindSerializer, name_field
from .checks import luhn_valid
from .fields import StrictCharField, StrictIntegerField

SCHEMA_VERSION = 1

_CARD_NUMBER = re.compile(r"[0-9]{12,19}")
_CVV = re.compile(r"[0-9]{3,4}")

# (brand, inclusive prefix ranges). Longer, more specific prefixes come first.
_BRANDS: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("mir", ((2200, 2204),)),
    ("maestro", ((5018, 5018), (5020, 5020), (5038, 5038), (5893, 5893), (6304, 6304), (6759, 6759), (6761, 6763))),
    ("discover", ((6011, 6011), (644, 649), (65, 65))),
    ("jcb", ((3528, 3589),)),
    ("diners", ((300, 305), (309, 309), (36, 36), (38, 39))),
    ("amex", ((34, 34), (37, 37))),
    ("mastercard", ((51, 55), (2221, 2720))),
    ("unionpay", ((62, 62), (81, 81))),
    ("visa", ((4, 4),)),
)


def card_brand(number: str) -> str:
    """The card network, from the number's issuer prefix; "unknown" if none matches."""
    for brand, ranges in _BRANDS:
        for low, high in ranges:
            width = len(str(low))
            if len(number) >= width and low <= int(number[:width]) <= high:
                return brand
    return "unknown"


class CardNumberField(StrictCharField):
    default_error_messages = {
        "format": "A card number is 12 to 19 digits; spaces are allowed.",
        "luhn": "This card number is not valid (Luhn check failed).",
    }

    def to_internal_value(self, data) -> str:
        number = "".join(super().to_internal_value(data).split(" "))
        if not number.isascii() or not _CARD_NUMBER.fullmatch(number):
            self.fail("format")
        if not luhn_valid(number):
            self.fail("luhn")
        return number


class CvvField(StrictCharField):
    default_error_messages = {"format": "A CVV is 3 or 4 digits, sent as a string."}

    def to_internal_value(self, data) -> str:
        cvv = super().to_internal_value(data)
        if not cvv.isascii() or not _CVV.fullmatch(cvv):
            self.fail("format")
        return cvv


class BankCardData(KindSerializer):
    refused_fields = {"brand": "Derived from the card number; do not send it."}

    holder = name_field()
    number = CardNumberField()
    expiry_month = StrictIntegerField(min_value=1, max_value=12)
    expiry_year = StrictIntegerField(min_value=2000, max_value=2099)
    cvv = CvvField(required=False)


def card_expires_on(data: Mapping[str, Any]) -> date:
    """A card is valid through the last day of its expiry month."""
    year, month = data["expiry_year"], data["expiry_month"]
    return date(year, month, calendar.monthrange(year, month)[1])


KIND = Kind(
    name="bank_card",
    schema_version=SCHEMA_VERSION,
    serializer=BankCardData,
    partly_masked=frozenset({"number"}),
    fully_masked=frozenset({"cvv"}),
    expires_on=card_expires_on,
    derived=lambda data: {"brand": card_brand(data["number"])},
    scan_roles=("front", "back", "other"),
)
