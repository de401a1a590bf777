"""Install hash-pinned requirements into the venv that runs this script (`make install`).

    .venv/bin/python scripts/install_requirements.py requirements.txt [more.txt ...]

uv installs them when it can be had: it is itself hash-pinned in requirements-uv.txt and
installed into the venv with pip first. Where uv cannot be installed (no wheel for this
platform, no route to PyPI) pip installs them instead, only slower. Either way every
file is installed with --require-hashes.

uv reads no pip configuration, so the indexes, find-links and CA bundle
that pip would use (its config files and PIP_* variables, as `pip config list` shows
them) are passed to uv, with pip's way of choosing among several indexes: the best
version from any of them (uv's `unsafe-best-match`). The hashes still pin every file,
so no index can substitute one.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV_REQUIREMENTS = ROOT / "requirements-uv.txt"
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check"]

# pip option -> uv option; each pip value may hold several, separated by whitespace.
_LIST_OPTIONS = {
    "index-url": "--index-url",
    "extra-index-url": "--extra-index-url",
    "find-links": "--find-links",
}
# Not passed: pip's constraint files. Every requirement is pinned to a version and its
# hashes already, and uv's --require-hashes refuses constraints that are not pinned alike.


def pip_config(listing: str) -> dict[str, list[str]]:
    """The options of `pip config list` output, by name, lowest precedence first.

    Lines read `section.name=<Python repr of the value>`; the section (global, install,
    :env:) is dropped, since they all apply to `pip install`.
    """
    options: dict[str, list[str]] = {}
    for line in listing.splitlines():
        key, sep, value = line.partition("=")
        if not sep or "." not in key:
            continue
        name = key.rsplit(".", 1)[1]
        options.setdefault(name, []).append(str(ast.literal_eval(value)))
    return options


def uv_options(options: dict[str, list[str]]) -> list[str]:
    """uv's command-line options for pip's configuration."""
    args = ["--index-strategy", "unsafe-best-match"]
    for pip_name, uv_flag in _LIST_OPTIONS.items():
        values = [word for value in options.get(pip_name, []) for word in value.split()]
        if pip_name == "index-url":
            values = values[-1:]  # one default index: the setting that wins in pip
        for value in dict.fromkeys(values):  # the same index twice is one index
            args += [uv_flag, value]
    return args


def uv_environment(options: dict[str, list[str]], environ: dict[str, str]) -> dict[str, str]:
    """The environment for uv: pip's CA bundle, unless SSL_CERT_FILE already names one."""
    env = dict(environ)
    certs = options.get("cert", [])
    if certs and "SSL_CERT_FILE" not in env:
        env["SSL_CERT_FILE"] = certs[-1]
    return env


def pinned_uv_version(requirements: str) -> str:
    match = re.search(r"^uv==(\S+)", requirements, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{UV_REQUIREMENTS.name} pins no uv version")
    return match.group(1)


def installed_uv_version(uv: Path) -> str | None:
    if not uv.exists():
        return None
    answer = subprocess.run([str(uv), "--version"], capture_output=True, text=True, check=False)
    words = answer.stdout.split()  # "uv 0.13.9 (hash date)"
    return words[1] if answer.returncode == 0 and len(words) > 1 else None


def find_uv() -> Path | None:
    """The venv's uv, installed from requirements-uv.txt unless the pinned version is there."""
    uv = Path(sys.executable).with_name("uv")
    if installed_uv_version(uv) != pinned_uv_version(UV_REQUIREMENTS.read_text()):
        installed = subprocess.run(
            [*PIP, "install", "-q", "--require-hashes", "-r", str(UV_REQUIREMENTS)], check=False
        )
        if installed.returncode != 0 or installed_uv_version(uv) is None:
            return None
    return uv


def main(requirement_files: list[str]) -> int:
    if not requirement_files:
        print(__doc__, file=sys.stderr)
        return 2
    requirements = [arg for name in requirement_files for arg in ("-r", name)]
    uv = find_uv()
    if uv is None:
        print("uv could not be installed here: installing with pip instead (slower).", file=sys.stderr)
        return subprocess.run([*PIP, "install", "-q", "--require-hashes", *requirements]).returncode
    listing = subprocess.run(
        [*PIP, "config", "list"], capture_output=True, text=True, check=True
    ).stdout
    options = pip_config(listing)
    command = [
        str(uv), "pip", "install", "--quiet", "--python", sys.executable,
        "--require-hashes", "--compile-bytecode", *uv_options(options), *requirements,
    ]  # fmt: skip
    return subprocess.run(command, env=uv_environment(options, dict(os.environ))).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
