"""File stream headers and sizes: vault.crypto.stream.open_header and plaintext_size.

Untrusted input: a stream's first 49 bytes, and the size of the stored object.
open_header raises only IntegrityError and accepts only the header sealed for that key
and context. plaintext_size raises only IntegrityError, and every size it accepts
round-trips through ciphertext_size.
"""

from __future__ import annotations

from fuzz import harness
from fuzz.stream_cases import SMALL, THREE
from vault.crypto import stream
from vault.crypto.errors import IntegrityError

HEADERS = [(s.dek, s.context, s.ciphertext[: stream.HEADER_SIZE]) for s in (*SMALL, THREE)]


def _header(data: bytes) -> None:
    for dek, context, header in HEADERS:
        try:
            stream.open_header(dek, context, data)
        except IntegrityError:
            continue
        assert data == header, "a header opened that was never sealed"


def _size(ciphertext_size: int) -> None:
    try:
        size = stream.plaintext_size(ciphertext_size)
    except IntegrityError:
        return
    assert size >= 0 and stream.ciphertext_size(size) == ciphertext_size


def one_input(data: bytes) -> None:
    _header(data)
    reader = harness.Reader(data)
    _size(int.from_bytes(reader.take(8), "big", signed=True))
    # Sizes near a chunk boundary, where the arithmetic turns.
    _size(stream.sealed_chunk_offset(reader.u32()) + reader.u8() - 128)


if __name__ == "__main__":
    harness.main(one_input)
