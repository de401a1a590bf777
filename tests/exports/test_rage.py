"""A second, independent age implementation opens Coffer's exports: pyrage, the Python
bindings of the `age` Rust crate that rage is built on (rage itself is in neither Debian
bookworm nor PyPI). And Coffer reads what it writes."""

from __future__ import annotations

import io
import os
import tarfile

import pyrage
import pytest

from exports.age import AgeError, age_decrypt_stream, age_encrypt_stream
from exports.services import export_build

from .conftest import PASSPHRASE, check_export_matches, download, fill_vault, safe_extract, start_export


@pytest.mark.parametrize("length", [0, 1, 65536, 200_003])
def test_rage_decrypts_what_coffer_encrypts(length):
    plaintext = os.urandom(length)
    encrypted = b"".join(age_encrypt_stream(PASSPHRASE, [plaintext], work_factor=10))
    assert pyrage.passphrase.decrypt(encrypted, PASSPHRASE) == plaintext


def test_coffer_decrypts_what_rage_encrypts():
    plaintext = os.urandom(150_000)
    encrypted = pyrage.passphrase.encrypt(plaintext, PASSPHRASE)
    assert b"".join(age_decrypt_stream(PASSPHRASE, [encrypted])) == plaintext
    with pytest.raises(AgeError):
        b"".join(age_decrypt_stream("not the passphrase", [encrypted]))


def test_rage_refuses_a_wrong_passphrase_and_a_flipped_byte():
    encrypted = bytearray(b"".join(age_encrypt_stream(PASSPHRASE, [b"a secret"], work_factor=10)))
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(bytes(encrypted), "not the passphrase")
    encrypted[-5] ^= 1
    with pytest.raises(pyrage.DecryptError):
        pyrage.passphrase.decrypt(bytes(encrypted), PASSPHRASE)


def test_rage_opens_a_whole_export_of_a_vault(unlocked_alice, tmp_path):
    filled = fill_vault(unlocked_alice)
    job_id = start_export(unlocked_alice)
    assert export_build(job_id=job_id).finished
    age_file = download(unlocked_alice, job_id, tmp_path / "vault.age")
    (tmp_path / "export.tar").write_bytes(pyrage.passphrase.decrypt(age_file.read_bytes(), PASSPHRASE))
    assert tarfile.is_tarfile(io.BytesIO((tmp_path / "export.tar").read_bytes()))
    safe_extract(tmp_path / "export.tar", tmp_path / "out")
    check_export_matches(tmp_path / "out" / "coffer-export", filled, unlocked_alice.user.username)
