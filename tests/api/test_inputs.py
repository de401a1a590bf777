"""coffer.inputs: the one parser of a client's digits. No database needed."""

import pytest

from coffer.errors import DomainError
from coffer.inputs import MAX_ID, BoundedIdConverter, bounded_int, header_int, query_int, saturating_int


@pytest.mark.parametrize(
    "text", ["", "-", "+5", " 5", "5 ", "5_000", "0x10", "1e3", "007", "-0", "\u0661", "\u00b2", "9" * 20, "9" * 5000]
)
def test_only_canonical_ascii_decimal_is_an_integer(text):
    assert bounded_int(text, minimum=-(10**18), maximum=10**18) is None


def test_a_canonical_integer_inside_its_bounds_is_read():
    assert bounded_int("0", minimum=0, maximum=5) == 0
    assert bounded_int("-3", minimum=-3, maximum=5) == -3
    assert bounded_int("6", minimum=0, maximum=5) is None
    assert bounded_int("999999999999999999", minimum=0, maximum=10**18) == 10**18 - 1


def test_saturating_reads_any_length_without_converting_it():
    assert saturating_int("9" * 5000, ceiling=101) == 101
    assert saturating_int("0" * 5000 + "42", ceiling=101) == 42
    assert saturating_int("100", ceiling=101) == 100
    with pytest.raises(ValueError):
        saturating_int("\u0661", ceiling=101)


def test_a_query_parameter_out_of_bounds_is_a_400_naming_it():
    assert query_int({}, "limit", default=50, minimum=1, maximum=200) == 50
    assert query_int({"limit": "200"}, "limit", default=50, minimum=1, maximum=200) == 200
    with pytest.raises(DomainError) as refused:
        query_int({"limit": "9223372036854775808"}, "limit", default=50, minimum=1, maximum=200)
    assert refused.value.status == 400 and refused.value.code == "invalid"
    assert list(refused.value.extra["fields"]) == ["limit"]


def test_a_numeric_header_out_of_bounds_is_a_400():
    assert header_int({"CONTENT_LENGTH": "12"}, "Content-Length") == 12
    assert header_int({}, "X-Count") is None
    with pytest.raises(DomainError) as refused:
        header_int({"HTTP_X_COUNT": "9" * 5000}, "X-Count")
    assert refused.value.code == "invalid_header" and refused.value.status == 400


def test_an_id_in_a_url_fits_a_bigint_or_matches_nothing():
    converter = BoundedIdConverter()
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    for text in (str(MAX_ID + 1), "0", "007"):
        with pytest.raises(ValueError):
            converter.to_python(text)
