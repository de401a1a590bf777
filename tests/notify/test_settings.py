"""Where mail goes: the console under `make run`, the SMTP server EMAIL_URL names in production."""

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = ("from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_TIMEOUT, s.DEFAULT_FROM_EMAIL)")


def _shell(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "COFFER_", "EMAIL_"))}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_make_run_prints_mail_to_the_console(tmp_path):
    code = "from notify.mails import mail_account_deleted; mail_account_deleted(email='ada@example.com')"
    result = _shell(code, DJANGO_SETTINGS_MODULE="coffer.settings.dev", DATABASE_URL=f"sqlite:///{tmp_path}/db")
    assert result.returncode == 0, result.stderr
    assert "To: ada@example.com" in result.stdout
    assert "Subject: Your Coffer account was deleted" in result.stdout


def test_production_sends_through_the_smtp_server_in_email_url():
    result = _shell(
        SHOW,
        DJANGO_SETTINGS_MODULE="coffer.settings.production",
        DJANGO_SECRET_KEY=base64.b64encode(os.urandom(48)).decode(),
        DJANGO_ALLOWED_HOSTS="coffer.example",
        COFFER_SERVER_KEYS="1:" + base64.b64encode(os.urandom(32)).decode(),
        EMAIL_URL="smtp+tls://coffer:pw@mail.example:587",
        COFFER_FROM_EMAIL="Coffer <vault@example.org>",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "django.core.mail.backends.smtp.EmailBackend mail.example 587 True 10 Coffer <vault@example.org>"
    )
