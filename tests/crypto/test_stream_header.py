"""parse_header: the header checks that need no key (version, length), with no Django."""

import pytest

from vault.crypto import stream
from vault.crypto.errors import IntegrityError

DEK, CONTEXT = bytes(range(32)), b"coffer/test"


def test_a_fresh_header_parses_into_its_fields():
    header = stream.new_header(DEK, CONTEXT, rng=lambda n: b"\x07" * n)
    fields = stream.parse_header(header)
    assert (fields.version, fields.nonce_prefix) == (1, b"\x07" * 16)
    assert bytes([fields.version]) + fields.nonce_prefix + fields.commitment == header


@pytest.mark.parametrize("version", [0x00, 0x02, 0xFF])
def test_any_other_version_is_refused(version):
    header = stream.new_header(DEK, CONTEXT)
    with pytest.raises(IntegrityError):
        stream.parse_header(bytes([version]) + header[1:])


@pytest.mark.parametrize("length", [0, 1, 48, 50])
def test_any_other_length_is_refused(length):
    header = (stream.new_header(DEK, CONTEXT) * 2)[:length]
    with pytest.raises(IntegrityError):
        stream.parse_header(header)


def test_a_wrong_commitment_parses_but_does_not_open():
    header = bytearray(stream.new_header(DEK, CONTEXT))
    header[-1] ^= 1
    stream.parse_header(bytes(header))
    with pytest.raises(IntegrityError):
        stream.open_header(DEK, CONTEXT, bytes(header))
