"""split_parts re-cuts any stream into S3 parts without losing or adding a byte."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from storage.s3 import split_parts


@given(
    chunks=st.lists(st.binary(max_size=64), max_size=30),
    part_size=st.integers(min_value=1, max_value=40),
)
def test_it_splits_any_stream_into_full_parts_and_one_last(
    chunks: list[bytes], part_size: int
) -> None:
    parts = list(split_parts(chunks, part_size))
    data = b"".join(chunks)

    assert b"".join(part for part, _ in parts) == data
    assert [is_last for _, is_last in parts] == [False] * (len(parts) - 1) + [True]
    assert all(len(part) == part_size for part, _ in parts[:-1])
    last_part = parts[-1][0]
    assert 0 < len(last_part) <= part_size or data == b""


def test_it_makes_one_empty_last_part_from_an_empty_stream() -> None:
    assert list(split_parts([], 10)) == [(b"", True)]
    assert list(split_parts([b"", b""], 10)) == [(b"", True)]


def test_it_holds_back_a_full_part_until_it_knows_more_follows() -> None:
    assert list(split_parts([b"0123456789"], 10)) == [(b"0123456789", True)]
    assert list(split_parts([b"0123456789", b"x"], 10)) == [
        (b"0123456789", False),
        (b"x", True),
    ]


def test_a_part_is_never_changed_after_it_is_yielded() -> None:
    # The store uploads a part on another thread while the next one is being made.
    chunks = [b"abcdefg", b"hijklmnopqrstuvwxyz" * 3, b"0123"]
    parts = split_parts(chunks, 8)
    held = []
    for part, _ in parts:  # lazily: each part is checked after the later ones are made
        held.append((part, bytes(part)))
    assert all(part == copy for part, copy in held)
    assert b"".join(copy for _, copy in held) == b"".join(chunks)
    assert len({id(part) for part, _ in held}) == len(held)
