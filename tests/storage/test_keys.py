"""Keys are random and opaque, and no key can reach outside the store."""

from __future__ import annotations

import inspect
import re

import pytest

from storage.base import BlobStore, InvalidBlobKey

MALICIOUS_KEYS = [
    "../x",
    "../../../../etc/passwd",
    "/etc/passwd",
    "..",
    ".",
    "",
    "ab/cd/" + "0" * 32,
    "0" * 31,
    "0" * 33,
    "A" * 32,  # an uppercase twin of a real key
    "0" * 31 + "\n",
    "0" * 31 + "\x00",
    "g" * 32,
    ".rclone_temp_put_" + "0" * 15,
]


def test_it_makes_random_hex_keys(store: BlobStore) -> None:
    keys = {store.new_key() for _ in range(1000)}

    assert len(keys) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)


def test_it_takes_no_caller_data_into_a_key(store: BlobStore) -> None:
    # Nothing to pass, so nothing about a user or a file can leak into a name.
    assert list(inspect.signature(store.new_key).parameters) == []


@pytest.mark.parametrize("key", MALICIOUS_KEYS)
def test_it_rejects_keys_it_could_not_have_made(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidBlobKey):
        store.put(key, [b"x"])
    with pytest.raises(InvalidBlobKey):
        store.read_range(key, 0, 1)
    with pytest.raises(InvalidBlobKey):
        store.iter_range(key, 0, 1)
    with pytest.raises(InvalidBlobKey):
        store.size(key)
    with pytest.raises(InvalidBlobKey):
        store.exists(key)
    with pytest.raises(InvalidBlobKey):
        store.delete(key)


def test_it_treats_invalid_keys_as_value_errors(store: BlobStore) -> None:
    with pytest.raises(ValueError):
        store.size("../x")
