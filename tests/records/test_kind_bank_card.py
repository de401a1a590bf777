"""The bank_card schema."""

from datetime import date

from records.schemas import KINDS

from .samples import valid
from .validation import clean, field_errors


def test_it_accepts_a_card_and_drops_the_spaces_from_its_number():
    assert clean("bank_card", valid("bank_card")) == valid("bank_card", number="4242424242424242")


def test_the_cvv_is_optional():
    assert "cvv" not in clean("bank_card", valid("bank_card", cvv=None))


def test_a_number_failing_luhn_is_refused():
    assert field_errors("bank_card", valid("bank_card", number="4242 4242 4242 4241")) == {
        "number": ["This card number is not valid (Luhn check failed)."]
    }


def test_a_number_must_be_12_to_19_digits_with_only_spaces_between():
    for number in ("4242-4242-4242-4242", "42424242424", "4" * 20, "4242424242424242a", 4242424242424242):
        assert "number" in field_errors("bank_card", valid("bank_card", number=number)), number


def test_the_expiry_month_and_year_are_integers_in_range():
    for changes in ({"expiry_month": 0}, {"expiry_month": 13}, {"expiry_month": "12"},
                    {"expiry_month": True}, {"expiry_year": 40}, {"expiry_year": "2040"}, {"expiry_year": 2040.0}):
        assert set(field_errors("bank_card", valid("bank_card", **changes))) == set(changes), changes


def test_a_cvv_is_3_or_4_digits_sent_as_a_string():
    assert clean("bank_card", valid("bank_card", cvv="0123"))["cvv"] == "0123"
    for cvv in ("12", "12345", "12a", 123):
        assert "cvv" in field_errors("bank_card", valid("bank_card", cvv=cvv)), cvv


def test_the_brand_is_derived_and_may_not_be_sent():
    assert KINDS["bank_card"].derived(clean("bank_card", valid("bank_card"))) == {"brand": "visa"}
    assert field_errors("bank_card", valid("bank_card", brand="visa")) == {
        "brand": ["Derived from the card number; do not send it."]
    }


def test_a_card_is_valid_through_the_last_day_of_its_expiry_month():
    data = clean("bank_card", valid("bank_card", expiry_month=2, expiry_year=2028))
    assert not KINDS["bank_card"].expired(data, today=date(2028, 2, 29))
    assert KINDS["bank_card"].expired(data, today=date(2028, 3, 1))


def test_an_expired_card_is_accepted():
    assert clean("bank_card", valid("bank_card", expiry_month=1, expiry_year=2001))["expiry_year"] == 2001
