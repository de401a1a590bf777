"""Writes the seed corpora under fuzz/corpus/<target>/, from tests/vectors and known-good data.

    python -m fuzz.make_corpus

Deterministic: running it again writes the same files. A regression input found by
fuzzing is added by hand (named regression-*) and is kept when this runs again.
"""

from __future__ import annotations

import hashlib
import json
import struct

from nacl.bindings import crypto_box, crypto_box_seed_keypair

from fuzz import harness
from fuzz import stream_cases as sc

RECOVERY_VERSION = b"\x01"


def _write(target: str, seeds: dict[str, bytes]) -> None:
    directory = harness.CORPUS / target
    if directory.exists():
        for path in directory.iterdir():
            if not path.name.startswith("regression-"):
                path.unlink()
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (directory / name).write_bytes(data)


def _vectors(pattern: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(harness.VECTORS.glob(pattern))]


def record_blob() -> dict[str, bytes]:
    return {c["name"]: bytes.fromhex(c["blob"]) for c in _vectors("core/record_*.json")}


def _sealed_box(public_key: bytes, message: bytes, ephemeral_seed: bytes) -> bytes:
    """crypto_box_seal with a chosen ephemeral key, so the seed files do not change."""
    ephemeral_public, ephemeral_secret = crypto_box_seed_keypair(ephemeral_seed)
    nonce = hashlib.blake2b(ephemeral_public + public_key, digest_size=24).digest()
    return ephemeral_public + crypto_box(message, nonce, public_key, ephemeral_secret)


def wrapped_key() -> dict[str, bytes]:
    from fuzz.wrapped_key import RECOVERED_KEY, RECOVERY_CONTEXT, recovery_key
    from vault.crypto.wrap import _binding

    seeds = {c["name"]: bytes.fromhex(c["blob"]) for c in _vectors("core/*wrap*.json")}
    public_key = bytes(recovery_key().public_key)
    good = RECOVERY_VERSION + _sealed_box(public_key, _binding(RECOVERY_CONTEXT) + RECOVERED_KEY, b"\x01" * 32)
    seeds["recovery_ok"] = good
    seeds["recovery_flipped_binding"] = RECOVERY_VERSION + _sealed_box(
        public_key, bytes(32) + RECOVERED_KEY, b"\x02" * 32
    )
    seeds["recovery_short_key"] = RECOVERY_VERSION + _sealed_box(
        public_key, _binding(RECOVERY_CONTEXT) + RECOVERED_KEY[:31], b"\x03" * 32
    )
    seeds["recovery_version_two"] = b"\x02" + good[1:]
    return seeds


def client_secrets() -> dict[str, bytes]:
    from fuzz.unlock_session import SECRET

    code = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"
    texts = {
        "recovery_canonical": code,
        "recovery_typed_loosely": "o123 4567 89ab cdef ghjk mnpq rstv wxyz",
        "recovery_with_l_and_i": "L1I1-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ",
        "recovery_too_short": code[:-1],
        "recovery_with_u": code[:-1] + "U",
        "unlock_secret": SECRET,
        "unlock_secret_padded": SECRET + "=",
        "unlock_secret_standard_alphabet": SECRET[:-2] + "+/",
        "unlock_secret_not_canonical": SECRET[:-1] + "g",
        "non_ascii": "ＡＢＣ-ı-ſ-ß-\u00a0",
        # str.upper() turns these into Crockford letters: a lenient parse found by the property.
        "recovery_dotless_i": "ı" + code[1:],
        "recovery_long_s": code[:-1] + "ſ",
    }
    return {name: text.encode("utf-8") for name, text in texts.items()}


def unlock_session() -> dict[str, bytes]:
    from fuzz.unlock_session import BLOB, KEYS, SECRET
    from vault.crypto.session import _encode

    payload = _encode(KEYS)
    return {
        "blob_ok": b"\x00" + BLOB,
        "blob_truncated": b"\x00" + BLOB[:-1],
        "payload_ok": b"\x01" + payload,
        "payload_no_vault_keys": b"\x01" + payload[:32] + b"\x00\x00",
        "payload_count_too_high": b"\x01" + payload[:32] + b"\x00\x03" + payload[34:],
        "payload_one_key": b"\x01" + payload[:32] + b"\x00\x01" + payload[34:70],
        "payload_repeated_version": b"\x01" + payload[:34] + payload[34:70] * 2,
        "payload_descending_versions": b"\x01" + payload[:34] + payload[70:106] + payload[34:70],
        "secret_ok": b"\x02" + SECRET.encode(),
        "secret_padded": b"\x02" + SECRET.encode() + b"=",
    }


def stream_header() -> dict[str, bytes]:
    seeds = {f"header_{i}": s.ciphertext[:49] for i, s in enumerate([*sc.SMALL, sc.THREE])}
    for case in _vectors("stream/*.json"):
        if case["expect"] != "ok":
            seeds.setdefault(f"vector_{case['name']}", bytes.fromhex(case["ciphertext"][:98]))
    return seeds


def _edits(*edits: tuple) -> bytes:
    """The edit list stream_cases.apply_edits reads."""
    out = bytearray([len(edits)])
    for op, at, *operands in edits:
        out += bytes([op]) + struct.pack(">I", at)
        if op == sc.FLIP:
            out += bytes([operands[0]])
        elif op == sc.DELETE:
            out += struct.pack(">H", operands[0])
        elif op == sc.INSERT:
            out += bytes([len(operands[0])]) + operands[0]
        elif op != sc.TRUNCATE:
            out += bytes(operands)
    return bytes(out)


def _cuts(*cuts: int) -> bytes:
    """Where stream_cases.cut splits the stream into pieces."""
    return bytes([len(cuts)]) + b"".join(struct.pack(">I", c) for c in cuts)


CHUNK_END = 49 + 65536 + 16

EDIT_SEEDS = {
    "unchanged": _edits(),
    "flip_header": _edits((sc.FLIP, 20, 1)),
    "flip_last_tag": _edits((sc.FLIP, 131185, 0x80)),
    "truncate_after_first_chunk": _edits((sc.TRUNCATE, CHUNK_END)),
    "delete_inside_chunk": _edits((sc.DELETE, 1000, 17)),
    "insert_at_chunk_edge": _edits((sc.INSERT, CHUNK_END, b"\x00")),
    "swap_chunks": _edits((sc.SWAP_CHUNKS, 0, 0, 1)),
    "drop_middle_chunk": _edits((sc.DROP_CHUNK, 0, 1, 0)),
    "repeat_chunk": _edits((sc.REPEAT_CHUNK, 0, 0, 1)),
    "splice_chunk_from_other_file": _edits((sc.SPLICE_CHUNK, 0, 1, 1)),
    "splice_header_from_other_file": _edits((sc.SPLICE_HEADER, 0, 0, 0)),
    "other_file_whole": _edits((sc.SPLICE_HEADER, 0, 0, 0), (sc.SPLICE_CHUNK, 0, 0, 0), (sc.SPLICE_CHUNK, 0, 1, 1),
                               (sc.SPLICE_CHUNK, 0, 2, 2)),
}


def stream_decrypt() -> dict[str, bytes]:
    seeds = {f"small_{i}": b"\x00" + s.ciphertext for i, s in enumerate(sc.SMALL)}
    seeds["small_3_in_pieces_of_7"] = bytes([7 << 1]) + sc.SMALL[3].ciphertext
    for case in _vectors("stream/*.json"):
        if case["expect"] != "ok" and len(case["ciphertext"]) <= 8192:
            seeds[f"vector_{case['name']}"] = b"\x00" + bytes.fromhex(case["ciphertext"])
    seeds.update({f"edit_{name}": b"\x01" + edits + _cuts() for name, edits in EDIT_SEEDS.items()})
    seeds["edit_unchanged_cut_at_chunk_edges"] = b"\x01" + _edits() + _cuts(49, CHUNK_END, CHUNK_END + 1)
    seeds["edit_flip_header_cut_after_it"] = b"\x01" + EDIT_SEEDS["flip_header"] + _cuts(49)
    return seeds


def stream_range() -> dict[str, bytes]:
    ranges = {
        "whole": (0, 131088),
        "first_byte": (0, 0),
        "across_first_edge": (65530, 12),
        "last_chunk_only": (131072, 16),
        "past_the_end": (131089, 0),
        "middle_chunk": (65536, 65535),
    }
    seeds = {}
    for edit_name, edits in EDIT_SEEDS.items():
        for range_name, (start, length) in ranges.items():
            if edit_name == "unchanged" or range_name in ("whole", "across_first_edge"):
                seeds[f"{edit_name}__{range_name}"] = edits + struct.pack(">II", start, length) + b"\x01"
    return seeds


def audit_export() -> dict[str, bytes]:
    from fuzz.audit_export import RECORDS, export_bytes
    from audit.export import jsonl_lines

    user_only = [r for r in RECORDS if r["type"] == "event" and r["fields"]["actor_id"] == 7]
    # A signed checkpoint whose event id is a string still verifies, and then matches no event.
    string_ids = [{**r, "last_event_id": str(r["last_event_id"])} if r["type"] == "checkpoint" else r
                  for r in RECORDS]
    return {
        "jsonl_checkpoint_event_id_as_string": b"\x00" + "".join(jsonl_lines(string_ids)).encode("utf-8"),
        "jsonl_contiguous": b"\x00" + export_bytes("jsonl"),
        "csv_contiguous": b"\x01" + export_bytes("csv"),
        "jsonl_filtered": b"\x02" + "".join(jsonl_lines(user_only)).encode("utf-8"),
        "csv_filtered": b"\x03" + export_bytes("csv"),
    }


def record_checks() -> dict[str, bytes]:
    from tests.records.samples import td3

    texts = {
        "card_visa": "4242424242424242",
        "card_amex": "378282246310005",
        "card_bad_luhn": "4242424242424241",
        "iban_de": "DE89 3704 0044 0532 0130 00",
        "iban_gb_lower": "gb82 west 1234 5698 7654 32",
        "iban_bad": "DE00370400440532013000",
        "bic_8": "COBADEFF",
        "bic_11": "COBADEFFXXX",
        "bic_kosovo": "AAAAXK22",
        "mrz": td3(),
        "mrz_one_line": td3().replace("\n", ""),
        "mrz_personal_number": td3(personal_number="ZE184226B"),
        "name": "Müller-Łukasz Ærø ß",
    }
    return {name: text.encode("utf-8") for name, text in texts.items()}


def record_schemas() -> dict[str, bytes]:
    from tests.records.samples import KIND_NAMES, valid

    seeds = {}
    for kind in KIND_NAMES:
        body = {"kind": kind, "label": "Mine", "data": valid(kind)}
        seeds[f"valid_{kind}"] = json.dumps(body, ensure_ascii=False).encode("utf-8")
    seeds["unknown_field"] = json.dumps({"kind": "note", "data": {"title": "x", "text": "y", "extra": 1}}).encode()
    seeds["wrong_types"] = json.dumps({"kind": "bank_card", "data": {"number": 4242424242424242}}).encode()
    seeds["duplicate_key"] = b'{"kind":"note","kind":"passport","data":{}}'
    seeds["nested"] = b'{"kind":"note","data":{"title":[[[["x"]]]],"text":"y"}}'
    seeds["nested_past_the_recursion_limit"] = b'{"kind":"note","data":{"title":' + b"[" * 3000 + b"}}"
    return seeds


def import_sources() -> dict[str, bytes]:
    """The hand-written CXF and Bitwarden fixtures, a Bitwarden zip, a CXP container and a
    Coffer export's tar, each behind the byte that picks its reader (fuzz/import_sources.py)."""
    import io
    import tarfile
    import zipfile

    fixtures = harness.ROOT / "tests" / "interchange" / "fixtures"
    cxf, bitwarden = (fixtures / "cxf_every_field.json").read_bytes(), (fixtures / "bitwarden_export.json").read_bytes()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:  # fixed dates: the same bytes on every run
        out.writestr(zipfile.ZipInfo("data.json", (2026, 1, 1, 0, 0, 0)), bitwarden)
        out.writestr(zipfile.ZipInfo("attachments/b1000000-0000-4000-8000-000000000004/scan.pdf",
                                     (2026, 1, 1, 0, 0, 0)), b"%PDF-1.7\nscan")
    records = json.dumps({"format": "coffer-export", "version": 1, "username": "u", "files": [], "records": [
        {"id": "00000000-0000-4000-8000-000000000001", "kind": "note", "label": "n", "schema_version": 1,
         "fields": {"title": "t", "text": "x"}, "files": []}]}).encode()
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.PAX_FORMAT) as out:
        info = tarfile.TarInfo("coffer-export/records.json")
        info.size = len(records)
        out.addfile(info, io.BytesIO(records))
    container = io.BytesIO()  # a CXP container: the CXF fixture and its file's document
    with zipfile.ZipFile(container, "w") as out:
        out.writestr(zipfile.ZipInfo("index.jcf", (2026, 1, 1, 0, 0, 0)), cxf)
        out.writestr(zipfile.ZipInfo("documents/ZmlsZS0x", (2026, 1, 1, 0, 0, 0)), b"%PDF-1.7\nscan!!!")
    return {"cxf.json": b"\x00" + cxf, "bitwarden.json": b"\x00" + bitwarden, "bitwarden.zip": b"\x01" + archive.getvalue(),
            "export.tar": b"\x02" + tar.getvalue(), "cxp.zip": b"\x01" + container.getvalue()}


GENERATORS = {
    "record_blob": record_blob,
    "wrapped_key": wrapped_key,
    "client_secrets": client_secrets,
    "unlock_session": unlock_session,
    "stream_header": stream_header,
    "stream_decrypt": stream_decrypt,
    "stream_range": stream_range,
    "audit_export": audit_export,
    "record_checks": record_checks,
    "record_schemas": record_schemas,
    "import_sources": import_sources,
}


def main() -> None:
    for target, generate in GENERATORS.items():
        seeds = generate()
        _write(target, seeds)
        print(f"{target}: {len(seeds)} seeds")


if __name__ == "__main__":
    main()
