"""Argon2id's working memory in transparent huge pages (Linux), for the large profiles.

libargon2 takes its m KiB with malloc, which for 64 MiB is a fresh anonymous mapping per
call: 16,384 page faults, each zeroing 4 KiB. On the 2-core machine of docs/performance.md
("Unlock overhead, profiled") that is about 40 of a `moderate` call's 140 ms. Asking the
kernel for 2 MiB pages (madvise MADV_HUGEPAGE) makes it 32 faults, for the profiles between
MIN_MEMORY_KIB and MAX_MEMORY_KIB (the production default's 64 MiB among them). The computation is
libargon2's own, through argon2-cffi's `core` binding with libargon2's allocation
callbacks: same algorithm, parameters and bytes (tests/crypto/test_kdf_memory.py), and the
memory is still wiped by libargon2 before it is unmapped. Where huge pages or the callbacks
are unavailable, `argon2id_raw` is None and callers use `hash_secret_raw`.
"""

from __future__ import annotations

import ctypes
import mmap
import sys
import threading

from argon2.low_level import Type, core, ffi

HUGE_PAGE = 2 * 1024 * 1024
# Below this, malloc's heap serves Argon2id's memory without faulting it in each time.
MIN_MEMORY_KIB = 16 * 1024
# Above this, huge pages measured slower on the 2-core machine (256 MiB, t=4: 1,055 against
# 916 ms, bimodal from call to call), so the `sensitive` profile keeps malloc.
MAX_MEMORY_KIB = 128 * 1024
_FLAG_CLEAR_PASSWORD = 1  # ARGON2_FLAG_CLEAR_PASSWORD: libargon2 wipes its copy of the PIN
_MAP_FAILED = ctypes.c_void_p(-1).value

_mappings: dict[int, tuple[int, int]] = {}  # the address handed to libargon2 -> (mapping, length)
_mappings_lock = threading.Lock()


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.munmap.restype = ctypes.c_int
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    libc.madvise.restype = ctypes.c_int
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return libc


def _allocate(memory, size: int) -> int:
    # One huge page more than needed, so that the block can start on a huge-page boundary.
    length = -(-size // HUGE_PAGE) * HUGE_PAGE + HUGE_PAGE
    mapping = _LIBC.mmap(None, length, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if mapping is None or mapping == _MAP_FAILED:
        memory[0] = ffi.NULL  # libargon2 answers ARGON2_MEMORY_ALLOCATION_ERROR
        return -22
    address = -(-mapping // HUGE_PAGE) * HUGE_PAGE
    _LIBC.madvise(address, length - (address - mapping), mmap.MADV_HUGEPAGE)  # a refusal leaves 4 KiB pages
    with _mappings_lock:
        _mappings[address] = (mapping, length)
    memory[0] = ffi.cast("uint8_t *", address)
    return 0


def _free(memory, size: int) -> None:
    with _mappings_lock:
        mapping, length = _mappings.pop(int(ffi.cast("uintptr_t", memory)))
    _LIBC.munmap(mapping, length)


def _argon2id_raw(secret: bytes, salt: bytes, time_cost: int, memory_cost: int, hash_len: int) -> bytes:
    """hash_secret_raw(secret, salt, time_cost, memory_cost, parallelism=1, hash_len, Type.ID, version 19),
    with the working memory in huge pages; ValueError if libargon2 refuses."""
    out = ffi.new("uint8_t[]", hash_len)
    pwd = ffi.new("uint8_t[]", secret)
    c_salt = ffi.new("uint8_t[]", salt)
    context = ffi.new("argon2_context *", {
        "out": out, "outlen": hash_len, "pwd": pwd, "pwdlen": len(secret), "salt": c_salt, "saltlen": len(salt),
        "secret": ffi.NULL, "secretlen": 0, "ad": ffi.NULL, "adlen": 0,
        "t_cost": time_cost, "m_cost": memory_cost, "lanes": 1, "threads": 1, "version": 19,
        "allocate_cbk": _ALLOCATE, "free_cbk": _FREE, "flags": _FLAG_CLEAR_PASSWORD,
    })
    error = core(context, Type.ID.value)
    if error != 0:
        raise ValueError(f"argon2 error {error}")
    return bytes(ffi.buffer(out, hash_len))


try:
    if not sys.platform.startswith("linux") or not hasattr(mmap, "MADV_HUGEPAGE"):
        raise OSError("no transparent huge pages")
    _LIBC = _libc()
    _ALLOCATE = ffi.callback("allocate_fptr", _allocate, error=-22)
    _FREE = ffi.callback("deallocate_fptr", _free)
    argon2id_raw = _argon2id_raw
except (OSError, AttributeError, MemoryError, TypeError, ffi.error):
    argon2id_raw = None
