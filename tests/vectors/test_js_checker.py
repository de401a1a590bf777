"""The independent JavaScript checker (tests/vectors/js/check.mjs) against every vector file.

The checker is written from docs/format.md and docs/format-stream.md alone, on libsodium
(`make js` installs Node.js and its pinned packages). It must pass every vector, and check
exactly as many as there are vector files; a corrupted copy of a success vector, a kind it
does not know and a folder it does not know must each make it fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

VECTORS = Path(__file__).resolve().parent
CHECKER_DIR = VECTORS / "js"
CHECKER = CHECKER_DIR / "check.mjs"
SUMMARY = re.compile(r"^checked (\d+) vectors: (\d+) passed(?:, (\d+) failed)?", re.M)


def vector_files(root: Path) -> list[Path]:
    """Every *.json under root but the checker's own folder (its package files): one vector each."""
    return sorted(
        path
        for path in root.rglob("*.json")
        if CHECKER_DIR not in path.parents and not {"node_modules", "__pycache__"} & set(path.parts)
    )


def run_checker(*args: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: `make js` installs Debian's nodejs and the packages")
    if not (CHECKER_DIR / "node_modules" / "libsodium-wrappers-sumo").is_dir():
        pytest.fail("tests/vectors/js/node_modules is missing: run `make js` (npm ci)")
    return subprocess.run(
        [node, str(CHECKER), *args], capture_output=True, text=True, timeout=300, check=False
    )


def summary(result: subprocess.CompletedProcess[str]) -> tuple[int, int, int]:
    found = SUMMARY.findall(result.stdout)
    assert len(found) == 1, result.stdout + result.stderr
    checked, passed, failed = found[0]
    return int(checked), int(passed), int(failed or 0)


def test_the_checker_passes_every_vector_file():
    on_disk = vector_files(VECTORS)
    for folder in ("core", "stream", "derive"):
        assert any(path.parent.name == folder for path in on_disk), f"no vectors in {folder}/"

    result = run_checker()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAIL" not in result.stdout, result.stdout
    assert summary(result) == (len(on_disk), len(on_disk), 0), result.stdout


def flip_hex(text: str) -> str:
    middle = len(text) // 2
    return text[:middle] + ("1" if text[middle] == "0" else "0") + text[middle + 1 :]


def flip(*path: str):
    """Corrupts one hex field, at `path` inside the vector, by one digit."""

    def corrupt(vector: dict) -> None:
        *parents, last = path
        for key in parents:
            vector = vector[key]
        vector[last] = flip_hex(vector[last])

    return corrupt


def later_expiry(vector: dict) -> None:
    vector["inputs"]["expires_at"] += 0.25  # the cache entry's text no longer matches


# One or two success vectors a folder, each with the corruption that must be caught: an
# expected output, an input blob, a stream byte, a derived key, a cache entry's expiry.
CORRUPTIONS = [
    ("core/wrap_ok.json", flip("plaintext")),
    ("core/record_ok.json", flip("blob")),
    ("stream/ok_short_text.json", flip("ciphertext")),
    ("derive/kek_test_profile_ok.json", flip("expected", "kek")),
    ("derive/unlock_session_token_ok.json", later_expiry),
]


@pytest.mark.parametrize(("name", "corrupt"), CORRUPTIONS, ids=[name for name, _ in CORRUPTIONS])
def test_a_corrupted_success_vector_fails(tmp_path, name, corrupt):
    copy = tmp_path / name
    copy.parent.mkdir(parents=True)
    vector = json.loads((VECTORS / name).read_text())
    copy.write_text(json.dumps(vector))

    untouched = run_checker("--root", str(tmp_path))
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr
    assert summary(untouched) == (1, 1, 0)

    corrupt(vector)
    copy.write_text(json.dumps(vector))
    corrupted = run_checker("--root", str(tmp_path))

    assert corrupted.returncode != 0, corrupted.stdout
    assert f"FAIL {name}:" in corrupted.stdout, corrupted.stdout
    assert summary(corrupted) == (1, 0, 1)


def test_an_unknown_kind_or_folder_fails_and_is_named(tmp_path):
    vector = json.loads((VECTORS / "derive" / "recovery_code_canonical_ok.json").read_text())
    (tmp_path / "derive").mkdir()
    (tmp_path / "derive" / "recovery_code_canonical_ok.json").write_text(json.dumps(vector))
    unknown_kind = vector | {"name": "new_kind_ok", "kind": "new_kind"}
    (tmp_path / "derive" / "new_kind_ok.json").write_text(json.dumps(unknown_kind))
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "case.json").write_text(json.dumps(vector | {"name": "case"}))

    result = run_checker("--root", str(tmp_path))

    assert result.returncode != 0, result.stdout
    assert 'FAIL derive/new_kind_ok.json: unknown kind "new_kind"' in result.stdout, result.stdout
    assert 'FAIL elsewhere/case.json: unknown folder "elsewhere"' in result.stdout, result.stdout
    assert summary(result) == (3, 1, 2)
