"""File bodies the driver can re-make at will: a real magic number, then bytes from a
seeded PRNG. The driver keeps (seed, size, sha256), never megabytes per file."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

MAGIC = {"application/pdf": b"%PDF-1.7\n", "image/png": b"\x89PNG\r\n\x1a\n"}
EXTENSION = {"application/pdf": "pdf", "image/png": "png"}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Body:
    content_type: str
    seed: int
    size: int
    sha256: str

    def bytes(self) -> bytes:
        return make_bytes(self.content_type, self.seed, self.size)


def make_bytes(content_type: str, seed: int, size: int) -> bytes:
    magic = MAGIC[content_type]
    return magic + random.Random(seed).randbytes(max(size - len(magic), 0))


def pick_size(rng: random.Random) -> int:
    """Tiny files, the stream format's 64 KiB chunk boundaries, and 1-2 MB scans."""
    choice = rng.random()
    if choice < 0.15:
        return rng.randint(16, 200)
    if choice < 0.45:
        return rng.choice([CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + 1, 16 * CHUNK])
    if choice < 0.7:
        return rng.randint(200, 300_000)
    return rng.randint(1_000_000, 2_000_000)


def new_body(rng: random.Random) -> Body:
    content_type = rng.choice(list(MAGIC))
    seed, size = rng.getrandbits(63), pick_size(rng)
    return Body(content_type, seed, size, hashlib.sha256(make_bytes(content_type, seed, size)).hexdigest())
