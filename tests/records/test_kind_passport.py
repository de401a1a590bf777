"""The passport schema, and its machine-readable zone."""

from datetime import date

from records.schemas import KINDS

from .samples import td3, valid
from .validation import clean, field_errors

MRZ = td3()


def _with_wrong_digit(zone: str, index: int) -> str:
    first, second = zone.split("\n")
    wrong = str((int(second[index]) + 1) % 10)
    return f"{first}\n{second[:index]}{wrong}{second[index + 1:]}"


def test_it_accepts_a_passport_with_a_matching_mrz():
    assert clean("passport", valid("passport")) == valid("passport")


def test_the_mrz_and_personal_number_are_optional():
    assert clean("passport", valid("passport", mrz=None)) == valid("passport", mrz=None)


def test_the_mrz_is_stored_as_two_upper_case_lines():
    pasted = MRZ.replace("\n", "").lower()
    assert clean("passport", valid("passport", mrz=pasted))["mrz"] == MRZ


def test_each_wrong_check_digit_is_refused_and_named():
    for index, what in ((9, "document number"), (19, "date of birth"), (27, "date of expiry"), (43, "composite")):
        errors = field_errors("passport", valid("passport", mrz=_with_wrong_digit(MRZ, index)))
        assert list(errors) == ["mrz"] and what in errors["mrz"][0], errors


def test_an_mrz_of_the_wrong_shape_is_refused():
    for zone in (MRZ.split("\n")[0], MRZ[:-1], MRZ.replace("<", " "), "I" + MRZ[1:]):
        assert "mrz" in field_errors("passport", valid("passport", mrz=zone))


def test_an_mrz_that_disagrees_with_a_field_names_that_field():
    cases = {
        "number": {"number": "C01X00T48"},
        "issuing_country": {"issuing_country": "AUT"},
        "surname": {"surname": "Musterfrau"},
        "given_names": {"given_names": "Erik"},
        "nationality": {"nationality": "AUT"},
        "date_of_birth": {"date_of_birth": "1964-08-13"},
        "sex": {"sex": "M"},
        "date_of_expiry": {"date_of_expiry": "2034-02-27"},
        "personal_number": {"personal_number": "12345"},
    }
    for field, changes in cases.items():
        errors = field_errors("passport", valid("passport", **changes))
        assert errors == {"mrz": [f"The MRZ does not agree with the {field}."]}, (field, errors)


def test_the_mrz_must_repeat_the_personal_number_when_both_are_given():
    zone = td3(personal_number="L01X00T471")
    assert clean("passport", valid("passport", mrz=zone, personal_number="L01X00T471"))["mrz"] == zone


def test_names_with_accents_agree_with_either_icao_spelling():
    for spelled in ("MUELLER", "MULLER"):
        zone = td3(surname=spelled, given_names="Zoe Anne")
        data = valid("passport", mrz=zone, surname="Müller", given_names="Zoë-Anne")
        assert clean("passport", data)["surname"] == "Müller"


def test_germany_is_d_in_the_mrz_and_deu_in_the_fields():
    zone = td3(issuing="D", nationality="D")
    assert clean("passport", valid("passport", mrz=zone))["mrz"].startswith("P<D<<")


def test_an_unspecified_sex_is_x_in_the_fields_and_a_filler_in_the_mrz():
    zone = td3(sex="X")
    assert clean("passport", valid("passport", mrz=zone, sex="X"))["sex"] == "X"
    assert "sex" in field_errors("passport", valid("passport", mrz=None, sex="U"))


def test_the_countries_must_be_iso_alpha3():
    assert set(field_errors("passport", valid("passport", mrz=None, issuing_country="DE", nationality="XYZ"))) == {
        "issuing_country", "nationality",
    }


def test_an_expired_passport_is_accepted_and_flagged():
    zone = td3(date_of_expiry="2012-04-15")
    data = clean("passport", valid("passport", mrz=zone, date_of_issue="2002-04-16", date_of_expiry="2012-04-15"))
    assert KINDS["passport"].expired(data, today=date(2024, 1, 1))
    assert not KINDS["passport"].expired(clean("passport", valid("passport")), today=date(2024, 1, 1))


def test_unknown_fields_and_wrong_types_are_named():
    errors = field_errors("passport", valid("passport", place_of_birth="Berlin", mrz=["P<", "L8"]))
    assert errors == {"place_of_birth": ["Unknown field."], "mrz": ["Must be a string."]}
