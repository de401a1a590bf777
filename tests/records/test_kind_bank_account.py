"""The bank_account schema."""

from datetime import date

from records.schemas import KINDS

from .samples import valid
from .validation import clean, field_errors


def test_it_accepts_an_iban_and_stores_it_normalised():
    assert clean("bank_account", valid("bank_account"))["iban"] == "DE89370400440532013000"
    assert clean("bank_account", valid("bank_account", iban="gb82 west 1234 5698 7654 32"))["iban"] == (
        "GB82WEST12345698765432"
    )


def test_it_accepts_an_account_number_with_a_routing_code_instead():
    data = valid("bank_account", iban=None, account_number="31926819", routing_code="60-16-13", bic=None)
    assert clean("bank_account", data) == data


def test_an_iban_failing_mod_97_is_refused():
    assert field_errors("bank_account", valid("bank_account", iban="DE88 3704 0044 0532 0130 00")) == {
        "iban": ["The IBAN check digits are wrong (mod-97 check failed)."]
    }


def test_an_iban_of_the_wrong_length_for_its_country_is_refused():
    assert "iban" in field_errors("bank_account", valid("bank_account", iban="DE89 3704 0044 0532 0130 0"))


def test_either_an_iban_or_an_account_number_is_required():
    assert field_errors("bank_account", valid("bank_account", iban=None)) == {
        "iban": ["Give an IBAN, or an account number and a routing code."]
    }


def test_an_account_number_needs_its_routing_code_and_the_other_way_round():
    assert "routing_code" in field_errors("bank_account", valid("bank_account", iban=None, account_number="31926819"))
    assert "account_number" in field_errors("bank_account", valid("bank_account", iban=None, routing_code="601613"))


def test_the_bic_format_is_checked_and_the_bic_is_optional():
    assert clean("bank_account", valid("bank_account", bic="cobadeff"))["bic"] == "COBADEFF"
    assert "bic" not in clean("bank_account", valid("bank_account", bic=None))
    for bic in ("COBADEF", "COBAZZFF", "COBA DE FF"):
        assert "bic" in field_errors("bank_account", valid("bank_account", bic=bic)), bic


def test_the_holder_and_bank_name_are_required():
    assert set(field_errors("bank_account", valid("bank_account", holder=None, bank_name=None))) == {
        "holder", "bank_name",
    }


def test_unknown_fields_and_wrong_types_are_named():
    assert field_errors("bank_account", valid("bank_account", iban=12, swift="X")) == {
        "iban": ["Must be a string."], "swift": ["Unknown field."],
    }


def test_a_bank_account_never_expires():
    assert not KINDS["bank_account"].expired(clean("bank_account", valid("bank_account")), today=date(2999, 1, 1))
