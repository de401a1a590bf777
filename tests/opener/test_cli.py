"""The opener's command line, before any vault is read: what it asks for, and plain words
when something it needs is missing."""

from __future__ import annotations

import shutil

from .conftest import ROOT, run_opener


def _lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if not line.startswith("import time:")]


def test_it_says_how_to_install_what_it_needs_when_a_library_is_missing(tmp_path):
    shutil.copytree(ROOT / "opener", tmp_path / "opener")  # the opener alone, no PyNaCl or argon2-cffi
    result = run_opener("--help", python_path=tmp_path, env={})
    assert result.returncode == 1
    assert _lines(result)[-1] == "  pip install --require-hashes -r opener/requirements.txt"
    assert "is not installed" in _lines(result)[0] and "Traceback" not in result.stderr


def test_its_help_names_every_input_and_takes_no_secret_as_an_argument(bare_path):
    result = run_opener("--help", python_path=bare_path, env={})
    assert result.returncode == 0
    for option in ("--dump", "--database-url", "--bucket", "--keyring-file", "--username", "--recovery-code", "--output"):
        assert option in result.stdout
    assert "--pin" not in result.stdout and "--keyring " not in result.stdout


def test_it_asks_for_the_keyring_when_none_is_given(bare_path, tmp_path):
    dump = tmp_path / "coffer.sql"
    dump.write_text("")
    result = run_opener("--dump", str(dump), "--bucket", str(tmp_path), "--username", "olivia",
                        "--output", str(tmp_path / "out"), python_path=bare_path, env={"COFFER_OPEN_PIN": "482915"})
    assert result.returncode == 1
    assert _lines(result) == ["opener: give the server keyring: --keyring-file, or COFFER_SERVER_KEYS"]
    assert not (tmp_path / "out").exists()
