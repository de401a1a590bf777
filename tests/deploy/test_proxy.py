"""The real front door: Debian's nginx with deploy/nginx/coffer.conf, in front of gunicorn
started exactly as the Dockerfile starts it, on free loopback ports in temp dirs.

200 slowloris clients (headers a byte at a time) and 200 slow-body clients must not
stop /healthz, nor a user's unlock and download; without nginx, the same slowloris
clients do stop gunicorn (issue 14, defect 4). docs/deploy.md states what this proves.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import PIN, make_person
from tests.support.processes import free_port, stop, wait_listening

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx" / "coffer.conf"
NGINX = os.environ.get("COFFER_NGINX", "/usr/sbin/nginx")
SLOW_CLIENTS = 200
HOST = "localhost"


def _conf_seconds(directive: str) -> int:
    return int(re.search(rf"^{directive} (\d+)s;", CONF.read_text(), re.M).group(1))


def dockerfile_gunicorn_args() -> list[str]:
    """gunicorn's arguments from the Dockerfile's CMD, so the test runs production's shape."""
    cmd = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    args = json.loads(cmd[4:])
    assert args[:2] == ["gunicorn", "coffer.wsgi:application"], args
    return args[2:]


@dataclass
class FrontDoor:
    gunicorn_port: int
    nginx_port: int
    cert: Path
    gunicorn_access_log: Path
    tls: ssl.SSLContext = field(init=False)

    def __post_init__(self):
        self.tls = ssl.create_default_context(cafile=str(self.cert))

    def request(self, method: str, path: str, *, body: bytes | None = None, headers=None, timeout: float = 5):
        conn = http.client.HTTPSConnection("127.0.0.1", self.nginx_port, context=self.tls, timeout=timeout)
        conn.sock = None
        conn._tunnel_host = None
        try:
            conn.connect = lambda: _connect_tls(conn, self.tls)  # SNI and checks for "localhost"
            conn.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def _connect_tls(conn: http.client.HTTPSConnection, tls: ssl.SSLContext) -> None:
    raw = socket.create_connection((conn.host, conn.port), timeout=conn.timeout)
    conn.sock = tls.wrap_socket(raw, server_hostname=HOST)


@pytest.fixture(scope="module")
def front_door(django_db_setup, django_db_blocker, tmp_path_factory):
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} is missing: `make proxy` installs Debian's nginx")
    with django_db_blocker.unblock():
        database = connection.settings_dict
    tmp = tmp_path_factory.mktemp("front-door")
    tmp.chmod(0o755)  # nginx workers may run as another user when the test runs as root
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
         "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )

    gunicorn_port, nginx_port = free_port(), free_port()
    args = dockerfile_gunicorn_args()
    args[args.index("--bind") + 1] = f"127.0.0.1:{gunicorn_port}"
    access_log, gunicorn_log = tmp / "gunicorn-access.log", tmp / "gunicorn.log"
    user = f"{database['USER']}@" if database.get("USER") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "coffer.settings.test",
        "DATABASE_URL": f"postgres://{user}{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "COFFER_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "COFFER_SERVER_KEYS": settings.COFFER_SERVER_KEYS,
        "COFFER_STORAGE": "fs",
        "COFFER_BLOB_ROOT": str(settings.COFFER_BLOB_ROOT),
        "COFFER_TRUSTED_PROXIES": "127.0.0.1/32",
    }
    with open(gunicorn_log, "wb") as log:
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "coffer.wsgi:application", *args, "--access-logfile", str(access_log)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    (tmp / "coffer").mkdir()
    (tmp / "coffer" / "upstream.conf").write_text(f"server 127.0.0.1:{gunicorn_port} max_fails=0;\n")
    (tmp / "coffer" / "site.conf").write_text(
        f"listen 127.0.0.1:{nginx_port} ssl;\nssl_certificate {cert};\nssl_certificate_key {key};\n"
    )
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    run_as = "user root;\n" if os.getuid() == 0 else ""
    # One worker with 1024 connections: the official image runs one such worker per core.
    (tmp / "nginx.conf").write_text(
        f"{run_as}worker_processes 1;\nerror_log {tmp}/error.log warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log off;\n{temp_paths}\n    include {CONF};\n}}\n"
    )
    nginx_log = tmp / "error.log"
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-e", str(nginx_log), "-c", str(tmp / "nginx.conf"),
         "-g", f"daemon off; pid {tmp}/nginx.pid;"],
        stdout=subprocess.DEVNULL, stderr=open(tmp / "nginx.out", "wb"), start_new_session=True,
    )
    try:
        wait_listening(gunicorn, gunicorn_port, gunicorn_log)
        wait_listening(nginx, nginx_port, tmp / "nginx.out")
        yield FrontDoor(gunicorn_port, nginx_port, cert, access_log)
    finally:
        stop(nginx)
        stop(gunicorn)


@pytest.fixture
def user_with_a_file(transactional_db):
    """Alice with a vault and a 150 kB PDF, made in-process; the server sees the committed rows."""
    alice = make_person("alice").setup_vault().unlock()
    data = b"%PDF-1.7\n" + os.urandom(150_000)
    response = alice.client.generic("POST", "/api/v1/files/", data, content_type="application/pdf",
                                    HTTP_X_FILENAME="passport.pdf")
    assert response.status_code == 201, response.content
    alice.client.post("/api/v1/vault/lock")
    return alice, response.json()["id"], data


# ---- slow clients, in one asyncio loop on a thread of their own ----


class SlowClients:
    def __init__(self, port: int, tls: ssl.SSLContext | None, request: bytes, header_bytes_at_once: int):
        self.port, self.tls, self.request, self.at_once = port, tls, request, header_bytes_at_once
        self.started = self.closed_by_server = 0
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _one(self):
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", self.port, ssl=self.tls, server_hostname=HOST if self.tls else None)
        try:
            writer.write(self.request[: self.at_once])
            await writer.drain()
            self.started += 1
            if self.started == SLOW_CLIENTS:
                self.ready.set()
            for byte in self.request[self.at_once:]:
                try:
                    if await asyncio.wait_for(reader.read(1), timeout=0.5) == b"":
                        break
                except asyncio.TimeoutError:
                    pass
                writer.write(bytes([byte]))
                await writer.drain()
            else:
                await asyncio.Event().wait()  # sent everything we will: hold the connection
            self.closed_by_server += 1
        except (ConnectionError, ssl.SSLError):
            self.closed_by_server += 1
        finally:
            writer.close()

    def start(self):
        self.thread.start()
        self.tasks = [asyncio.run_coroutine_threadsafe(self._one(), self.loop) for _ in range(SLOW_CLIENTS)]
        assert self.ready.wait(timeout=20), f"only {self.started} slow clients got in"

    async def _cancel_all(self):
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self):
        asyncio.run_coroutine_threadsafe(self._cancel_all(), self.loop).result(timeout=20)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


def slowloris_request() -> bytes:
    return (f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nUser-Agent: slowloris\r\n"
            + "".join(f"X-Pad-{n}: {'a' * 20}\r\n" for n in range(40)) + "\r\n").encode()


def slow_body_request(token: str) -> bytes:
    head = (f"POST /api/v1/files/ HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: Token {token}\r\n"
            f"Content-Type: application/pdf\r\nX-Filename: slow.pdf\r\nContent-Length: 100000\r\n\r\n").encode()
    return head + b"%PDF-1.7\n" + b"x" * 2000


def a_user_still_gets_through(door: FrontDoor, alice, file_id: str, data: bytes) -> float:
    """/healthz, unlock, download, each within 5 s; returns the slowest, in seconds."""
    timings = []
    for _ in range(3):
        began = time.monotonic()
        assert door.request("GET", "/healthz") == (200, b'{"status": "ok"}')
        timings.append(time.monotonic() - began)
    auth = {"Authorization": f"Token {alice.token}"}
    began = time.monotonic()
    status, body = door.request("POST", "/api/v1/vault/unlock", body=json.dumps({"pin": PIN}).encode(),
                                headers={**auth, "Content-Type": "application/json"})
    assert status == 200, body
    timings.append(time.monotonic() - began)
    began = time.monotonic()
    status, body = door.request("GET", f"/api/v1/files/{file_id}/content",
                                headers={**auth, "X-Vault-Unlock": json.loads(body)["unlock_secret"]})
    assert (status, body == data) == (200, True)
    timings.append(time.monotonic() - began)
    return max(timings)


def test_200_slowloris_clients_do_not_stop_healthz_unlock_or_download(front_door, user_with_a_file):
    alice, file_id, data = user_with_a_file
    attack = SlowClients(front_door.nginx_port, front_door.tls, slowloris_request(), header_bytes_at_once=2)
    began = time.monotonic()
    attack.start()
    try:
        assert a_user_still_gets_through(front_door, alice, file_id, data) < 2.0
        assert attack.closed_by_server == 0  # they were all still there while the user worked
        # nginx cuts each one off when client_header_timeout runs out, though each sends a byte every 0.5 s.
        deadline = began + _conf_seconds("client_header_timeout") + 5
        while attack.closed_by_server < SLOW_CLIENTS and time.monotonic() < deadline:
            time.sleep(0.2)
        assert attack.closed_by_server == SLOW_CLIENTS
        assert time.monotonic() - began >= _conf_seconds("client_header_timeout") - 1
    finally:
        attack.stop()
    assert "slowloris" not in front_door.gunicorn_access_log.read_text()


def test_200_slow_body_clients_do_not_stop_healthz_unlock_or_download(front_door, user_with_a_file):
    alice, file_id, data = user_with_a_file
    request = slow_body_request(alice.token)
    head_length = request.index(b"\r\n\r\n") + 4
    attack = SlowClients(front_door.nginx_port, front_door.tls, request, header_bytes_at_once=head_length + 1)
    attack.start()
    try:
        time.sleep(1.0)  # a few more bytes each
        assert a_user_still_gets_through(front_door, alice, file_id, data) < 2.0
        assert attack.closed_by_server == 0
    finally:
        attack.stop()
    # Buffered: gunicorn never saw one of the unfinished bodies, so none held a thread.
    assert "POST /api/v1/files/" not in front_door.gunicorn_access_log.read_text()


def test_without_nginx_the_same_slowloris_clients_stop_gunicorn(front_door, transactional_db):
    attack = SlowClients(front_door.gunicorn_port, None, slowloris_request(), header_bytes_at_once=2)
    attack.start()
    try:
        with pytest.raises(OSError):  # socket.timeout, or a reset
            probe = socket.create_connection(("127.0.0.1", front_door.gunicorn_port), timeout=3)
            probe.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            if not probe.recv(100):
                raise ConnectionResetError
    finally:
        attack.stop()


def test_the_body_limit_matches_coffers_largest_file():
    limit = re.search(r"^client_max_body_size (\d+)m;", CONF.read_text(), re.M).group(1)
    assert int(limit) * 1024 * 1024 == settings.COFFER_FILE_MAX_BYTES + 1024 * 1024
    assert int(re.search(r"^client_body_buffer_size (\d+)m;", CONF.read_text(), re.M).group(1)) * 1024 * 1024 \
        == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
