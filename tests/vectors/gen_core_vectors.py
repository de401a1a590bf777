"""Generates tests/vectors/core/*.json: key wraps, record blobs and recovery wraps.

Deterministic: a seeded RNG feeds every nonce and key, so re-running gives the
same files. Most cases are failures. Run: python tests/vectors/gen_core_vectors.py
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from vault.crypto import aead  # noqa: E402
from vault.crypto.context import Context  # noqa: E402
from vault.crypto.record import record_context, seal_record  # noqa: E402
from vault.crypto.wrap import wrap_key  # noqa: E402

OUT = Path(__file__).resolve().parent / "core"
SEED = 20261128


def _flip(blob: bytes, index: int) -> bytes:
    out = bytearray(blob)
    out[index] ^= 0x01
    return bytes(out)


def _ctx_dict(ctx: Context) -> dict:
    return {
        "purpose": ctx.purpose, "user_id": ctx.user_id, "item_id": ctx.item_id,
        "key_version": ctx.key_version, "extra": list(ctx.extra),
    }


def cases() -> list[dict]:
    rng = random.Random(SEED)
    randbytes = rng.randbytes
    out: list[dict] = []

    def add(name, description, kind, key, blob, ctx, expect, plaintext=b""):
        out.append({
            "name": name, "description": description, "kind": kind, "key": key.hex(),
            "blob": blob.hex(), "context": _ctx_dict(ctx), "context_encoded": ctx.encode().hex(),
            "plaintext": plaintext.hex(), "expect": expect,
        })

    # Key wraps: a vault key under a KEK, a DEK under a vault key.
    kek, vk = randbytes(32), randbytes(32)
    ctx = Context("vault-key/kek", "42", "", 1)
    wrapped = wrap_key(kek, vk, ctx, rng=randbytes)
    add("wrap_ok", "a vault key wrapped under a KEK", "wrap", kek, wrapped, ctx, "ok", vk)
    add("wrap_unknown_version", "version byte 0x02", "wrap", kek, b"\x02" + wrapped[1:], ctx, "integrity_error")
    add("wrap_version_zero", "version byte 0x00", "wrap", kek, b"\x00" + wrapped[1:], ctx, "integrity_error")
    add("wrap_truncated", "last byte missing", "wrap", kek, wrapped[:-1], ctx, "integrity_error")
    add("wrap_empty", "no bytes at all", "wrap", kek, b"", ctx, "integrity_error")
    add("wrap_trailing_byte", "one byte appended", "wrap", kek, wrapped + b"\x00", ctx, "integrity_error")
    for region, index in (("version", 0), ("nonce", 5), ("ciphertext", 30), ("tag", len(wrapped) - 1)):
        add(f"wrap_flipped_{region}", f"one bit flipped in the {region}", "wrap", kek, _flip(wrapped, index), ctx, "integrity_error")
    add("wrap_wrong_key", "opened under another KEK", "wrap", randbytes(32), wrapped, ctx, "integrity_error")
    add("wrap_wrong_user", "context names another user", "wrap", kek, wrapped, Context("vault-key/kek", "43", "", 1), "integrity_error")
    add("wrap_wrong_version", "context names another key version", "wrap", kek, wrapped, Context("vault-key/kek", "42", "", 2), "integrity_error")
    add("wrap_wrong_purpose", "a KEK wrap read as a DEK wrap", "wrap", kek, wrapped, Context("dek/record", "42", "", 1), "integrity_error")

    dek = randbytes(32)
    dek_ctx = Context("dek/record", "42", "rec-a", 1)
    dek_wrapped = wrap_key(vk, dek, dek_ctx, rng=randbytes)
    add("dek_wrap_ok", "a record DEK wrapped under the vault key", "wrap", vk, dek_wrapped, dek_ctx, "ok", dek)
    add("dek_wrap_moved_to_other_item", "a wrapped DEK copied onto another record", "wrap", vk, dek_wrapped,
        Context("dek/record", "42", "rec-b", 1), "integrity_error")

    # Record blobs.
    payload = json.dumps({"label": "My passport", "data": {"number": "X1234567"}}, separators=(",", ":")).encode()
    rctx = record_context(user_id="42", record_id="rec-a", dek_version=1, kind="passport", schema_version=1)
    blob = seal_record(dek, payload, rctx, rng=randbytes)
    add("record_ok", "a passport record", "record", dek, blob, rctx, "ok", payload)
    add("record_unknown_version", "version byte 0x7f", "record", dek, b"\x7f" + blob[1:], rctx, "integrity_error")
    add("record_truncated_header", "only the version and part of the nonce", "record", dek, blob[:10], rctx, "integrity_error")
    add("record_truncated_tag", "tag cut short", "record", dek, blob[:-5], rctx, "integrity_error")
    for region, index in (("version", 0), ("nonce", 1), ("nonce_end", 24), ("ciphertext", 25), ("ciphertext_mid", 40), ("tag", len(blob) - 16), ("tag_end", len(blob) - 1)):
        add(f"record_flipped_{region}", f"one bit flipped in the {region}", "record", dek, _flip(blob, index), rctx, "integrity_error")
    add("record_moved_to_other_row", "blob copied into another record id", "record", dek, blob,
        record_context(user_id="42", record_id="rec-b", dek_version=1, kind="passport", schema_version=1), "integrity_error")
    add("record_other_kind", "read as another kind", "record", dek, blob,
        record_context(user_id="42", record_id="rec-a", dek_version=1, kind="id_card", schema_version=1), "integrity_error")
    add("record_other_schema", "read as another schema version", "record", dek, blob,
        record_context(user_id="42", record_id="rec-a", dek_version=1, kind="passport", schema_version=2), "integrity_error")
    add("record_other_user", "read as another user's", "record", dek, blob,
        record_context(user_id="43", record_id="rec-a", dek_version=1, kind="passport", schema_version=1), "integrity_error")
    add("record_wrong_key", "opened under another DEK", "record", randbytes(32), blob, rctx, "integrity_error")
    empty = aead.seal(dek, b"", rctx, rng=randbytes)
    add("record_empty_payload_ok", "an empty payload is still authenticated", "record", dek, empty, rctx, "ok", b"")
    return out


def write(directory: Path = OUT) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases():
        path = directory / f"{case['name']}.json"
        path.write_text(json.dumps(case, indent=2, sort_keys=True) + "\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    print(f"wrote {len(write())} vectors to {OUT}")
