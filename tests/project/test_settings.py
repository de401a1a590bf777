import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "COFFER_"))}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True)


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "coffer.settings.production",
    "DJANGO_SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
    "DJANGO_ALLOWED_HOSTS": "coffer.example",
    "COFFER_SERVER_KEYS": "1:" + base64.b64encode(os.urandom(32)).decode(),
}


def test_check_deploy_with_production_settings_reports_no_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_the_server_keyring():
    env = {k: v for k, v in PRODUCTION.items() if k != "COFFER_SERVER_KEYS"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "COFFER_SERVER_KEYS" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_malformed_keyring_fails_loudly_without_echoing_it():
    result = _manage("shell", "-c", "from vault.keyring import get_key_provider; get_key_provider()",
                     **{**PRODUCTION, "COFFER_SERVER_KEYS": "1:c2VjcmV0LWtleS1tYXRlcmlhbA=="})
    assert result.returncode != 0
    assert "c2VjcmV0LWtleS1tYXRlcmlhbA" not in result.stderr
    assert "32-byte key" in result.stderr


def test_development_generates_a_keyring_under_var_with_a_loud_warning(tmp_path):
    keyring = tmp_path / "dev-keys"
    code = (
        "from django.conf import settings; from pathlib import Path; "
        f"settings.COFFER_DEV_KEYRING_FILE = Path({str(keyring)!r}); "
        "from vault.keyring import get_key_provider; print(get_key_provider().versions)"
    )
    result = _manage("shell", "-c", code, DJANGO_SETTINGS_MODULE="coffer.settings.dev",
                     DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "[1]" in result.stdout
    assert "DEVELOPMENT server keyring" in result.stderr
    assert oct(keyring.stat().st_mode & 0o777) == "0o600"
