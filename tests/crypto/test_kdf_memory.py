import os
import resource
import threading
from pathlib import Path

import nacl.pwhash
import pytest
from argon2.low_level import Type, hash_secret_raw

from vault.crypto import kdf_memory
from vault.crypto.kdf import KdfParams, derive_pin_key

pytestmark = pytest.mark.skipif(kdf_memory.argon2id_raw is None, reason="no huge-page allocator on this platform")

SMALLEST = KdfParams(memory_kib=kdf_memory.MIN_MEMORY_KIB, iterations=1)


def _raw(pin: bytes, salt: bytes, params: KdfParams) -> bytes:
    return hash_secret_raw(pin, salt, time_cost=params.iterations, memory_cost=params.memory_kib, parallelism=1,
                           hash_len=32, type=Type.ID, version=19)


def test_it_gives_the_bytes_of_argon2_cffi_and_libsodium():
    salt = bytes(range(16))
    ours = derive_pin_key("482915", salt, SMALLEST)
    assert ours == _raw(b"482915", salt, SMALLEST)
    assert ours == nacl.pwhash.argon2id.kdf(32, b"482915", salt, opslimit=1, memlimit=SMALLEST.memory_kib * 1024)


def test_the_production_sizes_take_it_and_the_smaller_and_larger_do_not(monkeypatch):
    calls = []
    real = kdf_memory.argon2id_raw
    monkeypatch.setattr("vault.crypto.kdf.argon2id_raw", lambda *args: calls.append(args[3]) or real(*args))
    monkeypatch.setattr("vault.crypto.kdf.hash_secret_raw", lambda **kwargs: bytes(32))  # no 129 MiB here
    derive_pin_key("482915", b"s" * 16, KdfParams(memory_kib=64, iterations=1))
    derive_pin_key("482915", b"s" * 16, KdfParams(memory_kib=kdf_memory.MAX_MEMORY_KIB + 1024, iterations=1))
    assert calls == []
    derive_pin_key("482915", b"s" * 16, SMALLEST)
    assert calls == [SMALLEST.memory_kib]


def test_it_unmaps_its_memory_and_stays_right_from_many_threads():
    salts = [os.urandom(16) for _ in range(4)]
    results = {}

    def derive(salt):
        results[salt] = derive_pin_key("482915", salt, SMALLEST)

    threads = [threading.Thread(target=derive, args=(salt,)) for salt in salts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {salt: _raw(b"482915", salt, SMALLEST) for salt in salts}
    assert kdf_memory._mappings == {}


def test_a_refused_mapping_is_an_error_not_a_crash(monkeypatch):
    class NoMemory:
        def mmap(self, *args):
            return kdf_memory._MAP_FAILED

    monkeypatch.setattr(kdf_memory, "_LIBC", NoMemory())
    with pytest.raises(ValueError):
        derive_pin_key("482915", b"s" * 16, SMALLEST)
    assert kdf_memory._mappings == {}


def _huge_pages_on() -> bool:
    path = Path("/sys/kernel/mm/transparent_hugepage/enabled")
    return path.exists() and "[never]" not in path.read_text()


@pytest.mark.skipif(not _huge_pages_on(), reason="transparent huge pages are off")
def test_its_memory_comes_in_huge_pages():
    # 16 MiB in 4 KiB pages is 4,096 faults; in 2 MiB pages, 8 (the kernel may fall back
    # to small pages for some of them when memory is fragmented, hence the margin).
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    derive_pin_key("482915", b"s" * 16, SMALLEST)
    assert resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before < 1024
