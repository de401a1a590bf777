"""Record blobs, and with them every versioned AEAD blob: vault.crypto.aead.open_.

Untrusted input: a blob read back from the database. Only IntegrityError may come
out, and a blob opens only if it is byte for byte one that was sealed for that key
and context: tests/vectors/core/record_ok and record_empty_payload_ok, which share
both. Any payload sealed under them opens back to itself.
"""

from __future__ import annotations

from fuzz import harness
from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.record import open_record

OK_VECTORS = ("core/record_ok", "core/record_empty_payload_ok")


def context_of(case: dict) -> Context:
    ctx = case["context"]
    return Context(ctx["purpose"], ctx["user_id"], ctx["item_id"], ctx["key_version"], tuple(ctx["extra"]))


def _known() -> tuple[bytes, Context, dict[bytes, bytes]]:
    cases = [harness.vector(name) for name in OK_VECTORS]
    key, context = bytes.fromhex(cases[0]["key"]), context_of(cases[0])
    assert all(bytes.fromhex(c["key"]) == key and context_of(c) == context for c in cases)
    return key, context, {bytes.fromhex(c["blob"]): bytes.fromhex(c["plaintext"]) for c in cases}


KEY, CONTEXT, SEALED = _known()


def _zero_nonce(size: int) -> bytes:
    return bytes(size)


def one_input(data: bytes) -> None:
    try:
        opened = open_record(KEY, data, CONTEXT)
    except IntegrityError as exc:
        assert str(exc) == "integrity check failed"
    else:
        assert SEALED.get(data) == opened, "a blob opened that was never sealed"
    assert aead.open_(KEY, aead.seal(KEY, data, CONTEXT, rng=_zero_nonce), CONTEXT) == data


if __name__ == "__main__":
    harness.main(one_input)
