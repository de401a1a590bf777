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
