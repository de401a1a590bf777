"""File streams: vault.crypto.stream.decrypt_stream and StreamDecryptor.

Untrusted input: a file's ciphertext read back from storage, in pieces of any size.
The first input byte picks what is fuzzed:

    even  the rest is a whole stream (the byte's upper bits give a piece size),
          opened under each small vector's key
    odd   the rest is a list of edits to a valid three-chunk stream, then where the
          pieces are cut

Only IntegrityError may come out. A stream opens only if it is one that was sealed
under that key; plaintext released before a failure is a prefix of a sealed file's
plaintext; once failed, a decryptor keeps failing.
"""

from __future__ import annotations

from fuzz import harness
from fuzz.stream_cases import KNOWN, OTHER, SMALL, THREE, apply_edits, cut
from vault.crypto import stream
from vault.crypto.errors import IntegrityError


def _pieces(data: bytes, size: int) -> list[bytes]:
    if size == 0:
        return [data]
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def _whole(data: bytes, piece_size: int) -> None:
    for sealed in SMALL:
        released = bytearray()
        try:
            for plaintext in stream.decrypt_stream(sealed.dek, sealed.context, _pieces(data, piece_size)):
                released += plaintext
        except IntegrityError:
            assert sealed.plaintext.startswith(released), "unauthentic plaintext released"
            continue
        assert data == sealed.ciphertext and released == sealed.plaintext, "a stream opened that was never sealed"


def _edited(reader: harness.Reader) -> None:
    data = apply_edits(reader, THREE.ciphertext)
    decryptor = stream.StreamDecryptor(THREE.dek, THREE.context)
    released = bytearray()
    try:
        for piece in cut(reader, data):
            released += decryptor.update(piece)
        released += decryptor.finalize()
    except IntegrityError:
        assert THREE.plaintext.startswith(released) or OTHER.plaintext.startswith(released), (
            "unauthentic plaintext released"
        )
        try:
            decryptor.update(b"")
        except IntegrityError:
            return
        raise AssertionError("a failed decryptor accepted more input") from None
    assert KNOWN.get(data) == released, "an edited stream opened"
    assert decryptor.plaintext_size == len(released)


def one_input(data: bytes) -> None:
    if not data:
        return
    if data[0] % 2 == 0:
        _whole(data[1:], data[0] >> 1)
    else:
        _edited(harness.Reader(data[1:]))


if __name__ == "__main__":
    harness.main(one_input)
