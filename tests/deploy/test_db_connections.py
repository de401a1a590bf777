"""Production's persistent database connections (CONN_MAX_AGE with health checks),
under gunicorn with the production settings module, against this run's PostgreSQL.

Each gunicorn thread keeps its connection across requests; when PostgreSQL drops
them (a restart, a failover, an idle timeout), the next request gets a fresh one
instead of an error.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.support.processes import free_port, stop, wait_listening

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 2


def _dsn(database: dict) -> str:
    user = f"{database['USER']}@" if database.get("USER") else ""
    return f"postgres://{user}{database['HOST']}:{database['PORT']}/{database['NAME']}"


@pytest.fixture(scope="module")
def production_gunicorn(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[int]:
    with django_db_blocker.unblock():
        database = dict(connection.settings_dict)
    directory = tmp_path_factory.mktemp("gunicorn-production")
    log_path = directory / "gunicorn.log"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coffer.settings.production",
        "DJANGO_SECRET_KEY": "production-shaped-test-key-" + "p" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "COFFER_SERVER_KEYS": settings.COFFER_SERVER_KEYS,
        "DATABASE_URL": _dsn(database),
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "COFFER_STORAGE": "fs",
        "COFFER_BLOB_ROOT": str(directory / "blobs"),
    }
    env.pop("DJANGO_CONN_MAX_AGE", None)  # production's default is what is tested
    command = [
        sys.executable, "-m", "gunicorn", "coffer.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", str(THREADS), "--timeout", "20",
        "--error-logfile", str(log_path),
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR)
    try:
        wait_listening(process, port, log_path)
        yield port
    finally:
        stop(process)


def _healthz(port: int) -> tuple[int, dict]:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", "/healthz")
        response = client.getresponse()
        return response.status, json.loads(response.read())
    finally:
        client.close()


def _server_backends() -> set[int]:
    """The PostgreSQL backends connected to this test database, other than the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _terminate(pids: set[int]) -> None:
    # From a connection of its own, as a PostgreSQL restart or an admin would.
    with psycopg.connect(_dsn(connection.settings_dict), autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


def test_production_keeps_each_threads_connection_across_requests(production_gunicorn: int) -> None:
    for _ in range(2 * THREADS):
        assert _healthz(production_gunicorn) == (200, {"status": "ok"})
    first = _server_backends()
    assert 1 <= len(first) <= THREADS  # one per thread at most, and kept after the answer

    for _ in range(20):
        assert _healthz(production_gunicorn) == (200, {"status": "ok"})
    assert _server_backends() == first  # the same connections served all 20


def test_production_replaces_connections_that_postgresql_dropped(production_gunicorn: int) -> None:
    for _ in range(2 * THREADS):
        assert _healthz(production_gunicorn)[0] == 200
    dropped = _server_backends()
    assert dropped
    _terminate(dropped)
    assert not _server_backends() & dropped

    # Every thread's next request finds its connection dead, and must still succeed.
    for _ in range(4 * THREADS):
        assert _healthz(production_gunicorn) == (200, {"status": "ok"})
    replaced = _server_backends()
    assert replaced and not replaced & dropped


def test_the_connection_age_comes_from_the_environment() -> None:
    def database_settings(**extra: str) -> list:
        env = {key: value for key, value in os.environ.items() if key != "DJANGO_CONN_MAX_AGE"}
        env.update(
            DJANGO_SETTINGS_MODULE="coffer.settings.production",
            DJANGO_SECRET_KEY="x" * 50,
            DJANGO_ALLOWED_HOSTS="coffer.example",
            COFFER_SERVER_KEYS=settings.COFFER_SERVER_KEYS,
            **extra,
        )
        code = (
            "import django, json; django.setup(); from django.conf import settings; "
            "d = settings.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
        )
        return json.loads(result.stdout)

    assert database_settings() == [60, True]
    assert database_settings(DJANGO_CONN_MAX_AGE="0") == [0, True]
    assert database_settings(DJANGO_CONN_MAX_AGE="300") == [300, True]
