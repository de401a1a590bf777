import unicodedata

import nacl.pwhash
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vault.crypto.errors import IntegrityError
from vault.crypto.kdf import PROFILES, KdfParams, derive_pin_key


@settings(max_examples=25, deadline=None)
@given(pin=st.text(min_size=1, max_size=40), salt=st.binary(min_size=16, max_size=16), iterations=st.integers(1, 3))
def test_argon2_cffi_gives_the_same_bytes_as_libsodium_crypto_pwhash(pin, salt, iterations):
    params = KdfParams(memory_kib=64, iterations=iterations)
    ours = derive_pin_key(pin, salt, params)
    libsodium = nacl.pwhash.argon2id.kdf(
        32, unicodedata.normalize("NFKC", pin).encode("utf-8"), salt, opslimit=iterations, memlimit=64 * 1024
    )
    assert ours == libsodium


def test_argon2_matches_libsodium_at_the_interactive_profile():
    salt = bytes(range(16))
    params = PROFILES["interactive"]
    assert derive_pin_key("482915", salt, params) == nacl.pwhash.argon2id.kdf(
        32, b"482915", salt, opslimit=params.iterations, memlimit=params.memory_kib * 1024
    )


def test_the_production_default_is_at_least_64_mib_and_three_passes():
    params = PROFILES["moderate"]
    assert params.memory_kib >= 64 * 1024 and params.iterations >= 3 and params.parallelism == 1


def test_a_different_salt_or_pin_gives_a_different_key():
    params = PROFILES["test"]
    base = derive_pin_key("482915", b"s" * 16, params)
    assert derive_pin_key("482916", b"s" * 16, params) != base
    assert derive_pin_key("482915", b"t" * 16, params) != base


def test_params_with_parallelism_other_than_one_are_refused():
    with pytest.raises(IntegrityError):
        KdfParams.from_dict({"memory_kib": 64, "iterations": 1, "parallelism": 2})


@pytest.mark.parametrize("params", [
    {"memory_kib": 64}, {"iterations": 1}, {"memory_kib": 64.5, "iterations": 1}, {"memory_kib": "64", "iterations": 1},
    {"memory_kib": 64, "iterations": True}, {"memory_kib": 7, "iterations": 1}, {"memory_kib": 64, "iterations": 0},
    {"memory_kib": 2**32, "iterations": 1}, {"memory_kib": 64, "iterations": 1, "algorithm": "argon2i13"}, [64, 1],
])
def test_malformed_stored_params_are_the_one_error_and_never_reach_argon2(params):
    with pytest.raises(IntegrityError):
        KdfParams.from_dict(params)
