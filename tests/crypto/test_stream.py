"""The seekable encrypted file stream (vault/crypto/stream.py, docs/format-stream.md)."""

from __future__ import annotations

import itertools
import json
import random
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nacl.hash
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_decrypt
from nacl.encoding import RawEncoder

from tests.vectors import gen_stream_vectors
from vault.crypto import stream
from vault.crypto.errors import IntegrityError
from vault.crypto.stream import (
    CHUNK_SIZE,
    HEADER_SIZE,
    SEALED_CHUNK_SIZE,
    TAG_SIZE,
    StreamDecryptor,
    StreamEncryptor,
    ciphertext_size,
    decrypt_chunk,
    decrypt_range,
    decrypt_stream,
    encrypt_chunk,
    encrypt_chunks,
    encrypt_stream,
    new_header,
    open_header,
    plaintext_size,
    sealed_chunk_offset,
)

VECTORS = sorted(gen_stream_vectors.OUT.glob("*.json"))
DEK = bytes(range(32))
OTHER_DEK = bytes(range(32, 64))
CONTEXT = b"user=alice|file=f1|purpose=file|kv=1"
INTERESTING_SIZES = [
    0,
    1,
    15,
    16,
    17,
    CHUNK_SIZE - 1,
    CHUNK_SIZE,
    CHUNK_SIZE + 1,
    2 * CHUNK_SIZE,
    3 * CHUNK_SIZE - 1,
    3 * CHUNK_SIZE,
    3 * CHUNK_SIZE + 1,
]

sizes = st.one_of(st.sampled_from(INTERESTING_SIZES), st.integers(0, 4 * CHUNK_SIZE + 5))
seeds = st.integers(0, 2**32)


def fixed_rng(seed: int = 0):
    return random.Random(seed).randbytes


def data(size: int, seed: int = 0) -> bytes:
    return random.Random(f"data/{seed}").randbytes(size)


def encrypt(plaintext: bytes, *, dek=DEK, context=CONTEXT, seed: int = 0) -> bytes:
    return b"".join(encrypt_stream(dek, context, [plaintext], rng=fixed_rng(seed)))


def decrypt(ciphertext: bytes, *, dek=DEK, context=CONTEXT, piece: int = 0) -> bytes:
    step = piece or max(1, len(ciphertext))
    pieces = (ciphertext[i : i + step] for i in range(0, len(ciphertext), step))
    return b"".join(decrypt_stream(dek, context, pieces))


def chunks_of(ciphertext: bytes) -> list[bytes]:
    body = ciphertext[HEADER_SIZE:]
    return [body[i : i + SEALED_CHUNK_SIZE] for i in range(0, len(body), SEALED_CHUNK_SIZE)]


def reader(ciphertext: bytes, calls: list[tuple[int, int]] | None = None):
    def read_at(offset: int, length: int) -> bytes:
        if calls is not None:
            calls.append((offset, length))
        return ciphertext[offset : offset + length]

    return read_at


def read_range(
    ciphertext: bytes,
    start: int,
    end: int,
    *,
    dek=DEK,
    context=CONTEXT,
    size: int | None = None,
    calls: list | None = None,
) -> bytes:
    size = len(ciphertext) if size is None else size
    read_at = reader(ciphertext, calls)
    return b"".join(decrypt_range(dek, context, read_at, size, start, end))


def flip(ciphertext: bytes, offset: int, mask: int = 0x01) -> bytes:
    changed = bytearray(ciphertext)
    changed[offset] ^= mask
    return bytes(changed)


# --- test vectors ------------------------------------------------------------------


def load(path: Path) -> dict:
    vector = json.loads(path.read_text())
    for field in ("dek", "context", "ciphertext"):
        vector[field] = bytes.fromhex(vector[field])
    if vector["plaintext"] is not None:
        vector["plaintext"] = bytes.fromhex(vector["plaintext"])
    return vector


OK_VECTORS = [path for path in VECTORS if load(path)["expect"] == "ok"]


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_every_vector_decrypts_as_it_expects(path):
    vector = load(path)
    keys = {"dek": vector["dek"], "context": vector["context"]}
    for piece in (0, 7919, SEALED_CHUNK_SIZE):
        if vector["expect"] == "ok":
            assert decrypt(vector["ciphertext"], piece=piece, **keys) == vector["plaintext"]
        else:
            assert vector["expect"] == "integrity_error"
            with pytest.raises(IntegrityError):
                decrypt(vector["ciphertext"], piece=piece, **keys)


@pytest.mark.parametrize("path", OK_VECTORS, ids=[p.stem for p in OK_VECTORS])
def test_every_ok_vector_is_reproduced_by_encryption_and_by_a_full_range(path):
    vector = load(path)
    ciphertext, plaintext = vector["ciphertext"], vector["plaintext"]

    def replay_prefix(size: int) -> bytes:
        return ciphertext[1 : 1 + size]

    encrypted = encrypt_stream(vector["dek"], vector["context"], [plaintext], rng=replay_prefix)
    assert b"".join(encrypted) == ciphertext
    if plaintext:
        keys = {"dek": vector["dek"], "context": vector["context"]}
        assert read_range(ciphertext, 0, len(plaintext) - 1, **keys) == plaintext


def test_most_vectors_are_failure_cases():
    expectations = [load(path)["expect"] for path in VECTORS]
    assert set(expectations) == {"ok", "integrity_error"}
    assert len(OK_VECTORS) >= 5
    assert expectations.count("integrity_error") > 3 * len(OK_VECTORS)


def test_the_vector_generator_is_deterministic(tmp_path):
    gen_stream_vectors.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in VECTORS]
    for path in VECTORS:
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


# --- round trips and sizes -----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(size=sizes, seed=seeds)
def test_any_plaintext_round_trips_at_its_predicted_size(size, seed):
    plaintext = data(size, seed)
    ciphertext = encrypt(plaintext, seed=seed)
    assert len(ciphertext) == ciphertext_size(size)
    assert plaintext_size(len(ciphertext)) == size
    assert decrypt(ciphertext) == plaintext


piece_sizes = st.lists(st.integers(0, 100) | st.integers(0, 3 * CHUNK_SIZE), max_size=8)


@settings(max_examples=60, deadline=None)
@given(size=sizes, piece_sizes=piece_sizes)
def test_pushing_pieces_of_any_size_gives_the_same_ciphertext_as_encrypt_stream(size, piece_sizes):
    plaintext = data(size)
    encryptor = StreamEncryptor(DEK, CONTEXT, rng=fixed_rng())
    pushed = [encryptor.update(b"")]
    assert pushed == [encryptor.header]
    position = 0
    for piece_size in [*piece_sizes, size]:
        pushed.append(encryptor.update(plaintext[position : position + piece_size]))
        position = min(size, position + piece_size)
        sealed = (sum(map(len, pushed)) - HEADER_SIZE) // SEALED_CHUNK_SIZE
        assert position - sealed * CHUNK_SIZE <= CHUNK_SIZE  # at most one chunk buffered
    pushed.append(encryptor.finalize())
    assert encryptor.plaintext_size == size
    assert b"".join(pushed) == encrypt(plaintext)


@settings(max_examples=40, deadline=None)
@given(size=sizes, piece=st.integers(1, 2 * SEALED_CHUNK_SIZE + 3))
def test_the_decryptor_accepts_pieces_of_any_size(size, piece):
    plaintext = data(size)
    assert decrypt(encrypt(plaintext), piece=piece) == plaintext


def test_plaintext_size_inverts_ciphertext_size_and_rejects_every_impossible_size():
    valid = {ciphertext_size(n): n for n in range(3 * CHUNK_SIZE + 1)}
    impossible = 0
    for size in range(sealed_chunk_offset(3) + 1):
        try:
            assert plaintext_size(size) == valid[size]
        except IntegrityError:
            assert size not in valid
            impossible += 1
    # Too short for header and tag; then, past each full chunk, a 1..16-byte last chunk.
    assert impossible == HEADER_SIZE + TAG_SIZE + 2 * TAG_SIZE


@given(size=st.integers(0, 2**60))
def test_size_formulas_agree_for_huge_files(size):
    assert plaintext_size(ciphertext_size(size)) == size


def test_chunks_sealed_independently_and_in_any_order_form_the_same_stream():
    plaintext = data(5 * CHUNK_SIZE + 9)
    header = new_header(DEK, CONTEXT, rng=fixed_rng())
    pieces = [plaintext[i : i + CHUNK_SIZE] for i in range(0, len(plaintext), CHUNK_SIZE)]
    last = len(pieces) - 1

    def seal(index: int) -> bytes:
        return encrypt_chunk(DEK, header, CONTEXT, index, pieces[index], index == last)

    with ThreadPoolExecutor(max_workers=3) as pool:
        sealed = list(pool.map(seal, reversed(range(len(pieces)))))[::-1]
    parts = [
        encrypt_chunks(DEK, header, CONTEXT, 0, plaintext[: 2 * CHUNK_SIZE], last=False),
        encrypt_chunks(DEK, header, CONTEXT, 2, plaintext[2 * CHUNK_SIZE :], last=True),
    ]
    assert header + b"".join(sealed) == header + b"".join(parts) == encrypt(plaintext)


def test_decrypt_chunk_opens_a_chunk_only_at_its_own_index_and_flag():
    header = new_header(DEK, CONTEXT)
    sealed = encrypt_chunk(DEK, header, CONTEXT, 3, b"x" * CHUNK_SIZE, False)
    assert decrypt_chunk(DEK, header, CONTEXT, 3, sealed, False) == b"x" * CHUNK_SIZE
    for index, last in [(2, False), (4, False), (3, True)]:
        with pytest.raises(IntegrityError):
            decrypt_chunk(DEK, header, CONTEXT, index, sealed, last)


@pytest.mark.parametrize(
    "index, length, last",
    [(0, CHUNK_SIZE - 1, False), (0, CHUNK_SIZE + 1, True), (1, 0, True), (0, 0, False)],
)
def test_encrypt_chunk_refuses_non_canonical_chunk_lengths(index, length, last):
    header = new_header(DEK, CONTEXT)
    with pytest.raises(ValueError):
        encrypt_chunk(DEK, header, CONTEXT, index, bytes(length), last)


def test_new_header_takes_its_prefix_from_the_injected_rng():
    header = new_header(DEK, CONTEXT, rng=lambda n: b"\xab" * n)
    assert len(header) == HEADER_SIZE
    assert header[:17] == b"\x01" + b"\xab" * 16
    assert new_header(DEK, CONTEXT)[1:17] != new_header(DEK, CONTEXT)[1:17]


# --- ranges ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(size=sizes.filter(bool), bounds=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_a_range_decrypts_to_the_same_bytes_as_slicing(size, bounds):
    plaintext = data(size)
    start, end = sorted(min(size - 1, int(b * size)) for b in bounds)
    assert read_range(encrypt(plaintext), start, end) == plaintext[start : end + 1]


@pytest.mark.parametrize(
    "start, end",
    [
        (0, 0),
        (-1, -1),
        (0, -1),
        (CHUNK_SIZE - 1, CHUNK_SIZE),
        (CHUNK_SIZE, CHUNK_SIZE),
        (CHUNK_SIZE - 1, 2 * CHUNK_SIZE),
        (2 * CHUNK_SIZE, -1),
        (5, CHUNK_SIZE - 1),
    ],
)
def test_ranges_at_edges_and_across_chunk_boundaries_match_slicing(start, end):
    plaintext = data(2 * CHUNK_SIZE + 40)
    start, end = start % len(plaintext), end % len(plaintext)
    assert read_range(encrypt(plaintext), start, end) == plaintext[start : end + 1]


def test_a_range_reads_only_the_header_and_the_chunks_it_covers():
    plaintext = data(40 * CHUNK_SIZE + 7)
    ciphertext = encrypt(plaintext)
    for start, end in [(3 * CHUNK_SIZE + 5, 30 * CHUNK_SIZE), (0, 0), (len(plaintext) - 1,) * 2]:
        calls: list[tuple[int, int]] = []
        assert read_range(ciphertext, start, end, calls=calls) == plaintext[start : end + 1]
        assert calls[0] == (0, HEADER_SIZE)
        covered = sealed_chunk_offset(start // CHUNK_SIZE)
        for offset, length in calls[1:]:
            assert offset == covered
            covered += length
        assert covered == min(sealed_chunk_offset(end // CHUNK_SIZE + 1), len(ciphertext))


def test_a_range_that_reaches_the_end_of_a_truncated_file_fails():
    ciphertext = encrypt(data(3 * CHUNK_SIZE + 5))
    truncated = ciphertext[: sealed_chunk_offset(3)]
    end = plaintext_size(len(truncated)) - 1
    with pytest.raises(IntegrityError):
        read_range(truncated, end, end)


def test_a_range_fails_when_storage_returns_fewer_bytes_than_the_size_promised():
    ciphertext = encrypt(data(3 * CHUNK_SIZE))
    with pytest.raises(IntegrityError):
        read_range(ciphertext[:-1], 0, 3 * CHUNK_SIZE - 1, size=len(ciphertext))


def test_a_range_checks_size_and_header_before_it_returns():
    ciphertext = encrypt(data(100))
    with pytest.raises(IntegrityError):
        decrypt_range(DEK, CONTEXT, reader(flip(ciphertext, 20)), len(ciphertext), 0, 1)
    with pytest.raises(IntegrityError):
        decrypt_range(DEK, CONTEXT, reader(ciphertext), HEADER_SIZE + 3, 0, 1)


@pytest.mark.parametrize("start, end", [(-1, 5), (5, 4), (0, 100), (100, 100)])
def test_a_range_outside_the_plaintext_is_refused(start, end):
    ciphertext = encrypt(data(100))
    with pytest.raises(ValueError):
        decrypt_range(DEK, CONTEXT, reader(ciphertext), len(ciphertext), start, end)


# --- tampering ---------------------------------------------------------------------


def region_offsets(ciphertext: bytes) -> list[int]:
    """Every header byte, and the edges and middle of each chunk's body and tag."""
    offsets = list(range(HEADER_SIZE))
    for index, sealed in enumerate(chunks_of(ciphertext)):
        base, body = sealed_chunk_offset(index), len(sealed) - TAG_SIZE
        offsets += [base + o for o in (0, body // 2, body - 1, body, body + 7, len(sealed) - 1)]
    return offsets


def test_flipping_a_bit_in_any_region_is_detected_by_stream_and_range_reads():
    plaintext = data(2 * CHUNK_SIZE + 100)
    ciphertext = encrypt(plaintext)
    for offset in region_offsets(ciphertext):
        tampered = flip(ciphertext, offset)
        with pytest.raises(IntegrityError):
            decrypt(tampered)
        position = max(0, (offset - HEADER_SIZE) // SEALED_CHUNK_SIZE * CHUNK_SIZE)
        with pytest.raises(IntegrityError):
            read_range(tampered, position, position)


@settings(max_examples=100, deadline=None)
@given(where=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_flipping_any_bits_of_any_byte_is_detected(where, mask):
    ciphertext = encrypt(data(CHUNK_SIZE + 50))
    with pytest.raises(IntegrityError):
        decrypt(flip(ciphertext, int(where * len(ciphertext)), mask))


def test_truncating_at_any_chunk_boundary_never_ends_cleanly():
    plaintext = data(3 * CHUNK_SIZE + 5)
    ciphertext = encrypt(plaintext)
    cuts = [0, 1, HEADER_SIZE - 1] + [sealed_chunk_offset(i) for i in range(4)] + [-1]
    for cut in cuts:
        received = []
        with pytest.raises(IntegrityError):
            for piece in decrypt_stream(DEK, CONTEXT, [ciphertext[:cut]]):
                received.append(piece)
        assert plaintext.startswith(b"".join(received))


def test_reordered_duplicated_or_dropped_chunks_are_detected():
    ciphertext = encrypt(data(3 * CHUNK_SIZE + 5))
    header, chunks = ciphertext[:HEADER_SIZE], chunks_of(ciphertext)
    orders = [p for p in itertools.permutations(range(4)) if p != (0, 1, 2, 3)]
    orders += [(0, 0, 1, 2, 3), (0, 1, 2, 3, 3), (0, 1, 1, 2, 3), (0, 1, 3), (1, 2, 3)]
    for order in orders:
        with pytest.raises(IntegrityError):
            decrypt(header + b"".join(chunks[i] for i in order))


def test_trailing_bytes_are_detected():
    ciphertext = encrypt(data(CHUNK_SIZE))
    for trailer in (b"\x00", bytes(TAG_SIZE), chunks_of(ciphertext)[-1]):
        with pytest.raises(IntegrityError):
            decrypt(ciphertext + trailer)


def test_every_unknown_version_is_rejected():
    header = new_header(DEK, CONTEXT)
    for version in set(range(256)) - {1}:
        with pytest.raises(IntegrityError):
            open_header(DEK, CONTEXT, bytes([version]) + header[1:])


def test_a_header_from_another_file_is_rejected():
    ciphertext = encrypt(data(1000), seed=1)
    body = ciphertext[HEADER_SIZE:]
    same_key_header = new_header(DEK, CONTEXT, rng=fixed_rng(2))
    other_file_header = new_header(DEK, CONTEXT.replace(b"f1", b"f2"), rng=fixed_rng(1))
    other_key_header = new_header(OTHER_DEK, CONTEXT, rng=fixed_rng(1))
    for header in (same_key_header, other_file_header, other_key_header):
        with pytest.raises(IntegrityError):
            decrypt(header + body)


def test_a_stream_opens_only_with_its_own_key_and_context():
    ciphertext = encrypt(data(1000))
    with pytest.raises(IntegrityError):
        decrypt(ciphertext, dek=OTHER_DEK)
    with pytest.raises(IntegrityError):
        decrypt(ciphertext, context=CONTEXT + b"x")


def test_the_error_never_says_which_check_failed():
    ciphertext = encrypt(data(CHUNK_SIZE + 1))
    truncated, tampered = ciphertext[:-1], [flip(ciphertext, at) for at in (0, 30, -1)]
    for bad in [b"", truncated, *tampered]:
        with pytest.raises(IntegrityError) as caught:
            decrypt(bad)
        error = caught.value
        assert str(error) == "integrity check failed"
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__


def test_a_decryptor_stays_failed_after_an_integrity_error():
    ciphertext = encrypt(data(10))
    decryptor = StreamDecryptor(DEK, CONTEXT)
    with pytest.raises(IntegrityError):
        decryptor.update(flip(ciphertext, 5))
    with pytest.raises(IntegrityError):
        decryptor.update(ciphertext[HEADER_SIZE:])
    with pytest.raises(IntegrityError):
        decryptor.finalize()


def test_a_finalized_encryptor_refuses_more_input():
    encryptor = StreamEncryptor(DEK, CONTEXT)
    assert decrypt(encryptor.update(b"abc") + encryptor.finalize()) == b"abc"
    with pytest.raises(ValueError):
        encryptor.update(b"more")
    with pytest.raises(ValueError):
        encryptor.finalize()


# --- key commitment against an attacker who picks both keys --------------------------
# Poly1305 is not key-committing: knowing two keys, one can solve for a ciphertext block
# that makes one tag valid under both. The header's commitment is what stops it.

_MASK32 = 0xFFFFFFFF
_P1305 = (1 << 130) - 5
_SIGMA = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)


def _rounds(state: list[int]) -> list[int]:
    s = list(state)

    def quarter(a: int, b: int, c: int, d: int) -> None:
        for x, y, z, shift in ((a, b, d, 16), (c, d, b, 12), (a, b, d, 8), (c, d, b, 7)):
            s[x] = (s[x] + s[y]) & _MASK32
            v = s[z] ^ s[x]
            s[z] = ((v << shift) & _MASK32) | (v >> (32 - shift))

    for _ in range(10):
        for a, b, c, d in (
            (0, 4, 8, 12),
            (1, 5, 9, 13),
            (2, 6, 10, 14),
            (3, 7, 11, 15),
            (0, 5, 10, 15),
            (1, 6, 11, 12),
            (2, 7, 8, 13),
            (3, 4, 9, 14),
        ):
            quarter(a, b, c, d)
    return s


def _words(raw: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(raw) // 4}I", raw))


def _poly1305_key(key: bytes, nonce: bytes) -> tuple[int, int]:
    """(r, s) that XChaCha20-Poly1305 uses for this key and 24-byte nonce."""
    hashed = _rounds([*_SIGMA, *_words(key), *_words(nonce[:16])])
    subkey = struct.pack("<8I", *hashed[:4], *hashed[12:])
    state = [*_SIGMA, *_words(subkey), 0, *_words(bytes(4) + nonce[16:])]
    block = struct.pack(
        "<16I", *((a + b) & _MASK32 for a, b in zip(_rounds(state), state, strict=True))
    )
    r = int.from_bytes(block[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    return r, int.from_bytes(block[16:32], "little")


def _blocks(associated_data: bytes, ciphertext: bytes) -> list[int]:
    lengths = struct.pack("<QQ", len(associated_data), len(ciphertext))
    padding = bytes(-len(associated_data) % 16), bytes(-len(ciphertext) % 16)
    message = associated_data + padding[0] + ciphertext + padding[1] + lengths
    return [
        int.from_bytes(message[i : i + 16], "little") + (1 << 128)
        for i in range(0, len(message), 16)
    ]


def _poly(blocks: list[int], r: int) -> int:
    accumulator = 0
    for block in blocks:
        accumulator = (accumulator + block) * r % _P1305
    return accumulator


def forge_chunk_for_two_keys(key1: bytes, key2: bytes, nonce: bytes, ad: bytes) -> bytes:
    """A 32-byte ciphertext plus tag that opens under both chunk keys."""
    (r1, s1), (r2, s2) = _poly1305_key(key1, nonce), _poly1305_key(key2, nonce)
    draw = random.Random(7).randbytes
    while True:
        ciphertext = draw(16) + bytes(16)
        blocks = _blocks(ad, ciphertext)
        # Only the last ciphertext block is free; the length block follows it, so it meets r**2.
        gap = (_poly(blocks, r1) - _poly(blocks, r2)) - (blocks[-2] * (r1**2 - r2**2))
        block = (s2 - s1 - gap) * pow(r1**2 - r2**2, -1, _P1305) % _P1305 - (1 << 128)
        if not 0 <= block < 1 << 128:
            continue
        ciphertext = ciphertext[:16] + block.to_bytes(16, "little")
        tag1 = (_poly(_blocks(ad, ciphertext), r1) + s1) % (1 << 128)
        tag2 = (_poly(_blocks(ad, ciphertext), r2) + s2) % (1 << 128)
        if tag1 == tag2:
            return ciphertext + tag1.to_bytes(16, "little")


def test_a_ciphertext_forged_to_open_under_two_chosen_keys_opens_under_only_one():
    header = new_header(DEK, CONTEXT, rng=fixed_rng())
    chunk_keys = [
        nacl.hash.blake2b(b"", key=dek, person=stream.CHUNK_KEY_PERSON, encoder=RawEncoder)
        for dek in (DEK, OTHER_DEK)
    ]
    nonce = header[1:17] + bytes(7) + b"\x01"
    forged = forge_chunk_for_two_keys(*chunk_keys, nonce, header + CONTEXT)
    for chunk_key in chunk_keys:  # the AEAD alone accepts both keys
        crypto_aead_xchacha20poly1305_ietf_decrypt(forged, header + CONTEXT, nonce, chunk_key)

    assert len(decrypt(header + forged, dek=DEK)) == 32
    with pytest.raises(IntegrityError):
        decrypt(header + forged, dek=OTHER_DEK)
