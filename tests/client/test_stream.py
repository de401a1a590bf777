"""The client's stream decryptor (coffer_client.stream), written from docs/format-stream.md,
against every stream vector: it opens exactly what the server's opens, and refuses the rest."""

from __future__ import annotations

import json
import random

import pytest

from coffer_client.errors import VerificationError
from coffer_client.stream import StreamDecryptor
from tests.vectors import gen_stream_vectors
from vault.crypto.stream import encrypt_stream

VECTORS = sorted(gen_stream_vectors.OUT.glob("*.json"))


def _decrypt(key: bytes, context: bytes, pieces) -> bytes:
    decryptor = StreamDecryptor(key, context)
    out = [chunk for piece in pieces for chunk in decryptor.chunks(piece)]
    out.append(decryptor.finalize())
    return b"".join(out)


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_every_stream_vector_opens_or_fails_as_it_expects(path):
    case = json.loads(path.read_text())
    key, context, ciphertext = (bytes.fromhex(case[name]) for name in ("dek", "context", "ciphertext"))
    if case["expect"] == "ok":
        assert _decrypt(key, context, [ciphertext]) == bytes.fromhex(case["plaintext"])
    else:
        with pytest.raises(VerificationError):
            _decrypt(key, context, [ciphertext])


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 3 * 65536, 200_001])
def test_pieces_of_any_size_give_back_what_the_server_encrypted(size):
    rng = random.Random(size)
    plaintext, key = rng.randbytes(size), rng.randbytes(32)
    ciphertext = b"".join(encrypt_stream(key, b"coffer-grant-scan-v1\nx\ny", [plaintext]))
    cuts = sorted(rng.randrange(len(ciphertext) + 1) for _ in range(5))
    pieces = [ciphertext[a:b] for a, b in zip([0, *cuts], [*cuts, len(ciphertext)])]
    assert _decrypt(key, b"coffer-grant-scan-v1\nx\ny", pieces) == plaintext
    with pytest.raises(VerificationError):
        _decrypt(key, b"coffer-grant-scan-v1\nx\nz", [ciphertext])  # another scan's context
    with pytest.raises(VerificationError):
        _decrypt(key, b"coffer-grant-scan-v1\nx\ny", [ciphertext[:-1]])  # cut short


def test_a_failed_stream_stays_failed():
    decryptor = StreamDecryptor(bytes(32), b"")
    with pytest.raises(VerificationError):
        list(decryptor.chunks(b"\x02" + bytes(48)))
    with pytest.raises(VerificationError):
        decryptor.finalize()
