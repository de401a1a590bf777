"""exports.age: imports without Django, and round-trips whatever the plaintext and
however the input is cut into pieces."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from exports.age import age_decrypt_stream, age_encrypt_stream, new_file_key, payload_decrypt, payload_encrypt

ROOT = Path(__file__).resolve().parents[2]


def test_it_imports_without_django():
    code = (
        "import os, sys; os.environ.pop('DJANGO_SETTINGS_MODULE', None); import exports.age; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _cut(data: bytes, sizes: list[int]) -> list[bytes]:
    pieces, offset = [], 0
    for size in sizes:
        pieces.append(data[offset : offset + size])
        offset += size
    return [*pieces, data[offset:]]


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=3 * 65536 + 5) | st.sampled_from([b"", bytes(65536), bytes(131072)]),
       st.lists(st.integers(1, 70000), max_size=6), st.lists(st.integers(1, 70000), max_size=6))
def test_the_payload_round_trips_however_it_is_cut(plaintext, plain_cuts, sealed_cuts):
    file_key = new_file_key()
    sealed = b"".join(payload_encrypt(file_key, _cut(plaintext, plain_cuts)))
    assert b"".join(payload_decrypt(file_key, _cut(sealed, sealed_cuts))) == plaintext


@settings(max_examples=10, deadline=None)
@given(st.binary(max_size=70000), st.text(min_size=1, max_size=40))
def test_a_whole_file_round_trips(plaintext, passphrase):
    encrypted = b"".join(age_encrypt_stream(passphrase, [plaintext], work_factor=2))
    assert b"".join(age_decrypt_stream(passphrase, [encrypted])) == plaintext
