"""files.ranges: which single byte range a Range header asks for."""

import pytest

from files.errors import RangeNotSatisfiable
from files.ranges import ByteRange, requested_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-0", ByteRange(0, 0)),
        ("bytes=5-", ByteRange(5, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-1000", ByteRange(0, 99)),
        ("bytes=10-1000", ByteRange(10, 99)),
        (" bytes = 1 - 2 ", ByteRange(1, 2)),
        ("bytes=1-2,4-5", None),
        ("lines=1-2", None),
        ("bytes=5-4", None),
        ("bytes=-", None),
        ("bytes=a-", None),
    ],
)
def test_it_finds_the_range_or_ignores_the_header(header, expected):
    assert requested_range(header, 100) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=-5", 0)])
def test_a_range_selecting_nothing_is_not_satisfiable(header, size):
    with pytest.raises(RangeNotSatisfiable) as refused:
        requested_range(header, size)
    assert refused.value.status == 416 and refused.value.headers == {"Content-Range": f"bytes */{size}"}


def test_a_range_knows_its_length_and_content_range():
    assert ByteRange(10, 19).length == 10
    assert ByteRange(10, 19).content_range(100) == "bytes 10-19/100"


DIGITS_5000 = "9" * 5000  # past Python's 4,300-digit int() limit


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (f"bytes=0-{DIGITS_5000}", ByteRange(0, 99)),  # an end past the file is clamped
        (f"bytes=-{DIGITS_5000}", ByteRange(0, 99)),  # a suffix longer than the file
        (f"bytes=10-{'0' * 5000}20", ByteRange(10, 20)),  # leading zeros, however many
        (f"bytes={DIGITS_5000}-5", None),  # last before first: ignored
        ("bytes=\u0661-\u0665", None),  # digits of another script are not digits
    ],
)
def test_positions_of_any_length_are_read_without_converting_them(header, expected):
    assert requested_range(header, 100) == expected


@pytest.mark.parametrize("header", [f"bytes={DIGITS_5000}-", f"bytes={DIGITS_5000}-{DIGITS_5000}", "bytes=9223372036854775808-"])
def test_a_first_position_of_any_length_past_the_file_is_not_satisfiable(header):
    with pytest.raises(RangeNotSatisfiable):
        requested_range(header, 100)
