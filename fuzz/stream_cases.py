"""Valid file streams to fuzz against, and the edits a fuzz input makes to one.

Every stream here is the only one ever sealed under its key, so a stream that opens
under that key must be byte for byte the one listed, and any plaintext released
before a failure must be a prefix of its plaintext. Whole streams of several 64 KiB
chunks are too long for libFuzzer to mutate directly, so a fuzz input describes
edits to one instead: flip, cut, insert, and move whole chunks around.
"""

from __future__ import annotations

from dataclasses import dataclass

from fuzz import harness
from vault.crypto import stream


@dataclass(frozen=True)
class Stream:
    dek: bytes
    context: bytes
    ciphertext: bytes
    plaintext: bytes


def from_vector(name: str) -> Stream:
    case = harness.vector(f"stream/{name}")
    return Stream(*(bytes.fromhex(case[k]) for k in ("dek", "context", "ciphertext", "plaintext")))


# Small enough for libFuzzer to mutate as raw bytes; each has a key of its own.
SMALL = [from_vector(name) for name in ("ok_empty", "ok_empty_context", "ok_one_byte", "ok_short_text")]
assert len({s.dek for s in SMALL}) == len(SMALL)

# Two full chunks and a short last one; OTHER is a second file under the same key and
# context, the source of chunks and headers spliced in from "another file".
THREE = from_vector("ok_three_chunks")


def _other() -> Stream:
    plaintext = bytes(reversed(THREE.plaintext))
    pieces = stream.encrypt_stream(THREE.dek, THREE.context, [plaintext], rng=lambda n: b"\x5a" * n)
    return Stream(THREE.dek, THREE.context, b"".join(pieces), plaintext)


OTHER = _other()
KNOWN = {THREE.ciphertext: THREE.plaintext, OTHER.ciphertext: OTHER.plaintext}

FLIP, TRUNCATE, DELETE, INSERT, SWAP_CHUNKS, DROP_CHUNK, REPEAT_CHUNK, SPLICE_CHUNK, SPLICE_HEADER = range(9)
MAX_EDITS = 4


def _chunks(data: bytes) -> tuple[bytes, list[bytes]]:
    body = data[stream.HEADER_SIZE :]
    size = stream.SEALED_CHUNK_SIZE
    return data[: stream.HEADER_SIZE], [body[i : i + size] for i in range(0, len(body), size)]


def apply_edits(reader: harness.Reader, original: bytes) -> bytes:
    """Up to MAX_EDITS edits, each an op byte and its operands, to a copy of original."""
    data = bytearray(original)
    for _ in range(min(reader.u8() % (MAX_EDITS + 1), MAX_EDITS)):
        op = reader.u8() % 9
        at = reader.u32() % (len(data) + 1)
        if op == FLIP and data:
            data[at % len(data)] ^= reader.u8()
        elif op == TRUNCATE:
            del data[at:]
        elif op == DELETE:
            del data[at : at + reader.u16()]
        elif op == INSERT:
            data[at:at] = reader.take(reader.u8() % 32)
        else:
            header, chunks = _chunks(bytes(data))
            other_header, other_chunks = _chunks(OTHER.ciphertext)
            i, j = reader.u8(), reader.u8()
            if op == SPLICE_HEADER:
                header = other_header
            elif chunks and op == SWAP_CHUNKS:
                i, j = i % len(chunks), j % len(chunks)
                chunks[i], chunks[j] = chunks[j], chunks[i]
            elif chunks and op == DROP_CHUNK:
                del chunks[i % len(chunks)]
            elif chunks and op == REPEAT_CHUNK:
                chunks.insert(j % (len(chunks) + 1), chunks[i % len(chunks)])
            elif chunks and op == SPLICE_CHUNK:
                chunks[i % len(chunks)] = other_chunks[j % len(other_chunks)]
            data = bytearray(header + b"".join(chunks))
    return bytes(data)


def cut(reader: harness.Reader, data: bytes) -> list[bytes]:
    """The stream as an upload or a storage read delivers it: in pieces of any size."""
    points = sorted({reader.u32() % (len(data) + 1) for _ in range(reader.u8() % 8)})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]
