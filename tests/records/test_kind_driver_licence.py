"""The driver_licence schema."""

from datetime import date

from records.schemas import KINDS

from .samples import valid
from .validation import clean, field_errors


def test_it_accepts_a_licence_with_categories():
    assert clean("driver_licence", valid("driver_licence")) == valid("driver_licence")


def test_the_expiry_date_and_holder_fields_are_optional():
    data = valid("driver_licence", date_of_expiry=None)
    assert clean("driver_licence", data) == data
    full = valid("driver_licence", surname="Example", given_names="Alice", date_of_birth="1990-01-01")
    assert clean("driver_licence", full) == full


def test_a_licence_without_an_expiry_date_never_expires():
    data = clean("driver_licence", valid("driver_licence", date_of_expiry=None))
    assert not KINDS["driver_licence"].expired(data, today=date(2999, 1, 1))


def test_an_expired_licence_is_accepted_and_flagged():
    data = clean("driver_licence", valid("driver_licence", date_of_expiry="2020-05-31"))
    assert KINDS["driver_licence"].expired(data, today=date(2024, 1, 1))


def test_categories_are_a_non_empty_list_of_distinct_codes():
    assert clean("driver_licence", valid("driver_licence", categories=["b", "c1e"]))["categories"] == ["B", "C1E"]
    assert "categories" in field_errors("driver_licence", valid("driver_licence", categories=[]))
    assert "categories" in field_errors("driver_licence", valid("driver_licence", categories="B"))
    assert "categories" in field_errors("driver_licence", valid("driver_licence", categories=["B", "B"]))
    assert "categories" in field_errors("driver_licence", valid("driver_licence", categories=["B", 1]))
    assert "categories" in field_errors("driver_licence", valid("driver_licence", categories=["1B"]))


def test_the_country_must_be_iso_alpha3():
    assert "country" in field_errors("driver_licence", valid("driver_licence", country="FR"))


def test_unknown_fields_are_named():
    assert field_errors("driver_licence", valid("driver_licence", points=12)) == {"points": ["Unknown field."]}


def test_real_licence_numbers_of_several_countries_are_accepted():
    for number in ("00123/12/3456", "MORGA657054SM9IJ", "D123-4567-8901", "MH14 20110062821", "12.345.678"):
        assert clean("driver_licence", valid("driver_licence", number=number))["number"] == number


def test_a_licence_number_refuses_outer_separators_and_other_signs():
    for number in ("/00123/12", "00123/", "12_345", "A<B", "AB:12"):
        errors = field_errors("driver_licence", valid("driver_licence", number=number))
        assert errors["number"] == ["Use letters, digits, spaces, hyphens, slashes and dots only."], number


def test_an_id_card_number_still_takes_no_slash():
    assert "document_number" in field_errors("id_card", valid("id_card", document_number="00123/12"))
