import json
from pathlib import Path

import pytest

from tests.vectors import gen_core_vectors
from vault.crypto import aead
from vault.crypto.context import Context
from vault.crypto.errors import IntegrityError
from vault.crypto.wrap import unwrap_key

VECTORS = sorted((Path(__file__).resolve().parents[1] / "vectors" / "core").glob("*.json"))


def _context(data: dict) -> Context:
    return Context(data["purpose"], data["user_id"], data["item_id"], data["key_version"], tuple(data["extra"]))


def test_there_are_vectors_and_most_are_failures():
    cases = [json.loads(p.read_text()) for p in VECTORS]
    failures = [c for c in cases if c["expect"] == "integrity_error"]
    assert len(cases) >= 30
    assert len(failures) > len(cases) * 0.75


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_vector(path):
    case = json.loads(path.read_text())
    key, blob, context = bytes.fromhex(case["key"]), bytes.fromhex(case["blob"]), _context(case["context"])
    assert context.encode().hex() == case["context_encoded"]
    opener = unwrap_key if case["kind"] == "wrap" else aead.open_
    if case["expect"] == "ok":
        assert opener(key, blob, context) == bytes.fromhex(case["plaintext"])
    else:
        with pytest.raises(IntegrityError) as caught:
            opener(key, blob, context)
        assert str(caught.value) == "integrity check failed"


def test_the_generator_is_deterministic(tmp_path):
    written = gen_core_vectors.write(tmp_path)
    for path in written:
        assert path.read_text() == (gen_core_vectors.OUT / path.name).read_text()
