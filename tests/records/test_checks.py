"""The checksum and code-format helpers, against published examples and Hypothesis."""

from hypothesis import given
from hypothesis import strategies as st

from records.schemas.bank_card import card_brand
from records.schemas.checks import (
    IBAN_LENGTHS,
    bic_problem,
    iban_check_digits,
    iban_problem,
    is_country_alpha3,
    luhn_check_digit,
    luhn_valid,
    mrz_check_digit,
    normalise_iban,
)
from records.schemas.countries import ALPHA3_TO_ALPHA2
from records.schemas.mrz import MrzError, normalise_mrz, parse_td3

# ICAO 9303 Part 4, Appendix A: the TD3 specimen passport of Anna Maria Eriksson.
SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=40)


def _other_digit(draw_digit: str, replacement: int) -> str:
    return str((int(draw_digit) + replacement) % 10)


# ---- Luhn ----


def test_luhn_accepts_published_test_card_numbers():
    for number in ("4242424242424242", "5555555555554444", "378282246310005", "6011111111111117"):
        assert luhn_valid(number)


def test_luhn_refuses_a_wrong_check_digit_and_non_digits():
    assert not luhn_valid("4242424242424241")
    assert not luhn_valid("4242 4242 4242 4242")
    assert not luhn_valid("")
    assert not luhn_valid("٤٢٤٢")  # Arabic-Indic digits are digits, but not ASCII


@given(payload=digits)
def test_a_number_with_its_luhn_check_digit_passes(payload):
    assert luhn_valid(payload + luhn_check_digit(payload))


@given(payload=digits, data=st.data())
def test_any_single_digit_change_breaks_luhn(payload, data):
    number = payload + luhn_check_digit(payload)
    index = data.draw(st.integers(0, len(number) - 1))
    changed = number[:index] + _other_digit(number[index], data.draw(st.integers(1, 9))) + number[index + 1 :]
    assert not luhn_valid(changed)


# ---- IBAN ----


def test_iban_accepts_published_examples():
    for iban in (
        "DE89370400440532013000", "GB82WEST12345698765432", "FR1420041010050500013M02606",
        "NL91ABNA0417164300", "CH9300762011623852957", "NO9386011117947", "BE68539007547034",
    ):
        assert iban_problem(iban) is None, iban


def test_iban_normalising_drops_spaces_and_upper_cases():
    assert normalise_iban(" de89 3704 0044\t0532 0130 00 ") == "DE89370400440532013000"


def test_iban_refuses_bad_check_digits_wrong_length_and_unknown_countries():
    assert "mod-97" in iban_problem("DE88370400440532013000")
    assert "22 characters" in iban_problem("DE8937040044053201300")
    assert "not issued" in iban_problem("ZZ89370400440532013000")
    assert iban_problem("DE89-3704-0044-0532-0130-00") is not None


@given(bban=st.text(alphabet="0123456789", min_size=18, max_size=18), data=st.data())
def test_a_generated_german_iban_passes_and_any_single_change_fails(bban, data):
    iban = "DE" + iban_check_digits("DE", bban) + bban
    assert iban_problem(iban) is None
    index = data.draw(st.integers(2, len(iban) - 1))
    changed = iban[:index] + _other_digit(iban[index], data.draw(st.integers(1, 9))) + iban[index + 1 :]
    assert iban_problem(changed) is not None


def test_every_iban_country_is_an_iso_country_or_kosovo():
    alpha2 = set(ALPHA3_TO_ALPHA2.values()) | {"XK"}
    assert set(IBAN_LENGTHS) <= alpha2


# ---- BIC ----


def test_bic_accepts_8_and_11_character_codes():
    for bic in ("DEUTDEFF", "DEUTDEFF500", "COBADEFFXXX", "NEDSZAJJ"):
        assert bic_problem(bic) is None, bic


def test_bic_refuses_bad_shapes_and_unknown_countries():
    for bic in ("DEUTDEF", "DEUTDEFF5", "DEUT1EFF", "DEUTZZFF", "deutdeff"):
        assert bic_problem(bic) is not None, bic


# ---- ISO 3166 ----


def test_the_country_list_holds_every_assigned_alpha3_code():
    assert len(ALPHA3_TO_ALPHA2) == 249
    assert is_country_alpha3("FRA") and is_country_alpha3("DEU") and is_country_alpha3("ZWE")
    assert not is_country_alpha3("UTO") and not is_country_alpha3("fra") and not is_country_alpha3("FR")


# ---- ICAO 9303 ----


def test_mrz_check_digits_match_the_icao_specimen():
    assert mrz_check_digit("L898902C3") == "6"
    assert mrz_check_digit("740812") == "2"
    assert mrz_check_digit("120415") == "9"
    assert mrz_check_digit("ZE184226B<<<<<") == "1"
    assert mrz_check_digit("L898902C36" + "7408122" + "120415" + "9ZE184226B<<<<<1") == "0"


def test_the_specimen_parses_into_its_fields():
    zone = parse_td3(SPECIMEN)
    assert (zone.issuing_state, zone.surname, zone.given_names) == ("UTO", "ERIKSSON", "ANNA<MARIA")
    assert (zone.number, zone.nationality, zone.date_of_birth, zone.sex) == ("L898902C3", "UTO", "740812", "F")
    assert (zone.date_of_expiry, zone.personal_number, zone.names_truncated) == ("120415", "ZE184226B", False)


def test_every_wrong_check_digit_in_the_specimen_is_named():
    first, second = SPECIMEN.split("\n")
    for index, what in ((9, "document number"), (19, "date of birth"), (27, "date of expiry"),
                        (42, "personal number"), (43, "composite")):
        wrong = second[:index] + _other_digit(second[index], 1) + second[index + 1 :]
        try:
            parse_td3(f"{first}\n{wrong}")
        except MrzError as exc:
            assert what in str(exc)
        else:
            raise AssertionError(f"a wrong {what} check digit passed")


def test_a_wrong_character_in_a_checked_field_fails_the_check():
    first, second = SPECIMEN.split("\n")
    try:
        parse_td3(f"{first}\n{second[:13]}7408132{second[20:]}")  # born on the 13th, not the 12th
    except MrzError as exc:
        assert "date of birth" in str(exc)
    else:
        raise AssertionError("a changed date of birth passed")


@given(field=st.text(alphabet="0123456789", min_size=6, max_size=14), data=st.data())
def test_any_single_digit_change_breaks_an_mrz_check_digit(field, data):
    digit = mrz_check_digit(field)
    index = data.draw(st.integers(0, len(field) - 1))
    changed = field[:index] + _other_digit(field[index], data.draw(st.integers(1, 9))) + field[index + 1 :]
    assert mrz_check_digit(changed) != digit


def test_mrz_normalising_accepts_lower_case_and_one_long_line():
    one_line = SPECIMEN.replace("\n", "").lower()
    assert normalise_mrz(one_line) == SPECIMEN
    assert normalise_mrz(f"  {SPECIMEN}  \n") == SPECIMEN


def test_malformed_zones_are_refused():
    first, second = SPECIMEN.split("\n")
    for zone in (first, f"{first}\n{second[:-1]}", f"{first}\n{second}\n{second}",
                 f"V{first[1:]}\n{second}", f"{first}\n{second[:20]}?{second[21:]}"):
        try:
            parse_td3(zone)
        except MrzError:
            pass
        else:
            raise AssertionError(f"accepted {zone!r}")


# ---- card brands ----


def test_card_brands_follow_the_issuer_prefix():
    assert card_brand("4242424242424242") == "visa"
    assert card_brand("5555555555554444") == "mastercard"
    assert card_brand("2223003122003222") == "mastercard"
    assert card_brand("378282246310005") == "amex"
    assert card_brand("6011111111111117") == "discover"
    assert card_brand("3566002020360505") == "jcb"
    assert card_brand("36227206271667") == "diners"
    assert card_brand("6200000000000005") == "unionpay"
    assert card_brand("2200000000000004") == "mir"
    assert card_brand("6759649826438453") == "maestro"
    assert card_brand("9999999999999995") == "unknown"
