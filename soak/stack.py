"""The soak's stack: a fresh PostgreSQL database, Redis databases of its own, and four
processes (rclone's S3 server, gunicorn, a Celery worker and beat) that it can SIGKILL
and restart on the same port and data directory."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests

from tests.fixtures.s3server import S3Server, find_rclone

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "coffer-soak"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class StackConfig:
    work_dir: Path
    postgres_url: str = "postgres://postgres@127.0.0.1:5432/postgres"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    cache_db: int = 13
    broker_db: int = 12
    run_id: str = field(default_factory=lambda: f"{os.getpid()}")


class Service:
    """One process group, killed with SIGKILL and started again with the same command."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_path: Path):
        self.name, self.command, self.env, self.log_path = name, command, env, log_path
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.starts += 1

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


class Stack:
    def __init__(self, config: StackConfig):
        self.config = config
        run = config.run_id
        self.db_name = f"coffer_soak_{run}"
        self.cache_prefix = f"coffer-soak-{run}"
        self.queue = f"coffer-soak-{run}"
        self.web_port = free_port()
        self.s3_port = free_port()
        self.s3_root = config.work_dir / "s3"
        self.s3_root.mkdir(parents=True, exist_ok=True)
        self.s3 = S3Server(
            endpoint_url=f"http://127.0.0.1:{self.s3_port}", access_key=f"soak{secrets.token_hex(6)}",
            secret_key=secrets.token_urlsafe(30), region="us-east-1", root_dir=self.s3_root,
            log_path=config.work_dir / "s3.log",
        )
        self.env = self._env()
        self.services = {
            "s3": Service("s3", self._s3_command(), self.env, self.s3.log_path),
            "web": Service("web", self._web_command(), self.env, config.work_dir / "web.log"),
            "worker": Service("worker", self._worker_command(), self.env, config.work_dir / "worker.log"),
            "beat": Service("beat", self._beat_command(), self.env, config.work_dir / "beat.log"),
        }

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def _env(self) -> dict[str, str]:
        c = self.config
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "COFFER_"))}
        server_keys = ",".join(f"{v}:{base64.b64encode(os.urandom(32)).decode()}" for v in (1, 2))
        env.update({
            "DJANGO_SETTINGS_MODULE": "soak.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"{c.postgres_url.rsplit('/', 1)[0]}/{self.db_name}",
            "REDIS_URL": f"redis://{c.redis_host}:{c.redis_port}/{c.cache_db}",
            "CELERY_BROKER_URL": f"redis://{c.redis_host}:{c.redis_port}/{c.broker_db}",
            "COFFER_CACHE_PREFIX": self.cache_prefix,
            "COFFER_CELERY_QUEUE": self.queue,
            "COFFER_SERVER_KEYS": server_keys,
            "COFFER_STORAGE": "s3",
            "COFFER_S3_ENDPOINT_URL": self.s3.endpoint_url,
            "COFFER_S3_BUCKET": BUCKET,
            "COFFER_S3_ACCESS_KEY": self.s3.access_key,
            "COFFER_S3_SECRET_KEY": self.s3.secret_key,
            "COFFER_S3_REGION": self.s3.region,
            # The clients are the soak's own threads, all on one address.
            "COFFER_THROTTLE_LOGIN": "100000/min",
            "COFFER_THROTTLE_TOKEN": "100000/min",
            "COFFER_THROTTLE_UNLOCK": "100000/min",
            # Short leases, so a job resumes within seconds of a worker kill rather than minutes.
            "COFFER_ROTATION_LEASE_SECONDS": "10",
            "COFFER_ROTATION_STEP_SECONDS": "5",
            "COFFER_ROTATION_STALE_SECONDS": "15",
            "COFFER_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        return env

    def _s3_command(self) -> list[str]:
        config = self.config.work_dir / "rclone.conf"
        config.touch()
        # As tests/fixtures/s3server.py starts it, but on a fixed port, so a restart keeps the endpoint.
        return [
            find_rclone(), "serve", "s3", str(self.s3_root), f"--addr=127.0.0.1:{self.s3_port}",
            f"--auth-key={self.s3.access_key},{self.s3.secret_key}", "--vfs-cache-mode=off",
            f"--config={config}", f"--cache-dir={self.config.work_dir / 'rclone-cache'}",
        ]

    def _web_command(self) -> list[str]:
        # The Dockerfile's command, on loopback.
        return [sys.executable, "-m", "gunicorn", "coffer.wsgi:application", "--bind", f"127.0.0.1:{self.web_port}",
                "--workers", "2", "--threads", "4", "--timeout", "120",
                # gunicorn's default control socket is one path per machine user: keep ours apart.
                "--control-socket", str(self.config.work_dir / "gunicorn.ctl")]

    def _worker_command(self) -> list[str]:
        # docker-compose.yml's worker, on this run's queue.
        return [sys.executable, "-m", "celery", "-A", "coffer", "worker", "--loglevel", "WARNING", "--concurrency", "2",
                "-Q", self.queue, "-n", f"{self.queue}@%h"]

    def _beat_command(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "coffer", "beat", "--loglevel", "WARNING",
                "--schedule", str(self.config.work_dir / "celerybeat-schedule")]

    # ---- life cycle ----

    def create(self) -> None:
        with psycopg.connect(self.config.postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.manage("migrate", "--noinput", "-v0")

    def manage(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start_all(self) -> None:
        self.start("s3")
        self.s3.client().create_bucket(Bucket=BUCKET)
        for name in ("web", "worker", "beat"):
            self.start(name)

    def start(self, name: str, timeout: float = 60.0) -> None:
        self.services[name].start()
        if name == "web":
            self._wait(name, self.web_answers, timeout)
        elif name == "s3":
            self._wait(name, self.s3_answers, timeout)

    def _wait(self, name: str, answers, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.services[name].running():
                raise RuntimeError(f"{name} exited at start; see {self.services[name].log_path}")
            if answers():
                return
            time.sleep(0.05)
        raise RuntimeError(f"{name} did not answer within {timeout}s; see {self.services[name].log_path}")

    def web_answers(self) -> bool:
        try:
            return requests.get(f"{self.base_url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def s3_answers(self) -> bool:
        try:
            self.s3.client().list_buckets()
            return True
        except Exception:  # botocore raises many kinds while the port is closed
            return False

    def kill(self, name: str) -> None:
        self.services[name].kill()

    def ensure_running(self) -> list[str]:
        """Starts whatever is down; returns the names it started."""
        started = [name for name, service in self.services.items() if not service.running()]
        for name in ("s3", "web", "worker", "beat"):
            if name in started:
                self.start(name)
        return started

    def teardown(self, *, drop: bool = True) -> None:
        for name in ("beat", "worker", "web", "s3"):
            self.services[name].stop()
        if drop:
            try:
                with psycopg.connect(self.config.postgres_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            except psycopg.Error as exc:
                print(f"soak: could not drop {self.db_name}: {exc}", file=sys.stderr)
        self._clear_redis()

    def _clear_redis(self) -> None:
        c = self.config
        cache = redis.Redis(host=c.redis_host, port=c.redis_port, db=c.cache_db)
        for key in cache.scan_iter(match=f"{self.cache_prefix}*", count=1000):
            cache.delete(key)
        broker = redis.Redis(host=c.redis_host, port=c.redis_port, db=c.broker_db)
        for key in broker.scan_iter(match=f"*{self.queue}*", count=1000):
            broker.delete(key)
