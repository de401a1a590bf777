"""Ranged reads of file streams: vault.crypto.stream.decrypt_range and plaintext_size.

Untrusted input: the stored object's size and the bytes a ranged storage read returns
(edited from a valid three-chunk stream, as in stream_decrypt), and the range a client
asks for. decrypt_range may raise ValueError only for a range outside the plaintext,
and IntegrityError for everything else; what it yields is exactly the asked-for slice
of a sealed file's plaintext.
"""

from __future__ import annotations

from fuzz import harness
from fuzz.stream_cases import OTHER, THREE, apply_edits
from vault.crypto import stream
from vault.crypto.errors import IntegrityError


def one_input(data: bytes) -> None:
    reader = harness.Reader(data)
    edited = apply_edits(reader, THREE.ciphertext)
    start = reader.u32() % (len(THREE.plaintext) + 2)
    end = start + reader.u32() % (len(THREE.plaintext) + 2)
    if reader.u8() % 4 == 0:  # sometimes a start past the end
        start, end = end, start

    def read_at(offset: int, length: int) -> bytes:
        assert offset >= 0 and length >= 0
        return edited[offset : offset + length]

    released = bytearray()
    try:
        for piece in stream.decrypt_range(THREE.dek, THREE.context, read_at, len(edited), start, end):
            released += piece
    except ValueError:
        size = stream.plaintext_size(len(edited))
        assert not 0 <= start <= end < size, "a satisfiable range was refused"
        return
    except IntegrityError:
        assert _authentic_prefix(released, start), "unauthentic plaintext released"
        return
    assert released in (THREE.plaintext[start : end + 1], OTHER.plaintext[start : end + 1]), (
        "a range of an edited stream opened to other plaintext"
    )
    assert len(released) == end - start + 1


def _authentic_prefix(released: bytes, start: int) -> bool:
    return any(p[start:].startswith(released) for p in (THREE.plaintext, OTHER.plaintext))


if __name__ == "__main__":
    harness.main(one_input)
