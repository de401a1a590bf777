"""The vault keys sealed to a rotation job (docs/format.md, §2 and §12): the list inside is
read as strictly as the unlock-session payload."""

import struct

import pytest

from vault.crypto.errors import IntegrityError
from vault.rotation.material import decode_keys, encode_keys

KEY_A, KEY_B = bytes(range(32)), bytes(range(32, 64))


def test_keys_round_trip_in_ascending_versions():
    raw = encode_keys({3: KEY_B, 1: KEY_A})
    assert raw[:2] == b"\x00\x02" and decode_keys(raw) == {1: KEY_A, 3: KEY_B}


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00",
    b"\x00\x00",  # no key at all
    struct.pack(">HI", 2, 3) + KEY_B + struct.pack(">I", 1) + KEY_A,  # descending
    struct.pack(">HI", 2, 1) + KEY_A + struct.pack(">I", 1) + KEY_B,  # a version twice
    encode_keys({1: KEY_A}) + b"\x00",  # trailing byte
    encode_keys({1: KEY_A})[:-1],  # truncated
], ids=["empty", "one-byte", "zero-count", "descending", "duplicate", "trailing", "truncated"])
def test_a_malformed_list_is_the_one_error(raw):
    with pytest.raises(IntegrityError):
        decode_keys(raw)
