"""An rclone S3 server of one test's own, that the test can stop and start again on
the same port and data: a storage outage, for real."""

from __future__ import annotations

import secrets
import socket
import subprocess
from pathlib import Path

from tests.fixtures.s3server import S3Server, _wait_until_answering, find_rclone


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RestartableS3:
    def __init__(self, work_dir: Path):
        self.root = work_dir / "root"
        self.root.mkdir(parents=True)
        (work_dir / "rclone.conf").touch()
        self.work_dir, self.port = work_dir, _free_port()
        self.server = S3Server(
            endpoint_url=f"http://127.0.0.1:{self.port}", access_key=f"coffer{secrets.token_hex(7)}",
            secret_key=secrets.token_urlsafe(30), region="us-east-1", root_dir=self.root,
            log_path=work_dir / "rclone.log",
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            find_rclone(), "serve", "s3", str(self.root), f"--addr=127.0.0.1:{self.port}",
            f"--auth-key={self.server.access_key},{self.server.secret_key}", "--vfs-cache-mode=off",
            f"--config={self.work_dir / 'rclone.conf'}", f"--cache-dir={self.work_dir / 'cache'}",
        ]
        with self.server.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        _wait_until_answering(self.server, self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
