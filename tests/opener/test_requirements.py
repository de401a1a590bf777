"""opener/requirements.txt, what docs/export.md tells a person to install, pins the same
versions and hashes as Coffer's own lock file, and nothing more than the opener needs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pins(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", path.read_text()):
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", block)
        if match:
            pins[match.group(1).lower()] = (match.group(2), frozenset(re.findall(r"--hash=(sha256:[0-9a-f]{64})", block)))
    return pins


def test_it_pins_pynacl_and_argon2_cffi_with_their_dependencies_as_the_lock_file_does():
    opener, locked = _pins(ROOT / "opener" / "requirements.txt"), _pins(ROOT / "requirements.txt")
    assert set(opener) == {"pynacl", "argon2-cffi", "argon2-cffi-bindings", "cffi", "pycparser"}
    for name, (version, hashes) in opener.items():
        assert hashes, name
        assert (version, hashes) == locked[name], f"{name}: copy its block from requirements.txt after make lock"
