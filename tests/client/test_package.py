"""coffer-client as a package: a wheel built from the checkout installs in a fresh venv with
its pinned dependencies and `coffer --help` runs; mypy --strict passes; the library alone
imports neither click nor rich."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from .conftest import CLIENT_DIR, ROOT

LOCKS = (ROOT / "requirements.txt", ROOT / "requirements-dev.txt")


def pinned_blocks() -> dict[str, str]:
    """Each locked requirement's lines (name==version and its hashes), by normalised name."""
    blocks: dict[str, str] = {}
    for lock in LOCKS:
        for block in re.split(r"\n(?=[A-Za-z0-9])", lock.read_text()):
            match = re.match(r"([A-Za-z0-9_.-]+)==", block)
            if match:
                lines = [line for line in block.splitlines() if not line.strip().startswith("#")]
                blocks[normalise(match.group(1))] = "\n".join(lines).rstrip(" \\")
    return blocks


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_closure(names: list[str]) -> set[str]:
    """The runtime dependencies of `names`, as this venv has them installed."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = normalise(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        for spec in metadata.requires(name) or []:
            requirement = Requirement(spec)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def test_a_wheel_built_from_the_checkout_installs_in_a_fresh_venv_and_the_command_runs(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(tmp_path / "dist"), str(CLIENT_DIR)],
        capture_output=True, text=True, timeout=120,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = (tmp_path / "dist").glob("coffer_client-*.whl")
    assert not (CLIENT_DIR / "build").exists()

    blocks = pinned_blocks()
    needed = dependency_closure(["httpx", "pynacl", "click", "rich"])
    assert needed <= blocks.keys(), f"not pinned: {needed - blocks.keys()}"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join([f"coffer-client[cli] @ {wheel.as_uri()} --hash=sha256:{digest}",
                                       *(blocks[name] for name in sorted(needed))]) + "\n")

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", str(venv / "bin" / "python")]
    installed = subprocess.run([*pip, "install", "-q", "--require-hashes", "--no-deps", "-r", str(requirements)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    check = subprocess.run([*pip, "check"], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout  # every dependency the wheel declares is there

    helped = subprocess.run([venv / "bin" / "coffer", "--help"], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert helped.returncode == 0, helped.stderr
    assert "records" in helped.stdout and "app" in helped.stdout and "files" in helped.stdout
    typed = subprocess.run(
        [venv / "bin" / "python", "-c", "import coffer_client, pathlib, sys; "
         "print(pathlib.Path(coffer_client.__file__).with_name('py.typed').exists(), 'coffer_client.cli' in sys.modules)"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert typed.stdout.split() == ["True", "False"], typed.stderr

    # The library needs httpx and PyNaCl only; click and rich come with the `cli` extra.
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [line.split(":", 1)[1].strip() for line in archive.read(name).decode().splitlines()
                    if line.startswith("Requires-Dist:")]
    always = {Requirement(spec).name.lower() for spec in requires if Requirement(spec).marker is None}
    assert always == {"httpx", "pynacl"}


def test_the_package_passes_mypy_strict(tmp_path):
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "mypy"), "coffer_client"],
        capture_output=True, text=True, timeout=300, cwd=CLIENT_DIR,
    )
    assert checked.returncode == 0, checked.stdout
    assert "Success" in checked.stdout
