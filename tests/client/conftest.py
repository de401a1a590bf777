"""A live Coffer for the client package: gunicorn on a free loopback port with files in the
S3 server (`rclone serve s3`), a Celery worker for rotations, and this run's PostgreSQL
and Redis. The client talks to it over real sockets only; the tests read and tamper
with the database through the ORM, so they need committed rows (`transaction=True`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.celery_worker import WorkerProcess, worker_env
from tests.support.processes import free_port, stop, wait_listening

ROOT = Path(__file__).resolve().parents[2]
CLIENT_DIR = ROOT / "clients" / "python"
# The package is imported from the checkout; test_package.py installs the built wheel.
if str(CLIENT_DIR) not in sys.path:
    sys.path.insert(0, str(CLIENT_DIR))

PASSWORD = "correct horse battery staple"
PIN = "482915"


@dataclass(frozen=True)
class LiveCoffer:
    url: str
    log_path: Path
    worker: WorkerProcess
    bucket_dir: Path  # the S3 server keeps each object as a file here


@pytest.fixture(scope="session")
def live_coffer(django_db_setup, django_db_blocker, s3_server, tmp_path_factory) -> Iterator[LiveCoffer]:
    from django.conf import settings

    from coffer.celery import app as celery_app

    directory = tmp_path_factory.mktemp("live-coffer")
    storage = {
        # Its own queue: this worker lives to the end of the run, and must never take the
        # tasks of later tests, whose files are somewhere else.
        "COFFER_CELERY_QUEUE": f"{settings.CELERY_TASK_DEFAULT_QUEUE}-live-client",
        "COFFER_STORAGE": "s3",
        "COFFER_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "COFFER_S3_BUCKET": (bucket := s3_server.create_bucket()),
        "COFFER_S3_ACCESS_KEY": s3_server.access_key,
        "COFFER_S3_SECRET_KEY": s3_server.secret_key,
        "COFFER_S3_REGION": s3_server.region,
        "COFFER_S3_PART_SIZE": str(8 * 1024 * 1024),
    }
    with django_db_blocker.unblock():
        env = worker_env(storage)
    log_path = directory / "gunicorn.log"
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "coffer.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--threads", "4", "--timeout", "120", "--error-logfile", str(log_path),
    ]
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    worker = WorkerProcess(directory / "worker.log")
    try:
        wait_listening(server, port, log_path)
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge(storage["COFFER_CELERY_QUEUE"])
        worker.start(**storage)
        yield LiveCoffer(url=f"http://127.0.0.1:{port}", log_path=log_path, worker=worker,
                         bucket_dir=s3_server.root_dir / bucket)
    finally:
        worker.stop()
        stop(server)


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
