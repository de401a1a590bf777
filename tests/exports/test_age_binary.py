"""exports.age against Debian's age binary (make age), both ways, and its one error."""

from __future__ import annotations

import os

import pytest

from exports.age import AgeError, age_decrypt_stream, age_encrypt_stream

from .age_cli import AGE, age_decrypt_file, age_encrypt_file

PASSPHRASE = "tundra-velvet-orbit-42"



@pytest.fixture(autouse=True)
def _age_is_installed():
    if not os.path.exists(AGE):
        pytest.fail(f"{AGE} is missing: `make age` installs Debian's package (make test does it).")


def _pieces(data: bytes, size: int):
    return (data[i : i + size] for i in range(0, len(data), size))


@pytest.mark.parametrize("length", [0, 1, 65536, 65537, 3 * 65536, 200_003])
def test_it_writes_files_that_age_decrypts(tmp_path, length):
    plaintext = os.urandom(length)
    encrypted = b"".join(age_encrypt_stream(PASSPHRASE, _pieces(plaintext, 7001), work_factor=10))
    (tmp_path / "in.age").write_bytes(encrypted)
    status, said = age_decrypt_file(tmp_path / "in.age", tmp_path / "out", PASSPHRASE)
    assert status == 0, said
    # age creates its output on the first byte written: none for an empty payload.
    out = tmp_path / "out"
    assert (out.read_bytes() if out.exists() else b"") == plaintext


@pytest.mark.parametrize("length", [0, 65536, 200_003])
def test_it_reads_files_that_age_encrypted(tmp_path, length):
    plaintext = os.urandom(length)
    (tmp_path / "plain").write_bytes(plaintext)
    status, said = age_encrypt_file(tmp_path / "plain", tmp_path / "out.age", PASSPHRASE)
    assert status == 0, said
    encrypted = (tmp_path / "out.age").read_bytes()
    assert b"".join(age_decrypt_stream(PASSPHRASE, _pieces(encrypted, 4096))) == plaintext


def test_age_refuses_a_wrong_passphrase_for_our_file(tmp_path):
    encrypted = b"".join(age_encrypt_stream(PASSPHRASE, [b"secret"], work_factor=10))
    (tmp_path / "in.age").write_bytes(encrypted)
    status, _ = age_decrypt_file(tmp_path / "in.age", tmp_path / "out", "not-the-passphrase")
    assert status != 0


def _encrypted(length: int = 150_000) -> tuple[bytes, bytes]:
    plaintext = os.urandom(length)
    return plaintext, b"".join(age_encrypt_stream(PASSPHRASE, [plaintext], work_factor=10))


def _opened(passphrase: str, encrypted: bytes) -> bytes:
    return b"".join(age_decrypt_stream(passphrase, _pieces(encrypted, 10_000)))


def test_it_round_trips():
    plaintext, encrypted = _encrypted()
    assert _opened(PASSPHRASE, encrypted) == plaintext


def test_it_refuses_a_wrong_passphrase_with_the_one_error():
    _, encrypted = _encrypted()
    with pytest.raises(AgeError) as refused:
        _opened("wrong passphrase", encrypted)
    assert str(refused.value) == AgeError.MESSAGE


@pytest.mark.parametrize("cut", [1, 16, 17, 65536 + 16, 100_000])
def test_it_refuses_a_truncated_file(cut):
    _, encrypted = _encrypted()
    with pytest.raises(AgeError) as refused:
        _opened(PASSPHRASE, encrypted[:-cut])
    assert str(refused.value) == AgeError.MESSAGE


def test_it_refuses_a_byte_flipped_anywhere():
    _, encrypted = _encrypted()
    header_end = encrypted.index(b"\n---") + 1
    # In the header, in its MAC, in the nonce, in each chunk and in the last tag.
    for position in [5, 30, header_end + 10, header_end + 50, header_end + 70, header_end + 80_000, len(encrypted) - 1]:
        tampered = bytearray(encrypted)
        tampered[position] ^= 0x01
        with pytest.raises(AgeError):
            _opened(PASSPHRASE, bytes(tampered))


def test_it_refuses_trailing_bytes():
    _, encrypted = _encrypted()
    with pytest.raises(AgeError):
        _opened(PASSPHRASE, encrypted + b"x")
