"""The id_card schema."""

from datetime import date

from records.schemas import KINDS

from .samples import valid
from .validation import clean, field_errors


def test_it_accepts_a_complete_card():
    assert clean("id_card", valid("id_card")) == valid("id_card")


def test_the_personal_number_is_optional():
    assert "personal_number" not in clean("id_card", valid("id_card", personal_number=None))


def test_every_other_field_is_required():
    for field in ("document_number", "issuing_country", "surname", "given_names",
                  "date_of_birth", "date_of_issue", "date_of_expiry"):
        assert field_errors("id_card", valid("id_card", **{field: None})) == {field: ["This field is required."]}


def test_the_country_must_be_iso_alpha3_and_is_upper_cased():
    assert clean("id_card", valid("id_card", issuing_country="fra"))["issuing_country"] == "FRA"
    for code in ("FR", "France", "UTO", "XXX"):
        assert "issuing_country" in field_errors("id_card", valid("id_card", issuing_country=code))


def test_dates_must_be_iso_8601_calendar_dates():
    for text in ("12.08.1964", "1964-8-12", "19640812", "1964-02-30", "1964-08-12T00:00:00", 19640812):
        assert field_errors("id_card", valid("id_card", date_of_birth=text)) == {
            "date_of_birth": ["Must be a date as YYYY-MM-DD (ISO 8601)."]
        }


def test_the_dates_must_be_in_order():
    assert "date_of_expiry" in field_errors("id_card", valid("id_card", date_of_expiry="2020-01-01"))
    assert "date_of_issue" in field_errors("id_card", valid("id_card", date_of_issue="1960-01-01"))
    assert "date_of_birth" in field_errors("id_card", valid("id_card", date_of_birth="2999-01-01"))


def test_an_expired_card_is_accepted_and_flagged():
    data = clean("id_card", valid("id_card", date_of_issue="2001-01-01", date_of_expiry="2011-01-01"))
    assert KINDS["id_card"].expired(data, today=date(2024, 1, 1))


def test_a_card_is_valid_through_its_expiry_day():
    data = clean("id_card", valid("id_card"))
    assert not KINDS["id_card"].expired(data, today=date(2041, 1, 14))
    assert KINDS["id_card"].expired(data, today=date(2041, 1, 15))


def test_unknown_fields_and_wrong_types_are_named():
    errors = field_errors("id_card", valid("id_card", nickname="Eri", surname=42, document_number=["T22"]))
    assert errors == {
        "nickname": ["Unknown field."],
        "surname": ["Must be a string."],
        "document_number": ["Must be a string."],
    }


def test_document_numbers_are_letters_digits_spaces_and_hyphens():
    assert clean("id_card", valid("id_card", document_number="t22 000-129"))["document_number"] == "T22 000-129"
    assert "document_number" in field_errors("id_card", valid("id_card", document_number="T22/000"))
    assert "document_number" in field_errors("id_card", valid("id_card", document_number=""))
