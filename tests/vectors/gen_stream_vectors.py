"""Generate the file stream test vectors in tests/vectors/stream/, one JSON file a case.

    python tests/vectors/gen_stream_vectors.py [--out DIR]

The ciphertexts are built here from the primitives, straight from docs/format-stream.md,
not with vault.crypto.stream (and with hashlib's BLAKE2b, not libsodium's): the vectors
check the implementation against the spec, not against itself. Each case draws from its
own seeded RNG, so the output is the same on every run and adding a case changes no
other file.

Fields: name, description, dek, context, plaintext (null when none may come out),
ciphertext (all hex) and expect ("ok" or "integrity_error").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections.abc import Callable
from pathlib import Path

from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

CHUNK = 65536
OUT = Path(__file__).resolve().parent / "stream"
THREE_CHUNK_SIZE = 2 * CHUNK + 17

Case = dict[str, object]


# --- the format, from the spec ---------------------------------------------------


def _blake2b(data: bytes, key: bytes, person: bytes) -> bytes:
    # hashlib's BLAKE2b, not libsodium's: a second implementation for the vectors.
    return hashlib.blake2b(data, digest_size=32, key=key, person=person).digest()


def make_header(dek: bytes, context: bytes, prefix: bytes, version: int = 1) -> bytes:
    commitment_key = _blake2b(b"", dek, b"coffer.stream.mk")
    version_and_prefix = bytes([version]) + prefix
    return version_and_prefix + _blake2b(
        version_and_prefix + context, commitment_key, b"coffer.stream.hc"
    )


def seal_chunk(
    dek: bytes, header: bytes, context: bytes, index: int, plaintext: bytes, last: bool
) -> bytes:
    nonce = header[1:17] + index.to_bytes(7, "big") + (b"\x01" if last else b"\x00")
    chunk_key = _blake2b(b"", dek, b"coffer.stream.ck")
    return crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, header + context, nonce, chunk_key)


def split(plaintext: bytes) -> list[bytes]:
    return [plaintext[i : i + CHUNK] for i in range(0, len(plaintext), CHUNK)] or [b""]


def seal_all(dek: bytes, header: bytes, context: bytes, plaintext: bytes) -> list[bytes]:
    pieces = split(plaintext)
    return [
        seal_chunk(dek, header, context, i, piece, i == len(pieces) - 1)
        for i, piece in enumerate(pieces)
    ]


# --- cases -------------------------------------------------------------------------


class Draw:
    """One case's seeded randomness and the file built from it."""

    def __init__(
        self,
        name: str,
        plaintext_size: int = 40,
        *,
        plaintext: bytes | None = None,
        context: bytes | None = None,
    ) -> None:
        self.rng: Callable[[int], bytes] = random.Random(f"coffer-stream/{name}").randbytes
        self.dek = self.rng(32)
        drawn_context = b"coffer-test|user=" + self.rng(8).hex().encode() + b"|file=1|kv=1"
        self.context = drawn_context if context is None else context
        drawn_plaintext = self.rng(plaintext_size)
        self.plaintext = drawn_plaintext if plaintext is None else plaintext
        self.header = make_header(self.dek, self.context, self.rng(16))
        self.chunks = seal_all(self.dek, self.header, self.context, self.plaintext)

    @property
    def stream(self) -> bytes:
        return self.header + b"".join(self.chunks)

    def ok(self, name: str, description: str) -> Case:
        return self._case(name, description, self.stream, self.plaintext, self.dek, self.context)

    def fail(
        self,
        name: str,
        description: str,
        ciphertext: bytes,
        *,
        dek: bytes | None = None,
        context: bytes | None = None,
    ) -> Case:
        dek = self.dek if dek is None else dek
        context = self.context if context is None else context
        return self._case(name, description, ciphertext, None, dek, context)

    @staticmethod
    def _case(
        name: str,
        description: str,
        ciphertext: bytes,
        plaintext: bytes | None,
        dek: bytes,
        context: bytes,
    ) -> Case:
        return {
            "name": name,
            "description": description,
            "dek": dek.hex(),
            "context": context.hex(),
            "plaintext": None if plaintext is None else plaintext.hex(),
            "ciphertext": ciphertext.hex(),
            "expect": "integrity_error" if plaintext is None else "ok",
        }


def flip(data: bytes, offset: int, mask: int = 0x01) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= mask
    return bytes(changed)


def ok_cases() -> list[Case]:
    return [
        Draw("ok_empty", 0).ok("ok_empty", "An empty file is one empty last chunk."),
        Draw("ok_one_byte", 1).ok("ok_one_byte", "One byte in one short last chunk."),
        Draw("ok_short_text", plaintext=b"Passport scan, page 2.\n").ok(
            "ok_short_text", "A short text file in one last chunk."
        ),
        Draw("ok_empty_context", context=b"").ok(
            "ok_empty_context", "An empty context is allowed."
        ),
        Draw("ok_one_full_chunk", CHUNK).ok(
            "ok_one_full_chunk", "Exactly 65536 bytes: one full chunk, flagged last."
        ),
        Draw("ok_three_chunks", THREE_CHUNK_SIZE).ok(
            "ok_three_chunks", "Two full chunks and a 17-byte last chunk."
        ),
    ]


def header_cases() -> list[Case]:
    d = Draw("header")
    prefix, body = d.header[1:17], b"".join(d.chunks)
    version_two = make_header(d.dek, d.context, prefix, version=2)
    return [
        d.fail("empty_input", "No bytes at all.", b""),
        d.fail("header_truncated", "48 of the 49 header bytes.", d.stream[:48]),
        d.fail("version_zero", "Version byte 0x00.", b"\x00" + d.stream[1:]),
        d.fail("version_two", "Version byte 0x02, the rest unchanged.", b"\x02" + d.stream[1:]),
        d.fail(
            "version_two_recomputed",
            "Version 0x02 with a commitment and chunks computed for it: unknown versions "
            "are rejected even when everything else checks out.",
            resealed(d, version_two),
        ),
        d.fail("flipped_version_bit", "Version byte 0x81.", flip(d.stream, 0, 0x80)),
        d.fail("flipped_prefix_byte", "One bit flipped in the nonce prefix.", flip(d.stream, 9)),
        d.fail("flipped_commitment_byte", "One bit flipped in the commitment.", flip(d.stream, 30)),
        d.fail(
            "wrong_context",
            "Sealed under another context (another user, file, purpose or key version).",
            d.stream,
            context=d.context.replace(b"file=1", b"file=2"),
        ),
        d.fail("wrong_key", "Opened with another key.", d.stream, dek=d.rng(32)),
        d.fail(
            "header_from_other_file_same_key",
            "The header of another encryption under the same key and context.",
            make_header(d.dek, d.context, d.rng(16)) + body,
        ),
        d.fail(
            "header_from_other_file_other_key",
            "The header of a file under another key, same context.",
            make_header(d.rng(32), d.context, d.rng(16)) + body,
        ),
        d.fail(
            "commitment_for_another_key",
            "The commitment is computed with another key; the chunks are sealed under this "
            "header with the right key, so only the commitment check catches it.",
            resealed(d, make_header(d.rng(32), d.context, prefix)),
        ),
        d.fail(
            "commitment_for_another_context",
            "The commitment binds another context; the chunks are sealed under this header "
            "with the right key and context, so only the commitment check catches it.",
            resealed(d, make_header(d.dek, d.context + b"|other", prefix)),
        ),
    ]


def resealed(d: Draw, header: bytes) -> bytes:
    """`header` followed by d's plaintext sealed correctly under it."""
    return header + b"".join(seal_all(d.dek, header, d.context, d.plaintext))


def body_cases() -> list[Case]:
    d = Draw("body")
    other_header = make_header(d.dek, d.context, d.rng(16))
    other_chunk = seal_chunk(d.dek, other_header, d.context, 0, d.plaintext, True)
    return [
        d.fail("flipped_chunk_body_byte", "One bit flipped in the ciphertext.", flip(d.stream, 60)),
        d.fail("flipped_chunk_tag_byte", "One bit flipped in the tag.", flip(d.stream, -1)),
        d.fail("truncated_inside_last_chunk", "The last byte is missing.", d.stream[:-1]),
        d.fail("body_shorter_than_a_tag", "Ten bytes after the header.", d.stream[: 49 + 10]),
        d.fail("trailing_garbage_byte", "One zero byte after the end.", d.stream + b"\x00"),
        d.fail(
            "trailing_copy_of_last_chunk",
            "The last chunk appears twice.",
            d.stream + d.chunks[-1],
        ),
        d.fail(
            "chunk_from_other_file_same_key",
            "A chunk of another encryption under the same key and context.",
            d.header + other_chunk,
        ),
        d.fail(
            "chunk_sealed_for_another_index",
            "The only chunk was sealed as index 1.",
            d.header + seal_chunk(d.dek, d.header, d.context, 1, d.plaintext, True),
        ),
        d.fail(
            "short_chunk_not_flagged_last",
            "A 40-byte chunk sealed as not-last, then a last chunk.",
            d.header
            + seal_chunk(d.dek, d.header, d.context, 0, d.plaintext, False)
            + seal_chunk(d.dek, d.header, d.context, 1, d.plaintext, True),
        ),
    ]


def multi_chunk_cases() -> list[Case]:
    d = Draw("multi", THREE_CHUNK_SIZE)
    c0, c1, c2 = d.chunks
    full = d.plaintext[:CHUNK]
    return [
        d.fail("truncated_after_header", "A three-chunk file cut after its header.", d.header),
        d.fail("truncated_after_first_chunk", "Cut after chunk 0 of 3.", d.header + c0),
        d.fail("dropped_last_chunk", "Cut after chunk 1 of 3.", d.header + c0 + c1),
        d.fail("reordered_chunks", "Chunks 0 and 1 swapped.", d.header + c1 + c0 + c2),
        d.fail("duplicated_chunk", "Chunk 1 appears twice.", d.header + c0 + c1 + c1 + c2),
        d.fail(
            "flipped_byte_in_middle_chunk",
            "One bit flipped inside chunk 1 of 3.",
            flip(d.stream, 49 + CHUNK + 16 + 1000),
        ),
        d.fail(
            "empty_last_chunk_after_full_chunk",
            "A 65536-byte file sealed as a full chunk plus an empty last chunk: "
            "authentic but not canonical (it must be one full last chunk).",
            d.header
            + seal_chunk(d.dek, d.header, d.context, 0, full, False)
            + seal_chunk(d.dek, d.header, d.context, 1, b"", True),
        ),
        d.fail(
            "last_flag_on_a_middle_chunk",
            "A full chunk sealed as last, followed by another chunk.",
            d.header
            + seal_chunk(d.dek, d.header, d.context, 0, full, True)
            + seal_chunk(d.dek, d.header, d.context, 1, b"tail", True),
        ),
    ]


# A scan shared with an app (docs/sharing.md §3.5): "coffer-grant-scan-v1\n" grant id "\n" scan id.
GRANT_ID = "7f0c2a9e-3b7d-4c1e-9a55-0d6b2f8e4c11"
GRANT_SCAN_CONTEXT = f"coffer-grant-scan-v1\n{GRANT_ID}\n0e6f3c1a-5b7d-4f2e-8a9c-1d3b5f7e9a20".encode()
OTHER_SCAN_CONTEXT = f"coffer-grant-scan-v1\n{GRANT_ID}\n0e6f3c1a-5b7d-4f2e-8a9c-1d3b5f7e9a21".encode()


def grant_scan_cases() -> list[Case]:
    d = Draw("grant_scan", 200, context=GRANT_SCAN_CONTEXT)
    return [
        d.ok("ok_grant_scan", "A scan shared with an app, under its grant's scan context (docs/sharing.md 3.5)."),
        d.fail("grant_scan_under_another_scans_context",
               "The same copy opened as another scan of the same grant: the key commitment fails.",
               d.stream, context=OTHER_SCAN_CONTEXT),
    ]


def all_cases() -> list[Case]:
    return ok_cases() + header_cases() + body_cases() + multi_chunk_cases() + grant_scan_cases()


def write(directory: Path = OUT) -> list[Path]:
    """Write every case into `directory`, replacing any vector files already there."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.json"):
        stale.unlink()
    written = []
    for case in all_cases():
        path = directory / f"{case['name']}.json"
        path.write_text(json.dumps(case, indent=2) + "\n")
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    directory = parser.parse_args().out
    print(f"wrote {len(write(directory))} vectors to {directory}")


if __name__ == "__main__":
    main()
