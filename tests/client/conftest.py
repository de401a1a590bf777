"""The client package against a live Coffer (`live_coffer`, tests/fixtures/live_coffer.py).
The client talks to it over real sockets only; the tests read and tamper with the
database through the ORM, so they need committed rows (`transaction=True`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = ROOT / "clients" / "python"
# The package is imported from the checkout; test_package.py installs the built wheel.
if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))

PASSWORD = "correct horse battery staple"
PIN = "482915"


def make_user(username: str, *, password: str | None = None) -> Any:
    """A user; without a password unless the test signs in with one (each hash costs ~0.5 s)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, email=f"{username}@example.com", password=password)


def token_for(user: Any) -> str:
    """An API token with every scope, made directly; the sign-in tests make theirs through the API."""
    from accounts.scopes import ALL_SCOPES
    from accounts.services import token_create

    return str(token_create(user=user, name="client tests", scopes=list(ALL_SCOPES)).token)


def client_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for a `coffer` subprocess: its own config file, the package from the
    checkout, and none of Coffer's server modules on the path."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(CLIENT_DIR),
        "COFFER_CONFIG": str(tmp_path / "coffer-config.json"),
        "COLUMNS": "200",
    }
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str], cwd: Path, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coffer_client", *args], env=env, cwd=cwd, input=input,
        capture_output=True, text=True, timeout=timeout,
    )


def ok(result) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


def as_json(result):
    return json.loads(ok(result))


@pytest.fixture
def signed_in(live_coffer, tmp_path):
    """alice, signed in by `coffer login` with her vault set up by `coffer setup`."""
    make_user("alice", password=PASSWORD)
    env = client_env(tmp_path, COFFER_SERVER=live_coffer.url, COFFER_PASSWORD=PASSWORD, COFFER_PIN=PIN)
    login = as_json(run_cli("login", "--username", "alice", "--json", env=env, cwd=tmp_path))
    assert login["server"] == live_coffer.url and "vault:manage" in login["scopes"]
    config = tmp_path / "coffer-config.json"
    assert config.stat().st_mode & 0o777 == 0o600 and PASSWORD not in config.read_text()
    assert len(as_json(run_cli("setup", "--json", env=env, cwd=tmp_path))["recovery_code"]) >= 20
    del env["COFFER_PASSWORD"], env["COFFER_PIN"]
    return env
